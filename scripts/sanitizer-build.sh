#!/bin/sh
# Keep a sanitizer build beside the default one, and run the test suites
# in it.
#
#   scripts/sanitizer-build.sh [-b BUILD] [--check] KIND
#
# KIND is asan (AddressSanitizer, LeakSanitizer and UBSan, in build-asan/)
# or tsan (ThreadSanitizer, in build-tsan/).  The directory sits beside
# BUILD, the default build (build/ in the source tree), and is configured
# with clang, whose sanitizer and libFuzzer runtimes are Debian's
# libclang-rt-14-dev:
#
#   asan: ../configure --cc=clang --enable-asan --enable-ubsan --enable-fuzzing
#   tsan: ../configure --cc=clang --enable-tsan
#
# (the asan build also holds the device fuzzer, tests/fuzz/fuzz-virt.py).
#
# It is configured only when it is missing or was configured with other
# options (recorded in DIR/grace-sanitizer.args), then built with ninja,
# which rebuilds only what changed: a second run costs little.  Runs that
# share a directory take turns on BUILD/build-KIND.lock.
#
# With --check, it then runs the unit, tcg and functional suites there
# (meson's test setup makes every sanitizer report fatal; see
# docs/devel/testing.rst) and prints meson's summary and our one-line
# 'N passed, N failed'.  The functional tests boot the same Linux guest as
# the default build: with GRACE_GUEST_DIR unset, the kernel of BUILD/guest
# is built there if needed and lent to the sanitizer build, rather than
# built once more.
#
# Exit status: 0 when built (and, with --check, everything passed), 1 on
# a failure, 77 (skipped) when clang or its runtimes are missing.

set -u

usage() {
    echo "usage: $0 [-b BUILD] [--check] asan|tsan" >&2
    exit 2
}

srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
build=$srcdir/build
check=no
kind=
while [ $# -gt 0 ]; do
    case "$1" in
    -b) [ $# -ge 2 ] || usage; build=$2; shift ;;
    --check) check=yes ;;
    asan|tsan) kind=$1 ;;
    *) usage ;;
    esac
    shift
done
[ -n "$kind" ] || usage

case "$kind" in
asan) args="--cc=clang --enable-asan --enable-ubsan --enable-fuzzing" ;;
tsan) args="--cc=clang --enable-tsan" ;;
esac
mkdir -p "$build" || exit 1
build=$(cd "$build" && pwd -P)
dir=$(dirname "$build")/build-$kind
if [ "$dir" = "$build" ]; then
    echo "$0: $build is itself the $kind build" >&2
    exit 2
fi
say() {
    echo "sanitizer-build($kind): $*"
}

# clang, and its runtimes: the package check of 'make' is skippable, so
# look for them here as well.
probe=$(mktemp -d "${TMPDIR:-/tmp}/grace-san.XXXXXX") || exit 1
trap 'rm -rf "$probe"' EXIT
case "$kind" in
asan) flag=-fsanitize=fuzzer,address,undefined ;;
tsan) flag=-fsanitize=thread ;;
esac
if [ "$kind" = asan ]; then
    echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
          { return 0; }' >"$probe/p.c"
else
    echo 'int main(void) { return 0; }' >"$probe/p.c"
fi
if ! command -v clang >/dev/null 2>&1; then
    say "SKIP: clang not found (scripts/install-deps.sh installs it:" \
        "Debian packages clang, libclang-rt-14-dev)"
    exit 77
fi
if ! clang $flag "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
    cat "$probe/log"
    say "SKIP: clang cannot link $flag (Debian package libclang-rt-14-dev," \
        "installed by scripts/install-deps.sh)"
    exit 77
fi

mkdir -p "$dir" || exit 1
# One configure and build at a time per directory; flock releases the lock
# when this script exits.
exec 9>"$build/build-$kind.lock"
flock 9

if [ ! -f "$dir/build.ninja" ] ||
   [ "$(cat "$dir/grace-sanitizer.args" 2>/dev/null)" != "$args" ]; then
    say "configuring $dir: $args"
    # shellcheck disable=SC2086
    if ! (cd "$dir" && "$srcdir/configure" $args) >"$probe/configure.log" 2>&1
    then
        cat "$probe/configure.log"
        say "configure failed"
        exit 1
    fi
    echo "$args" >"$dir/grace-sanitizer.args"
fi
say "building in $dir"
if ! ninja -C "$dir" >"$probe/build.log" 2>&1; then
    tail -n 60 "$probe/build.log"
    say "build failed"
    exit 1
fi

[ "$check" = yes ] || exit 0

# The functional tests' guest: lend BUILD's kernel (GRACE_GUEST_DIR's
# format: the Image and the config fragment it was made from).
if [ -z "${GRACE_GUEST_DIR:-}" ]; then
    say "making sure $build/guest has the test kernel"
    if "$srcdir/scripts/build-linux-guest.sh" -o "$build/guest" kernel \
            >"$probe/guest.log" 2>&1; then
        cache=$dir/guest-cache
        mkdir -p "$cache"
        ln -sf "$build/guest/Image" "$cache/linux-6.1-rv64-Image"
        ln -sf "$srcdir/tests/guest/linux-6.1-rv64.config-fragment" \
            "$cache/linux-6.1-rv64.config-fragment"
        GRACE_GUEST_DIR=$cache
        export GRACE_GUEST_DIR
    else
        # The functional suite's guest-kit test says why (or skips).
        tail -n 5 "$probe/guest.log"
    fi
fi

# Sanitized code runs a few times slower: stretch the functional tests'
# own timeouts as well as meson's.
GRACE_TEST_TIMEOUT_SCALE=${GRACE_TEST_TIMEOUT_SCALE:-4}
export GRACE_TEST_TIMEOUT_SCALE
say "running the unit, tcg and functional suites"
rm -f "$dir/meson-logs/testlog.json"
status=0
meson test -C "$dir" --print-errorlogs --timeout-multiplier 4 \
    --suite unit --suite tcg --suite functional || status=1
printf '%s: ' "build-$kind"
python3 "$srcdir/scripts/test-summary.py" "$dir/meson-logs/testlog.json" ||
    status=1
exit $status
