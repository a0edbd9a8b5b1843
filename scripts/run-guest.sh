#!/bin/sh
# Boot the test Linux on the virt board, to the init's shell on the
# serial console (what 'make run' does).
#
# usage: scripts/run-guest.sh [EMULATOR [EMULATOR-ARGS...]]
#
#   EMULATOR       the emulator binary (default: build/grace-system-riscv64;
#                  upstream qemu-system-riscv64 takes the same arguments)
#   EMULATOR-ARGS  more arguments, e.g. -m 1G or -device virtio-rng-device
#
# The guest (Image, initramfs, firmware) is built first if needed, by
# scripts/build-linux-guest.sh into $GRACE_GUEST_OUT or build/guest
# (GRACE_GUEST_DIR can supply a prebuilt kernel).  At the "grace# "
# prompt, "help" lists the commands and "poweroff" ends the session; the
# emulator's exit status is this script's.  Ctrl-A X quits the emulator
# at any time (-nographic's console escape).

set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
emulator=${1:-$srcdir/build/grace-system-riscv64}
[ $# -eq 0 ] || shift

case "$emulator" in
-h|--help)
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
    exit 0
    ;;
esac

if [ ! -x "$emulator" ] && ! command -v "$emulator" >/dev/null 2>&1; then
    echo "run-guest: $emulator: no such executable (run 'make' first)" >&2
    exit 1
fi

out=${GRACE_GUEST_OUT:-$srcdir/build/guest}
"$srcdir/scripts/build-linux-guest.sh" -o "$out" kernel initramfs
# OpenSBI 1.3 or later, so that -smp N brings up every hart; Debian 12's
# own 1.1 if that cannot be had (docs/system/riscv-virt.rst, "SMP Linux").
if "$srcdir/scripts/build-linux-guest.sh" -o "$out" firmware; then
    bios=$out/opensbi-fw_dynamic.bin
else
    echo "run-guest: booting Debian's OpenSBI, which can lose a hart" \
        "at -smp 2 and more" >&2
    bios=default
fi

exec "$emulator" -M virt -m 256M -bios "$bios" -nographic \
    -kernel "$out/Image" -initrd "$out/initramfs.cpio.gz" \
    -append "console=ttyS0 earlycon grace.mode=shell" "$@"
