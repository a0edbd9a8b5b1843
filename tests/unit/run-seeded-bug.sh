#!/bin/sh
# Run a program built with a seeded bug, which must be caught.
#
#   run-seeded-bug.sh PROGRAM 'EXPECTED TEXT[|TEXT...]' [ARGUMENT...]
#
# Passes (exit 0) only if PROGRAM exits with status 1 and its output has a
# line starting with "FAIL:" that contains EXPECTED TEXT, or one of the
# texts separated by '|': a check meant for this bug caught it.  A program that passes, crashes, hangs until
# meson's timeout, or fails for another reason fails the test, so that a
# detector that stops working is noticed.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 PROGRAM 'EXPECTED TEXT[|TEXT...]' [ARGUMENT...]" >&2
    exit 99
fi
prog=$1
want=$2
shift 2

out=$("$prog" "$@" 2>&1)
status=$?
printf '%s\n' "$out"
if [ "$status" -eq 0 ]; then
    echo "FAIL: the seeded bug went unnoticed: $(basename "$prog") passed"
    exit 1
fi
if [ "$status" -ne 1 ]; then
    echo "FAIL: $(basename "$prog") failed with status $status, not by a check"
    exit 1
fi
fails=$(printf '%s\n' "$out" | grep '^FAIL:')
rest=$want
while :; do
    text=${rest%%|*}
    if printf '%s\n' "$fails" | grep -qF -- "$text"; then
        echo "PASS: the seeded bug was caught: $text"
        exit 0
    fi
    [ "$text" = "$rest" ] && break
    rest=${rest#*|}
done
echo "FAIL: $(basename "$prog") failed, but not with '$want'"
exit 1
