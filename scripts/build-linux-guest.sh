#!/bin/sh
# Build the Linux guest that the functional tests, the boot benchmark and
# 'make run' boot on the virt board.
#
# usage: scripts/build-linux-guest.sh [-o DIR] [-j N] [--from-source]
#                                      [--force] [--keep-tree] [TARGET...]
#
#   -o DIR          output directory (default: $GRACE_GUEST_OUT, else
#                   build/guest in the source tree)
#   -j N            parallel jobs for the kernel build (default: all CPUs)
#   --from-source   build the kernel even if GRACE_GUEST_DIR has one
#   --force         rebuild the targets even if they are up to date
#   --keep-tree     keep the kernel source and objects (DIR/linux-build-VER)
#   TARGET          kernel, kernel-6.12, init, initramfs, disk, payload or
#                   firmware (default: all but kernel-6.12; each also
#                   makes what it needs)
#
# What lands in DIR:
#
#   Image               Linux 6.1 for riscv64, made from Debian's
#                       linux-source-6.1 with tinyconfig plus
#                       tests/guest/linux-6.1-rv64.config-fragment
#   linux.config        the kernel's full .config (when built here)
#   Image-6.12          Linux 6.12 for riscv64 with memory hot-plug and
#                       virtio-mem (the memory hot-plug tests), made the
#                       same way from linux-source-6.12 and
#                       tests/guest/linux-6.12-rv64.config-fragment;
#                       linux-6.12.config beside it
#   init                tests/guest/init.c and smp.c, a static rv64imac/lp64
#                       program built against the kernel's nolibc
#   initramfs.cpio.gz   /init, /dev/console and the mount points
#                       (tests/guest/initramfs.list)
#   disk.img            MBR disk for U-Boot: partition 1 is ext2 with
#                       extlinux/extlinux.conf, Image and initramfs.cpio.gz
#   sbi-hello.bin       tests/guest/sbi-hello.S, a raw S-mode program for
#                       OpenSBI to jump to (no kernel needed)
#   opensbi-fw_dynamic.bin
#                       OpenSBI 1.3 or later, for SMP Linux boots: the
#                       host's opensbi package if it is that new, else
#                       the opensbi package of Debian 13 (trixie),
#                       downloaded and checked by apt into DIR/apt
#                       without touching the system.  OpenSBI before 1.3
#                       (Debian 12 has 1.1) can send a secondary hart to
#                       the wrong address when the boot hart's thread is
#                       preempted inside its HSM hart_start (OpenSBI
#                       commit e8e9ed37, "Set the state of a hart to
#                       START_PENDING after the hart is ready"); Linux
#                       then says "CPU1: failed to come online".  See
#                       docs/system/riscv/virt.rst.
#
# Every artefact has a NAME.key beside it recording what it was made from
# (input hashes, package versions, compiler versions).  A target whose key
# still matches is left alone, so a second run takes a fraction of a second.
#
# The kernel is the slow part (two to five minutes on 2 cores).  If
# GRACE_GUEST_DIR names a directory holding linux-6.1-rv64-Image and
# linux-6.1-rv64.config-fragment (linux-6.12-rv64-Image and its fragment
# for kernel-6.12), and that fragment is identical to ours, the Image is
# copied from there instead.  An Image copied that way stays
# valid when GRACE_GUEST_DIR is later unset, as long as our fragment does
# not change.  The kernel source tarball is needed either way: the init's
# nolibc and gen_init_cpio come from it (only they are extracted then).
#
# Everything is rootless: gen_init_cpio (compiled from the kernel source)
# writes /dev/console into the archive, and the disk is assembled from a
# file with sfdisk, mke2fs -d and dd.  Runs that share DIR serialise on a
# lock, so parallel test runs can all call this script.
#
# GRACE_LINUX_TARBALL overrides the kernel source tarball
# (default /usr/src/linux-source-6.1.tar.xz), GRACE_LINUX_6_12_TARBALL
# the 6.12 one (default /usr/src/linux-source-6.12.tar.xz).
# GRACE_DEBIAN_MIRROR overrides the Debian mirror the firmware comes from
# (default http://deb.debian.org/debian).
#
# Exit status: 0 when everything asked for is ready, 77 when a tool or
# package is missing (the message names the Debian package; 77 is what
# meson and automake take for "skipped"), 2 on a usage error, 1 when a
# build step fails.

