"""OpenSBI (Debian's fw_dynamic and fw_jump) starts on the virt board.

Without a payload OpenSBI prints its banner and then jumps to nothing, so
the test stops the machine through QMP.  With tests/guest/sbi-hello.S as
-kernel, OpenSBI hands over to S-mode at 0x80200000 with the device tree
in a1, the payload prints through the SBI console and powers off through
SBI SRST and the test finisher: the emulator exits with status 0.
"""

import re

import pytest

FIRMWARES = ["fw_dynamic", "fw_jump"]


@pytest.fixture(params=FIRMWARES)
def firmware(request):
    return request.getfixturevalue(request.param)


def wait_banner(vm, payload=False):
    """The banner lines, in their order; with a payload, also where
    OpenSBI will jump."""
    vm.wait_console("OpenSBI v", 60)
    vm.wait_console(re.compile(r"Platform HART Count\s*: 1\b"))
    vm.wait_console(re.compile(r"Firmware Base\s*: 0x80000000\b"))
    if payload:
        vm.wait_console(re.compile(r"Domain0 Next Address\s*: "
                                   r"0x0*80200000\b"))
        vm.wait_console(re.compile(r"Domain0 Next Mode\s*: S-mode"))
    vm.wait_console(re.compile(r"Boot HART ID\s*: 0\b"))
    vm.wait_console(re.compile(r"Boot HART Base ISA\s*: rv64"))


def test_banner_without_payload(machine, firmware):
    vm = machine(["-M", "virt", "-m", "256M", "-bios", firmware])
    wait_banner(vm)
    assert vm.qmp.command("query-status")["status"] == "running"
    vm.qmp.command("quit")
    assert vm.wait_exit(30) == 0


def test_payload_gets_control(machine, firmware, payload):
    vm = machine(["-M", "virt", "-m", "256M", "-bios", firmware,
                  "-kernel", str(payload), "-no-reboot"])
    wait_banner(vm, payload=True)
    vm.wait_console("GRACE-PAYLOAD: hello from S-mode, "
                    "a1 holds a device tree", 30)
    assert vm.wait_exit(30) == 0
    assert "FAIL" not in vm.console_text()
