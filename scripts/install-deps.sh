#!/bin/sh
# Install every Debian 12 package that Grace's build, tests, benchmarks and
# guest images need.  Idempotent: when everything is present it only asks
# dpkg, which takes a fraction of a second.  As root it runs apt-get;
# otherwise it prints the exact command to run and fails.
#
#   scripts/install-deps.sh [--quiet] [--list]

set -u

quiet=no
for arg do
    case "$arg" in
    --quiet) quiet=yes ;;
    --list)  list=yes ;;
    *) echo "usage: $0 [--quiet] [--list]" >&2; exit 2 ;;
    esac
done

# Build and unit tests
PKGS="gcc make meson ninja-build pkg-config python3 ccache
      libglib2.0-dev libpixman-1-dev zlib1g-dev libfdt-dev libjson-glib-dev"
# -d out_asm: disassembly of the JIT's code (optional at build time)
PKGS="$PKGS libcapstone-dev"
# Bare-metal guest tests (tests/tcg) and the Linux guest's userland
# (nolibc needs the riscv64 kernel headers: asm/unistd.h, linux/rtc.h...)
PKGS="$PKGS gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
      gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
      linux-libc-dev-riscv64-cross"
# Firmware and the test kernels (scripts/build-linux-guest.sh): 6.1, and
# 6.12 for memory hot-plug (riscv64 gained it in 6.11; Debian 12 has the
# 6.12 source from bookworm-security)
PKGS="$PKGS opensbi u-boot-qemu linux-source-6.1 linux-source-6.12 bc flex
      bison libelf-dev
      libssl-dev cpio xz-utils e2fsprogs fdisk device-tree-compiler"
# Functional tests (gdb-multiarch: the gdbstub's), model checking, fuzzing
PKGS="$PKGS python3-pytest gdb-multiarch spin clang libclang-rt-14-dev llvm-14"
# Benchmark peers only: Grace never links or runs these in 'make check'
PKGS="$PKGS liburcu-dev qemu-system-misc"
# Benchmark plots (make bench draws PNGs under build/bench)
PKGS="$PKGS python3-matplotlib"

if [ "${list:-no}" = yes ]; then
    echo $PKGS
    exit 0
fi

# One dpkg-query for all packages; a package counts as present only if
# its status reads "install ok installed".
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
            awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }')
missing=
for p in $PKGS; do
    if ! printf '%s\n' "$installed" | grep -qx -- "$p"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    [ "$quiet" = yes ] || echo "install-deps: all packages present"
    exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run as root:" >&2
    echo "  apt-get update && $cmd" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; a stale list can make
# install fail, so refresh once and retry before giving up.
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update && apt-get install -y --no-install-recommends $missing || {
        echo "install-deps: apt-get failed" >&2
        exit 1
    }
fi