set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
guestdir=$srcdir/tests/guest
cross=riscv64-linux-gnu-

# The kernel being made: select_kernel sets kver, fragment, tarball,
# topdir and image (the artefact's name).  The 6.1 tree also provides
# nolibc and gen_init_cpio for every guest.
select_kernel() {
    kver=$1
    fragment=$guestdir/linux-$kver-rv64.config-fragment
    topdir=linux-source-$kver
    case "$kver" in
    6.1)
        tarball=${GRACE_LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
        image=Image
        config_copy=linux.config
        ;;
    6.12)
        tarball=${GRACE_LINUX_6_12_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
        image=Image-6.12
        config_copy=linux-6.12.config
        ;;
    esac
}
select_kernel 6.1

# Bump when the way an artefact is made changes without its inputs
# changing, so that old outputs are rebuilt.
kernel_recipe=1
init_recipe=1
initramfs_recipe=2
disk_recipe=2
payload_recipe=1
firmware_recipe=1

# Timestamp of everything inside the initramfs and the disk (2023-01-01).
fixed_time=1672531200

out=
jobs=
from_source=no
force=no
keep_tree=no
targets=

die() {
    echo "build-linux-guest: error: $*" >&2
    exit 1
}

# A missing prerequisite: callers (the test fixtures) skip rather than fail.
missing() {
    echo "build-linux-guest: missing prerequisite: $*" >&2
    exit 77
}

say() {
    echo "build-linux-guest: $*"
}

# usage [STATUS]: the synopsis from the top of this file; on stderr
# unless asked for (status 0).
usage() {
    if [ "${1:-2}" = 0 ]; then
        sed -n '2,/^# What lands/{s/^# \{0,1\}//;p}' "$0" | sed '$d'
        exit 0
    fi
    sed -n '2,/^# What lands/{s/^# \{0,1\}//;p}' "$0" | sed '$d' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    -o)             [ $# -ge 2 ] || usage; out=$2; shift ;;
    -o*)            out=${1#-o} ;;
    -j)             [ $# -ge 2 ] || usage; jobs=$2; shift ;;
    -j*)            jobs=${1#-j} ;;
    --from-source)  from_source=yes ;;
    --force)        force=yes ;;
    --keep-tree)    keep_tree=yes ;;
    -h|--help)      usage 0 ;;
    kernel|kernel-6.12|init|initramfs|disk|payload|firmware)
                    targets="$targets $1" ;;
    *)              echo "build-linux-guest: unknown argument '$1'" >&2; usage ;;
    esac
    shift
done
[ -n "$targets" ] || targets="kernel init initramfs disk payload firmware"
[ -n "$out" ] || out=${GRACE_GUEST_OUT:-$srcdir/build/guest}
[ -n "$jobs" ] || jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case "$jobs" in
''|*[!0-9]*|0) die "-j wants a positive number, got '$jobs'" ;;
esac

# Tool checks: name the Debian package that provides each missing tool.
need() {
    tool=$1
    pkg=$2
    command -v "$tool" >/dev/null 2>&1 ||
        missing "'$tool' not found; install the Debian package $pkg" \
            "(scripts/install-deps.sh installs everything)"
}

need_path() {
    file=$1
    pkg=$2
    [ -e "$file" ] ||
        missing "$file not found; install the Debian package $pkg"
}

sha() {
    sha256sum "$@" | cut -d' ' -f1
}

# The identity of the kernel source: the tarball's name, size and mtime
# (hashing 130 MB on every run would not be instant).  Callers check
# first that the tarball exists (need_tarball), since a failure inside
# $(...) would go unnoticed.
tarball_id() {
    stat -c '%n %s %Y' "$tarball"
}

need_tarball() {
    need_path "$tarball" "$topdir"
}

