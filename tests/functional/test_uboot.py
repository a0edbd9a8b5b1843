"""U-Boot (Debian's S-mode build, loaded as -kernel behind OpenSBI).

U-Boot counts down bootdelay (2 s) before its distro boot; the tests stop
the countdown with a key press, which also proves the console input path.
Distro boot then finds extlinux/extlinux.conf on partition 1 of the
virtio disk that scripts/build-linux-guest.sh made, and boots our Linux:
on one hart, and on four, where U-Boot runs on the hart OpenSBI picked
and Linux starts the others.
"""

import re
import shutil

from guestinit import (BROUGHT_UP, assert_checks, assert_cpus,
                       assert_stress, fnv1a, wait_checks, wait_stress)

UBOOT_PROMPT = "=> "


def stop_autoboot(vm):
    vm.wait_console("OpenSBI v", 60)
    vm.wait_console(re.compile(r"U-Boot 20\d\d\.\d\d"), 60)
    vm.wait_console("Hit any key to stop autoboot", 60)
    vm.send_console(" ")
    vm.wait_console(UBOOT_PROMPT, 30)


def uboot_args(uboot_smode, harts=1, bios="default"):
    return ["-M", "virt", "-m", "256M", "-bios", bios, "-no-reboot",
            "-smp", str(harts), "-kernel", uboot_smode]


def disk_args(guest, tmp_path):
    """A copy of the guest kit's disk (the guest may write to it)."""
    disk = tmp_path / "disk.img"
    shutil.copyfile(guest.disk, disk)
    return disk, ["-drive", f"file={disk},format=raw,if=none,id=hd0",
                  "-device", "virtio-blk-device,drive=hd0"]


def boot_label(vm, label):
    """At U-Boot's prompt, distro-boot the disk's extlinux label."""
    vm.console_command(f"setenv pxe_label_override {label}; boot")
    vm.wait_console("Found /extlinux/extlinux.conf", 60)
    vm.wait_console("Retrieving file: /Image", 60)
    vm.wait_console("Starting kernel", 60)
    vm.wait_console(f"grace.mode={label[len('grace-'):]}", 120)


def test_prompt(machine, uboot_smode):
    vm = machine(uboot_args(uboot_smode))
    stop_autoboot(vm)
    # The typed line shows ${...}; only a live shell expands it.
    vm.console_command("setenv grace_marker ok-4711; "
                       "echo marker=${grace_marker}")
    vm.wait_console(re.compile(r"^marker=ok-4711\r?$", re.M), 30)
    vm.wait_console(UBOOT_PROMPT, 30)
    # U-Boot's poweroff goes through SBI SRST, like Linux's.
    vm.console_command("poweroff")
    assert vm.wait_exit(60) == 0


def test_boot_linux_from_disk(machine, guest, uboot_smode, tmp_path):
    disk, args = disk_args(guest, tmp_path)
    vm = machine(uboot_args(uboot_smode) + args)
    stop_autoboot(vm)
    # The disk's default label starts the shell; pick the one that runs
    # the checks and powers off.
    boot_label(vm, "grace-check")
    results = wait_checks(vm)
    assert_checks(results, expect_skipped=["hwrng"])
    content = disk.read_bytes()
    assert results["virtio-blk"][1] == (
        f"vda {len(content) // 512} sectors, fnv1a of the first 1048576 "
        f"bytes 0x{fnv1a(content[:1 << 20]):08x}")
    vm.wait_console("GRACE-INIT: powering off", 60)
    assert vm.wait_exit(60) == 0


def test_boot_smp_linux_from_disk(machine, guest, uboot_smode, tmp_path):
    """U-Boot runs on one hart; the Linux it starts brings up the other
    three through OpenSBI and passes the SMP stress.  On the guest kit's
    OpenSBI: Debian 12's can lose a hart (see linux_args)."""
    _, args = disk_args(guest, tmp_path)
    vm = machine(uboot_args(uboot_smode, harts=4, bios=str(guest.firmware)) +
                 args)
    stop_autoboot(vm)
    boot_label(vm, "grace-smp-stress")
    up = vm.wait_console(BROUGHT_UP, 120)
    assert up.group(1) == "4", up.group(0)
    results = wait_checks(vm)
    assert_checks(results, expect_skipped=["hwrng"])
    assert_cpus(results, 4)
    harts, _, lines = wait_stress(vm)
    assert harts == 4
    assert_stress(lines)
    vm.wait_console("GRACE-INIT: powering off", 60)
    assert vm.wait_exit(60) == 0
