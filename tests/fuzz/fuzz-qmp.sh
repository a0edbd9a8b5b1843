#!/bin/sh
# Build the QMP fuzzer (fuzz-qmp.c) with clang, libFuzzer and ASan/UBSan,
# separately from the gcc build, and run it for a bounded time.
#
#   tests/fuzz/fuzz-qmp.sh SRCDIR BUILDDIR [SECONDS]
#
# Exits 77 (skipped) when clang or its fuzzer runtime is missing, 1 when
# the build fails or the fuzzer finds something (the crashing input is
# left in BUILDDIR/tests/fuzz/), 0 otherwise.  The corpus it grows stays
# in BUILDDIR/tests/fuzz/qmp-corpus for the next run.

set -u

src=${1:?usage: $0 SRCDIR BUILDDIR [SECONDS]}
build=${2:?usage: $0 SRCDIR BUILDDIR [SECONDS]}
secs=${3:-60}
out=$build/tests/fuzz
cc=${CLANG:-clang}

mkdir -p "$out/qmp-corpus" || exit 1

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz-qmp: SKIP: $cc not found (Debian: clang)"
    exit 77
fi
probe=$out/probe.c
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ return 0; }' >"$probe"
if ! "$cc" -fsanitize=fuzzer,address "$probe" -o "$out/probe" \
        >"$out/probe.log" 2>&1; then
    echo "fuzz-qmp: SKIP: $cc cannot link -fsanitize=fuzzer (Debian:" \
         "libclang-rt-14-dev)"
    exit 77
fi

cflags="-std=gnu11 -g -O1 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
        -fno-strict-aliasing -fno-common -Wno-unused-parameter
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -I$src/include -I$src -I$build
        $(pkg-config --cflags glib-2.0 json-glib-1.0)"
libs="$(pkg-config --libs glib-2.0 json-glib-1.0) -lm -pthread"
sources="$(ls "$src"/util/*.c "$src"/chardev/*.c "$src"/monitor/*.c)
         $src/tests/unit/machine-double.c $src/tests/fuzz/fuzz-qmp.c"

echo "fuzz-qmp: building with $cc"
# shellcheck disable=SC2086
if ! "$cc" $cflags $sources $libs -o "$out/fuzz-qmp" >"$out/build.log" 2>&1
then
    cat "$out/build.log"
    echo "fuzz-qmp: build failed"
    exit 1
fi

echo "fuzz-qmp: fuzzing for $secs s"
cd "$out" || exit 1
# libFuzzer's own exit code for a finding is 77, which meson reads as
# "skipped": make every finding exit 1.
./fuzz-qmp -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 qmp-corpus "$src/tests/fuzz/qmp-seeds"
status=$?
if [ "$status" -ne 0 ]; then
    echo "fuzz-qmp: FAILED (status $status); reproduce with:" \
         "$out/fuzz-qmp $out/crash-*"
    exit 1
fi