cc_id() {
    "$1" --version | head -n 1
}

# up_to_date NAME KEY: NAME exists and NAME.key holds exactly KEY.
up_to_date() {
    [ "$force" = no ] && [ -f "$out/$1" ] && [ -f "$out/$1.key" ] &&
        [ "$(cat "$out/$1.key")" = "$2" ]
}

# publish NAME TMPFILE KEY: move a finished artefact into place, then
# record its key (an artefact without a matching key is remade).
publish() {
    rm -f "$out/$1.key"
    mv -f "$2" "$out/$1"
    printf '%s\n' "$3" >"$out/$1.key.tmp"
    mv -f "$out/$1.key.tmp" "$out/$1.key"
}

# Run a long command with its output in a log; on failure show the end.
logged() {
    log=$1
    shift
    if ! "$@" >>"$log" 2>&1; then
        tail -n 25 "$log" >&2
        die "'$*' failed; full log in $log"
    fi
}

extract() {
    # extract DEST MEMBER...: members of the kernel tarball into DEST
    dest=$1
    shift
    need tar tar
    need xz xz-utils
    mkdir -p "$dest"
    tar -C "$dest" -xJf "$tarball" "$@" ||
        die "cannot extract $* from $tarball"
}

# Check that every option of the fragment survived olddefconfig: Kconfig
# silently drops an option whose dependencies are not met.
check_config() {
    config=$1
    lost=
    while IFS= read -r line; do
        case "$line" in
        CONFIG_*=n)
            opt=${line%%=*}
            if grep -q "^$opt=" "$config"; then
                lost="$lost $line"
            fi
            ;;
        CONFIG_*=*)
            if ! grep -qxF "$line" "$config"; then
                lost="$lost $line"
            fi
            ;;
        esac
    done <"$fragment"
    [ -z "$lost" ] || die "the kernel configuration lost:$lost"
}

# ---------------------------------------------------------------------
# kernel: the Image

kernel_key_from_source() {
    printf 'recipe %s\nfragment %s\norigin source %s, %s\n' \
        "$kernel_recipe" "$(sha "$fragment")" "$(tarball_id)" \
        "$(cc_id "${cross}gcc")"
}

# kmake ARGS...: the kernel's make in $ksrc, cross-compiling for riscv.
kmake() {
    make -C "$ksrc" ARCH=riscv CROSS_COMPILE="$cross" "$@"
}

build_kernel() {
    need "${cross}gcc" gcc-riscv64-linux-gnu
    need make make
    need gcc gcc
    need bc bc
    need flex flex
    need bison bison
    need perl perl
    key=$(kernel_key_from_source)

    tree=$out/linux-build-$kver
    log=$out/kernel-$kver-build.log
    rm -rf "$tree"
    : >"$log"
    say "kernel $kver: extracting $tarball"
    # Leave out what a riscv Image cannot use: the documentation (but the
    # Kconfig file the top-level Kconfig sources), other architectures'
    # device trees, the selftests and perf.
    extract "$tree" \
        --exclude="$topdir/Documentation/[!K]*" \
        --exclude="$topdir/arch/[!r]*/boot/dts" \
        --exclude="$topdir/tools/testing" --exclude="$topdir/tools/perf" \
        "$topdir"
    ksrc=$tree/$topdir

    say "kernel $kver: configuring (tinyconfig + $(basename "$fragment"))"
    # Reproducible version banner: no user, host or date of this machine.
    export KBUILD_BUILD_USER=grace KBUILD_BUILD_HOST=grace
    export KBUILD_BUILD_TIMESTAMP="2023-01-01 00:00:00 UTC"
    logged "$log" kmake tinyconfig
    (cd "$ksrc" && logged "$log" scripts/kconfig/merge_config.sh -m -r \
        .config "$fragment")
    logged "$log" kmake olddefconfig
    check_config "$ksrc/.config"

    say "kernel $kver: building the Image with -j$jobs (a few minutes; log in" \
        "$log)"
    start=$(date +%s)
    logged "$log" kmake -j"$jobs" Image
    say "kernel $kver: built in $(($(date +%s) - start)) s"

    cp "$ksrc/.config" "$out/$config_copy"
    cp "$ksrc/arch/riscv/boot/Image" "$out/$image.tmp"
    publish "$image" "$out/$image.tmp" "$key"
    if [ "$keep_tree" = no ]; then
        rm -rf "$tree"
    fi
}

