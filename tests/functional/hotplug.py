"""Helpers for the memory hot-plug tests: a Linux 6.12 guest at -smp 4
with a virtio-mem device, growing and shrinking it over QMP, and what
the guest and the host say about memory.

The guest is our init's shell; its memory commands (memtotal, memtest,
memload, memwatch) are described at the top of tests/guest/init.c.
"""

import re

from guestinit import PROMPT, linux_args, shell_run
from machine import Machine, timeout_scale

MiB = 1024 * 1024
GiB = 1024 * MiB

BOOT_MEMORY = "256M"
DEVICE = "vm0"
BACKEND = "vmem0"

# Signs of trouble in the guest's console: an oops, a BUG or WARNING with
# its trace, a panic, or our init reporting a failed check.
GUEST_TROUBLE = re.compile(r"Oops|BUG:|WARNING:|Call Trace|Kernel panic|"
                           r"Unable to handle|GRACE-INIT: .*FAIL")


def hotplug_args(guest, smp=4, backend_size="2G", block_size=None,
                 extra=()):
    """A -smp guest with BOOT_MEMORY of RAM and a virtio-mem device on a
    backend of backend_size, nothing plugged.  loglevel=4 keeps the
    driver's info messages off the console the shell uses."""
    device = f"virtio-mem-device,id={DEVICE},memdev={BACKEND}," \
             "requested-size=0"
    if block_size:
        device += f",block-size={block_size}"
    return linux_args(guest, "shell", memory=BOOT_MEMORY,
                      append="loglevel=4") + [
        "-smp", str(smp),
        "-object", f"memory-backend-ram,id={BACKEND},size={backend_size}",
        "-device", device] + list(extra)


def boot(machine, guest, **kwargs):
    vm = machine(hotplug_args(guest, **kwargs))
    vm.wait_console("GRACE-INIT: shell ready", 300)
    vm.wait_console(PROMPT, 60)
    return vm


def memtotal_kb(vm):
    out = shell_run(vm, "memtotal", 60)
    m = re.fullmatch(r"GRACE-INIT: memtotal (\d+) kB", out[-1])
    assert m, f"unexpected memtotal output {out}"
    return int(m.group(1))


def host_rss_kb(vm):
    """The emulator's resident memory (VmRSS), in kB."""
    with open(f"/proc/{vm.proc.pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def plugged(vm):
    return vm.qmp.command("qom-get", path=DEVICE, property="size")


def resize(vm, size, timeout=120):
    """Ask for size bytes and wait until the guest has plugged or
    unplugged to it (the device's size) and the MEMORY_DEVICE_SIZE_CHANGE
    event that says so has arrived."""
    vm.qmp.command("qom-set", path=DEVICE, property="requested-size",
                   value=size)
    if plugged(vm) != size:
        vm.qmp.wait_event("MEMORY_DEVICE_SIZE_CHANGE",
                          timeout * timeout_scale(),
                          match={"id": DEVICE, "size": size})
    assert plugged(vm) == size
    vm.qmp.get_events()


def assert_guest_healthy(vm):
    """No oops, warning or failure on the console, the shell answers,
    and the emulator printed nothing on stderr."""
    text = vm.console_text()
    m = GUEST_TROUBLE.search(text)
    assert not m, f"guest trouble: {text[max(m.start() - 200, 0):][:3000]}"
    assert shell_run(vm, "echo still here", 60) == ["still here"]
    assert vm.stderr_text() == "", vm.stderr_text()
