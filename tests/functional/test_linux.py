"""Linux boots to our init, which checks the platform and powers off.

The init (tests/guest/init.c) prints one line per check; every check must
pass, except those whose device the machine does not have.  Power-off
goes init -> reboot(2) -> SBI SRST -> OpenSBI -> the sifive_test
finisher, and the emulator must then exit with status 0.
"""

import os
import re

import pytest

from guestinit import (KERNEL_CMDLINE, assert_checks, fnv1a, linux_args,
                       wait_checks, wait_kernel, wait_poweroff)


@pytest.mark.parametrize("bios,memory,rng", [
    ("default", "256M", True),
    ("fw_jump", "256M", False),
    ("default", "1G", False),
])
def test_boot_checks(request, machine, guest, bios, memory, rng):
    if bios != "default":
        bios = request.getfixturevalue(bios)
    args = linux_args(guest, "check", bios=bios, memory=memory)
    if rng:
        args += ["-device", "virtio-rng-device"]
    vm = machine(args)
    wait_kernel(vm)
    results = wait_checks(vm)
    skipped = ["virtio-blk"] + ([] if rng else ["hwrng"])
    assert_checks(results, expect_skipped=skipped)

    mem_kib = int(memory[:-1]) * (1024 if memory.endswith("M") else 1024 ** 2)
    total = int(re.match(r"MemTotal (\d+) kB", results["memory"][1]).group(1))
    assert mem_kib // 2 < total <= mem_kib, \
        f"MemTotal {total} kB with -m {memory}"
    wait_poweroff(vm)


def test_poweroff_mode(machine, guest):
    """grace.mode=poweroff (the boot benchmark's) runs no checks."""
    vm = machine(linux_args(guest, "poweroff"))
    wait_kernel(vm)
    vm.wait_console("GRACE-INIT: mode poweroff")
    wait_poweroff(vm)
    assert "GRACE-INIT: check " not in vm.console_text()


def test_virtio_blk_read_write(machine, guest, tmp_path):
    """The init reads the first MiB of a scratch disk (hashes it) and
    writes sector 1; the test checks both against the host file."""
    disk = tmp_path / "scratch.img"
    content = os.urandom(3 * 1024 * 1024)
    disk.write_bytes(content)
    args = linux_args(guest, "check", append="grace.blkwrite=1")
    args += ["-drive", f"file={disk},format=raw,if=none,id=hd0",
             "-device", "virtio-blk-device,drive=hd0"]
    vm = machine(args)
    wait_kernel(vm)
    results = wait_checks(vm)
    assert_checks(results, expect_skipped=["hwrng"])
    want = (f"vda {len(content) // 512} sectors, fnv1a of the first 1048576 "
            f"bytes 0x{fnv1a(content[:1 << 20]):08x}, wrote sector 1")
    assert results["virtio-blk"][1] == want
    wait_poweroff(vm)

    after = disk.read_bytes()
    text = b"grace virtio-blk write check\n"
    assert after[512:1024] == text + bytes(512 - len(text))
    assert after[:512] == content[:512] and after[1024:] == content[1024:], \
        "the guest's write changed more than sector 1"


def test_kernel_command_line_reaches_init(machine, guest):
    """-append arrives intact in /proc/cmdline (the init reads its mode
    there: an unknown mode falls back to the shell)."""
    vm = machine(linux_args(guest, "nonsense"))
    wait_kernel(vm)
    vm.wait_console("GRACE-INIT: unknown grace.mode=nonsense, using shell")
    vm.wait_console("GRACE-INIT: shell ready", 60)
    vm.console_command("cat /proc/cmdline")
    vm.wait_console(f"{KERNEL_CMDLINE} grace.mode=nonsense\r\n", 30)
    vm.console_command("poweroff")
    wait_poweroff(vm)