make_kernel() {
    frag_sum=$(sha "$fragment")
    prebuilt=
    if [ -n "${GRACE_GUEST_DIR:-}" ] && [ "$from_source" = no ]; then
        pimage=$GRACE_GUEST_DIR/linux-$kver-rv64-Image
        pfrag=$GRACE_GUEST_DIR/linux-$kver-rv64.config-fragment
        if [ ! -f "$pimage" ] || [ ! -f "$pfrag" ]; then
            say "kernel $kver: GRACE_GUEST_DIR=$GRACE_GUEST_DIR has no" \
                "linux-$kver-rv64-Image and config fragment; building from source"
        elif ! cmp -s "$pfrag" "$fragment"; then
            say "kernel $kver: $pfrag differs from" \
                "tests/guest/$(basename "$fragment"); building from source"
        else
            prebuilt=$pimage
        fi
    fi

    if [ -n "$prebuilt" ]; then
        key=$(printf 'recipe %s\nfragment %s\norigin prebuilt %s\n' \
              "$kernel_recipe" "$frag_sum" "$(sha "$prebuilt")")
        if up_to_date "$image" "$key"; then
            return
        fi
        say "kernel $kver: using the prebuilt $prebuilt (same config fragment)"
        cp "$prebuilt" "$out/$image.tmp"
        rm -f "$out/$config_copy"
        publish "$image" "$out/$image.tmp" "$key"
        return
    fi

    # A copy of a prebuilt Image made from our fragment stays valid.
    if [ "$force" = no ] && [ "$from_source" = no ] &&
       [ -f "$out/$image" ] && [ -f "$out/$image.key" ] &&
       grep -qx "fragment $frag_sum" "$out/$image.key" &&
       grep -q '^origin prebuilt ' "$out/$image.key"; then
        return
    fi
    need_tarball
    if up_to_date "$image" "$(kernel_key_from_source)"; then
        return
    fi
    build_kernel
}

# ---------------------------------------------------------------------
# src: nolibc and gen_init_cpio from the kernel source

make_src() {
    need gcc gcc
    need_tarball
    key=$(printf 'recipe 1\norigin %s, %s\n' "$(tarball_id)" "$(cc_id gcc)")
    if up_to_date gen_init_cpio "$key"; then
        return
    fi
    say "src: extracting nolibc and gen_init_cpio"
    rm -rf "$out/src"
    tree=$out/linux-build-$kver/$topdir
    if [ -d "$tree/tools/include/nolibc" ] && [ -f "$tree/usr/gen_init_cpio.c" ]; then
        mkdir -p "$out/src/$topdir/tools/include" "$out/src/$topdir/usr"
        cp -R "$tree/tools/include/nolibc" "$out/src/$topdir/tools/include/"
        cp "$tree/usr/gen_init_cpio.c" "$out/src/$topdir/usr/"
    else
        extract "$out/src" "$topdir/tools/include/nolibc" \
            "$topdir/usr/gen_init_cpio.c"
    fi
    gcc -O2 -o "$out/gen_init_cpio.tmp" "$out/src/$topdir/usr/gen_init_cpio.c" ||
        die "cannot compile gen_init_cpio"
    publish gen_init_cpio "$out/gen_init_cpio.tmp" "$key"
}

# ---------------------------------------------------------------------
# init: our /init, static, soft-float, against nolibc

init_cflags="-Os -Wall -Wextra -Werror -Wno-unused-parameter
             -march=rv64imac_zicsr_zifencei -mabi=lp64
             -nostdlib -static -fno-pic -no-pie -fno-stack-protector
             -fno-asynchronous-unwind-tables -fno-ident -s
             -Wl,-z,separate-code"

