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
. "$src/tests/fuzz/libfuzzer.sh"

fuzz_setup qmp "$src" "$build"
fuzz_build $(ls "$src"/util/*.c "$src"/chardev/*.c "$src"/monitor/*.c) \
    "$src/tests/unit/machine-double.c" "$src/tests/fuzz/fuzz-qmp.c"
fuzz_run "${3:-60}" 8192 "$src/tests/fuzz/qmp-seeds"
