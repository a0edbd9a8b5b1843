#!/bin/sh
# Build the gdb stub's fuzzer (fuzz-gdbstub.c) with clang, libFuzzer and
# ASan/UBSan, separately from the gcc build, and run it for a bounded
# time.
#
#   tests/fuzz/fuzz-gdbstub.sh SRCDIR BUILDDIR [SECONDS]
#
# Exits 77 (skipped) when clang or its fuzzer runtime is missing, 1 when
# the build fails or the fuzzer finds something (the crashing input is
# left in BUILDDIR/tests/fuzz/), 0 otherwise.  The corpus it grows stays
# in BUILDDIR/tests/fuzz/gdbstub-corpus for the next run.

set -u

src=${1:?usage: $0 SRCDIR BUILDDIR [SECONDS]}
build=${2:?usage: $0 SRCDIR BUILDDIR [SECONDS]}
. "$src/tests/fuzz/libfuzzer.sh"

fuzz_setup gdbstub "$src" "$build"
# The stub, and the CPU test machine behind it: harts, memory, the
# engine, the run state and the monitor (qRcmd).
fuzz_build $(ls "$src"/util/*.c "$src"/chardev/*.c "$src"/monitor/*.c \
                "$src"/gdbstub/*.c "$src"/accel/*.c "$src"/accel/tcg/*.c \
                "$src"/target/riscv/*.c "$src"/hw/core/*.c) \
    "$src/softmmu/cpus.c" "$src/softmmu/memory.c" "$src/softmmu/physmem.c" \
    "$src/softmmu/runstate.c" "$src/tests/unit/riscv-test-machine.c" \
    "$src/tests/fuzz/fuzz-gdbstub.c"
fuzz_run "${3:-60}" 8192 "$src/tests/fuzz/gdbstub-seeds"