make_init() {
    make_src
    need "${cross}gcc" gcc-riscv64-linux-gnu
    need_path /usr/riscv64-linux-gnu/include/asm/unistd.h \
        linux-libc-dev-riscv64-cross
    nolibc=$out/src/$topdir/tools/include/nolibc
    key=$(printf 'recipe %s\nsource %s\nnolibc %s\ncc %s\ncflags %s\n' \
          "$init_recipe" \
          "$(cat "$guestdir/init.h" "$guestdir/init.c" "$guestdir/smp.c" |
             sha256sum | cut -d' ' -f1)" \
          "$(cat "$nolibc"/*.h | sha256sum | cut -d' ' -f1)" \
          "$(cc_id "${cross}gcc")" "$init_cflags")
    if up_to_date init "$key"; then
        return
    fi
    say "init: compiling tests/guest/init.c and smp.c (rv64imac, lp64, nolibc)"
    # shellcheck disable=SC2086 # the flags are words on purpose
    "${cross}gcc" $init_cflags -I "$nolibc" -o "$out/init.tmp" \
        "$guestdir/init.c" "$guestdir/smp.c" -lgcc ||
        die "cannot compile tests/guest/init.c and smp.c"
    publish init "$out/init.tmp" "$key"
}

# ---------------------------------------------------------------------
# initramfs: /init and /dev/console, written without root

make_initramfs() {
    make_init
    need gzip gzip
    list=$guestdir/initramfs.list
    key=$(printf 'recipe %s\nlist %s\ninit %s\ngen_init_cpio %s\n' \
          "$initramfs_recipe" "$(sha "$list")" "$(sha "$out/init")" \
          "$(sha "$out/gen_init_cpio")")
    if up_to_date initramfs.cpio.gz "$key"; then
        return
    fi
    say "initramfs: writing initramfs.cpio.gz"
    # gen_init_cpio expands ${GRACE_INIT} in the list.  It stores the
    # files' own mtimes and -t's for the rest: fix both, so the same inputs
    # give the same archive.
    touch -d "@$fixed_time" "$out/init"
    GRACE_INIT=$out/init "$out/gen_init_cpio" -t "$fixed_time" "$list" \
        >"$out/initramfs.cpio.tmp" || die "gen_init_cpio failed on $list"
    gzip -9 -n -c "$out/initramfs.cpio.tmp" >"$out/initramfs.cpio.gz.tmp"
    rm -f "$out/initramfs.cpio.tmp"
    publish initramfs.cpio.gz "$out/initramfs.cpio.gz.tmp" "$key"
}

# ---------------------------------------------------------------------
# disk: an MBR disk whose first partition U-Boot's distro boot reads

disk_first_sector=2048

make_disk() {
    make_kernel
    make_initramfs
    need sfdisk fdisk
    need mke2fs e2fsprogs
    need debugfs e2fsprogs
    need dd coreutils
    conf=$guestdir/extlinux.conf
    key=$(printf 'recipe %s\nconf %s\nImage %s\ninitramfs %s\n' \
          "$disk_recipe" "$(sha "$conf")" "$(sha "$out/Image")" \
          "$(sha "$out/initramfs.cpio.gz")")
    if up_to_date disk.img "$key"; then
        return
    fi
    say "disk: writing disk.img (MBR, partition 1 ext2 with extlinux)"
    stage=$out/disk-root
    rm -rf "$stage"
    mkdir -p "$stage/extlinux"
    cp "$conf" "$stage/extlinux/extlinux.conf"
    cp "$out/Image" "$out/initramfs.cpio.gz" "$stage/"
    find "$stage" -exec touch -d "@$fixed_time" {} +

    # The partition is twice the payload, at least 8 MiB, in whole MiB.
    payload_kib=$(du -sk "$stage" | cut -f1)
    part_mib=$(( (payload_kib * 2 + 1023) / 1024 ))
    [ "$part_mib" -ge 8 ] || part_mib=8
    part=$out/disk-part.tmp
    rm -f "$part"
    # Fixed UUID, hash seed, label and timestamps: the same inputs give
    # the same disk.
    E2FSPROGS_FAKE_TIME=$fixed_time \
        mke2fs -q -F -t ext2 -b 1024 -L grace-boot \
        -U 67726163-6500-4000-8000-000000000001 \
        -E root_owner=0:0,hash_seed=67726163-6500-4000-8000-000000000002 \
        -d "$stage" "$part" "$((part_mib * 1024))" \
        >/dev/null ||
        die "mke2fs could not build the ext2 partition"
    # mke2fs copies each file's ctime, which touch cannot set, and stamps
    # directories it fills with the real time: reset them all.
    (cd "$stage" && for f in $(find . | sed 's|^\.||'); do
        for field in atime mtime ctime; do
            echo "set_inode_field \"${f:-/}\" $field @$fixed_time"
        done
    done) >"$out/disk-ctime.tmp"
    E2FSPROGS_FAKE_TIME=$fixed_time \
        debugfs -w -f "$out/disk-ctime.tmp" "$part" >/dev/null 2>&1 ||
        die "debugfs could not set the timestamps in the ext2 partition"
    rm -f "$out/disk-ctime.tmp"

    img=$out/disk.img.tmp
    rm -f "$img"
    # One extra MiB in front for the MBR and the alignment gap.
    dd if=/dev/zero of="$img" bs=1M count=0 seek=$((part_mib + 1)) 2>/dev/null ||
        die "cannot create $img"
    printf 'label: dos\nlabel-id: 0x47524345\nstart=%s, type=83, bootable\n' \
        "$disk_first_sector" |
        sfdisk --quiet --no-reread --no-tell-kernel "$img" >/dev/null ||
        die "sfdisk could not partition $img"
    dd if="$part" of="$img" bs=512 seek="$disk_first_sector" conv=notrunc \
        2>/dev/null || die "cannot copy the partition into $img"
    rm -f "$part"
    rm -rf "$stage"
    publish disk.img "$img" "$key"
}

# ---------------------------------------------------------------------
# payload: a raw S-mode program for the OpenSBI tests

payload_flags="-nostdlib -nostartfiles -static -march=rv64imac_zicsr
               -mabi=lp64 -Wl,-Ttext=0x80200000 -Wl,--build-id=none"

make_payload() {
    need "${cross}gcc" gcc-riscv64-linux-gnu
    need "${cross}objcopy" binutils-riscv64-linux-gnu
    src=$guestdir/sbi-hello.S
    key=$(printf 'recipe %s\nsource %s\ncc %s\nflags %s\n' \
          "$payload_recipe" "$(sha "$src")" "$(cc_id "${cross}gcc")" \
          "$payload_flags")
    if up_to_date sbi-hello.bin "$key"; then
        return
    fi
    say "payload: assembling tests/guest/sbi-hello.S"
    # shellcheck disable=SC2086 # the flags are words on purpose
    "${cross}gcc" $payload_flags -o "$out/sbi-hello.elf" "$src" ||
        die "cannot assemble $src"
    "${cross}objcopy" -O binary "$out/sbi-hello.elf" "$out/sbi-hello.bin.tmp" ||
        die "objcopy failed on $out/sbi-hello.elf"
    rm -f "$out/sbi-hello.elf"
    publish sbi-hello.bin "$out/sbi-hello.bin.tmp" "$key"
}

# ---------------------------------------------------------------------
# firmware: OpenSBI 1.3 or later for SMP boots (see the top of this file)

opensbi_min=1.3
opensbi_member=usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin

# apt_private ARGS...: apt-get with its sources, lists and cache in
# $out/apt, so that the system's apt configuration is neither read for
# sources nor changed.  apt still checks the Release signatures against
# the system's Debian keyring.
apt_private() {
    apt-get -q -o Dir::Etc::sourcelist="$out/apt/sources.list" \
        -o Dir::Etc::sourceparts=- -o Dir::State="$out/apt/state" \
        -o Dir::Cache="$out/apt/cache" -o Debug::NoLocking=1 \
        -o APT::Sandbox::User="$(id -un)" "$@"
}

make_firmware() {
    need dpkg-deb dpkg
    host=$(dpkg-query -W -f='${Version}' opensbi 2>/dev/null || true)
    if [ -n "$host" ] && dpkg --compare-versions "$host" ge "$opensbi_min"
    then
        fw=/$opensbi_member
        key=$(printf 'recipe %s\nopensbi %s (host)\nsha %s\n' \
              "$firmware_recipe" "$host" "$(sha "$fw")")
        up_to_date opensbi-fw_dynamic.bin "$key" && return
        say "firmware: OpenSBI $host from the host's opensbi package"
        cp "$fw" "$out/opensbi-fw_dynamic.bin.tmp"
        publish opensbi-fw_dynamic.bin "$out/opensbi-fw_dynamic.bin.tmp" \
            "$key"
        return
    fi
    # The downloaded package is kept: with it, a matching key needs no
    # network.
    deb=$(ls "$out"/apt/opensbi_*_all.deb 2>/dev/null | tail -n 1)
    if [ -n "$deb" ] && [ -f "$out/opensbi-fw_dynamic.bin" ] &&
       [ -f "$out/opensbi-fw_dynamic.bin.key" ] &&
       grep -qx "deb $(basename "$deb") $(sha "$deb")" \
           "$out/opensbi-fw_dynamic.bin.key" &&
       grep -qx "recipe $firmware_recipe" "$out/opensbi-fw_dynamic.bin.key" &&
       [ "$force" = no ]; then
        return
    fi
    need apt-get apt
    mirror=${GRACE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    say "firmware: the host's OpenSBI is ${host:-not installed}, older" \
        "than $opensbi_min; downloading Debian 13's opensbi from $mirror"
    mkdir -p "$out/apt/state/lists/partial" "$out/apt/cache/archives/partial"
    printf 'deb %s trixie main\n' "$mirror" >"$out/apt/sources.list"
    alog=$out/apt/apt.log
    : >"$alog"
    if ! apt_private update >>"$alog" 2>&1 ||
       ! (cd "$out/apt" && rm -f opensbi_*.deb &&
          apt_private download opensbi) >>"$alog" 2>&1; then
        tail -n 5 "$alog" >&2
        missing "cannot download Debian 13's opensbi package from" \
            "$mirror (log: $alog); SMP boots need OpenSBI $opensbi_min" \
            "or later"
    fi
    # The package lists (tens of MB) are not needed again.
    rm -rf "$out/apt/state" "$out/apt/cache"
    deb=$(ls "$out"/apt/opensbi_*_all.deb | tail -n 1)
    version=$(dpkg-deb -f "$deb" Version)
    dpkg --compare-versions "$version" ge "$opensbi_min" ||
        die "Debian 13's opensbi is $version, older than $opensbi_min"
    rm -rf "$out/apt/x"
    dpkg-deb -x "$deb" "$out/apt/x" || die "cannot unpack $deb"
    [ -f "$out/apt/x/$opensbi_member" ] ||
        die "$deb has no $opensbi_member"
    mv -f "$out/apt/x/$opensbi_member" "$out/opensbi-fw_dynamic.bin.tmp"
    rm -rf "$out/apt/x"
    key=$(printf 'recipe %s\nopensbi %s (Debian 13)\ndeb %s %s\n' \
          "$firmware_recipe" "$version" "$(basename "$deb")" "$(sha "$deb")")
    publish opensbi-fw_dynamic.bin "$out/opensbi-fw_dynamic.bin.tmp" "$key"
}

# ---------------------------------------------------------------------

mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
need flock util-linux
exec 9>"$out/.lock"
if ! flock -n 9; then
    say "waiting for another build in $out"
    flock 9
fi

for t in $targets; do
    case "$t" in
    kernel)    make_kernel ;;
    kernel-6.12)
        select_kernel 6.12
        make_kernel
        select_kernel 6.1
        ;;
    init)      make_init ;;
    initramfs) make_initramfs ;;
    disk)      make_disk ;;
    payload)   make_payload ;;
    firmware)  make_firmware ;;
    esac
done
say "ready in $out"
