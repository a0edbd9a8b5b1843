#!/bin/sh
# Check one Promela model with spin.
#
#   run-spin.sh MODEL.pml pass|bug [--progress] [-DNAME ...]
#
# "pass": the model must verify with no error.  "bug": the model has a
# seeded bug (selected with -D) and spin must report at least one error;
# that proves the model can catch the mistake.  By default the check is
# for safety: assertions and invalid end states (a process blocked
# forever, i.e. a lost wake-up or a deadlock).  --progress checks instead
# for cycles that pass no progress label in a weakly fair run (a livelock,
# e.g. a loop that spins forever without kicking anyone), and for
# assertions.  Exits 77 (meson's "skip")
# when spin is not installed, and 99 (meson's "hard error") if the model
# does not build at all, so that a broken model never passes as a found bug.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 MODEL.pml pass|bug [--progress] [-DNAME ...]" >&2
    exit 99
fi
model=$1
expect=$2
shift 2
# pan's build flags and run-time options for the kind of check
cflags=-DSAFETY
panflags=
if [ "${1:-}" = --progress ]; then
    cflags=-DNP
    panflags="-l -f"
    shift
fi

if ! command -v spin >/dev/null 2>&1; then
    echo "spin is not installed (Debian package 'spin'); skipping $model"
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/grace-spin.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT INT TERM
cp "$model" "$work/model.pml" || exit 99
cd "$work" || exit 99

if ! spin -a "$@" model.pml >spin.log 2>&1; then
    cat spin.log
    echo "spin could not translate $model $*"
    exit 99
fi
if ! ${CC:-cc} -O2 $cflags -o pan pan.c >cc.log 2>&1; then
    cat cc.log
    echo "the verifier for $model $* did not compile"
    exit 99
fi
./pan $panflags -m1000000 >pan.log 2>&1
errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.log | head -n 1)
if [ -z "$errors" ]; then
    cat pan.log
    echo "no verdict from pan for $model $*"
    exit 99
fi
grep -E 'states, stored|depth reached' pan.log

case "$expect" in
pass)
    if [ "$errors" -ne 0 ]; then
        cat pan.log
        spin -t -p -g "$@" model.pml 2>&1 | tail -n 60
        echo "FAIL: $model $* has $errors error(s)"
        exit 1
    fi
    echo "PASS: $model $* verified"
    ;;
bug)
    if [ "$errors" -eq 0 ]; then
        echo "FAIL: the seeded bug $* in $model was not found"
        exit 1
    fi
    echo "PASS: the seeded bug $* in $model was found:"
    grep -E '^pan:' pan.log | head -n 3
    ;;
*)
    echo "unknown expectation '$expect'" >&2
    exit 99
    ;;
esac
exit 0
