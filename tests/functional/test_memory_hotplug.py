"""Memory hot-plug: memory backends and virtio-mem under a running SMP
Linux 6.12 guest (-smp 4, 256 MiB of boot RAM).

- grow a virtio-mem device to 1 GiB over QMP: the guest's MemTotal rises
  and it allocates and checksums more memory than it booted with; shrink
  it: MemTotal falls and the emulator's RSS falls;
- grow/shrink cycles while every vCPU runs a memory workload (one
  here; 50 in test_memory_hotplug_slow.py);
- object-add/object-del cycles while the guest runs (a few here, 200 in
  the slow module);
- bad input over QMP, HMP and the command line: a clear error, and the
  guest keeps running.
"""

import re
import time

import pytest

from guestinit import shell_run
from hotplug import (BACKEND, DEVICE, GiB, MiB, assert_guest_healthy, boot,
                     host_rss_kb, hotplug_args, memtotal_kb, plugged, resize)
from machine import run_emulator, timeout_scale
from qmp import QMPError


def wait_until(cond, what, timeout=30):
    deadline = time.monotonic() + timeout * timeout_scale()
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# While the workload churns through memory, Linux may find the memory to
# unplug busy; its virtio-mem driver then tries again after 50 s, doubling
# up to 300 s.  A shrink may take that long without anything being wrong.
SHRINK_UNDER_LOAD_TIMEOUT = 50 + 100 + 200 + 300 + 60


def grow_shrink_cycles(vm, cycles, size=512 * MiB):
    """cycles rounds of resize(size), resize(0) while memload runs on
    every hart; the workload must report no error."""
    out = shell_run(vm, "memload start 16", 60)
    assert out == ["GRACE-INIT: memload: 4 workers of 16 MiB"], out
    for i in range(cycles):
        resize(vm, size)
        resize(vm, 0, SHRINK_UNDER_LOAD_TIMEOUT)
    out = shell_run(vm, "memload stop", 120)
    m = re.fullmatch(r"GRACE-INIT: memload: (\d+) rounds, (\d+) errors on "
                     r"4 harts", out[-1])
    assert m, out
    assert int(m.group(2)) == 0, out
    assert int(m.group(1)) > 0, out


def object_cycles(vm, cycles):
    """cycles object-add/object-del rounds of backends of varying sizes,
    each one seen in query-memdev and info ramblock while it exists."""
    for i in range(cycles):
        obj = f"cyc{i % 3}"
        size = (i % 7 + 1) * 64 * MiB
        vm.qmp.command("object-add", **{"qom-type": "memory-backend-ram",
                                        "id": obj, "size": size,
                                        "share": i % 2 == 1})
        memdevs = {m["id"]: m for m in vm.qmp.command("query-memdev")}
        assert memdevs[obj]["size"] == size
        assert memdevs[obj]["share"] == (i % 2 == 1)
        if i % 10 == 0:
            assert f"/objects/{obj}" in vm.qmp.hmp("info ramblock")
        vm.qmp.command("object-del", id=obj)
    memdevs = [m["id"] for m in vm.qmp.command("query-memdev")]
    assert memdevs == [BACKEND]
    assert "/objects/cyc" not in vm.qmp.hmp("info ramblock")


@pytest.fixture
def vm(machine, guest612):
    return boot(machine, guest612)


def test_grow_and_shrink(vm):
    qmp = vm.qmp
    devices = qmp.command("query-memory-devices")
    assert devices == [{"type": "virtio-mem", "data": {
        "id": DEVICE, "memaddr": devices[0]["data"]["memaddr"],
        "requested-size": 0, "size": 0, "max-size": 2 * GiB,
        "block-size": 2 * MiB, "node": 0, "memdev": f"/objects/{BACKEND}"}}]
    # Above RAM, aligned to Linux's 128 MiB memory blocks.
    assert devices[0]["data"]["memaddr"] >= 0x80000000 + 256 * MiB
    assert devices[0]["data"]["memaddr"] % (128 * MiB) == 0
    boot_kb = memtotal_kb(vm)
    assert boot_kb < 256 * 1024

    resize(vm, 1 * GiB)
    # Linux onlines the last memory block after its plug request.
    wait_until(lambda: memtotal_kb(vm) == boot_kb + 1024 * 1024,
               "MemTotal to grow by 1 GiB")
    info = qmp.command("query-memory-devices")[0]["data"]
    assert info["size"] == info["requested-size"] == 1 * GiB
    # Each plugged 2 MiB block is a RAM block of its own.
    blocks = re.findall(r"^\s*vm0\[\d+\] ", qmp.hmp("info ramblock"), re.M)
    assert len(blocks) == 512
    info = qmp.hmp("info memory-devices")
    assert info.startswith('Memory device [virtio-mem]: "vm0"'), info
    assert "  size: 1073741824\r\n" in info

    # More than the guest booted with (256 MiB), filled and checked.
    out = shell_run(vm, "memtest 384", 600)
    assert re.fullmatch(r"GRACE-INIT: memtest 384 MiB: PASS checksum "
                        r"0x[0-9a-f]+ in \d+ ms", out[-1]), out
    rss_grown = host_rss_kb(vm)
    assert rss_grown > 384 * 1024

    resize(vm, 0)
    wait_until(lambda: memtotal_kb(vm) == boot_kb, "MemTotal to fall back")
    assert qmp.command("query-memory-devices")[0]["data"]["size"] == 0
    # The host got the memory back at once...
    rss_shrunk = host_rss_kb(vm)
    # memtest's 384 MiB went mostly to the plugged (movable) memory; some
    # may have come from free boot RAM, which stays.
    assert rss_grown - rss_shrunk > 128 * 1024, (rss_grown, rss_shrunk)
    # ...and the blocks leave the RAM list after a grace period.
    wait_until(lambda: not re.search(r"^\s*vm0\[", qmp.hmp("info ramblock"),
                                     re.M), "unplugged blocks to go")
    assert_guest_healthy(vm)


def test_cycles_under_load(vm):
    """A grow/shrink cycle with a memory workload on every vCPU (50 of
    them in the slow module)."""
    grow_shrink_cycles(vm, 1)
    assert memtotal_kb(vm) < 256 * 1024
    assert_guest_healthy(vm)


def test_object_add_del_while_running(vm):
    out = shell_run(vm, "memload start 16", 60)
    assert out[-1].startswith("GRACE-INIT: memload: 4 workers")
    object_cycles(vm, 20)
    out = shell_run(vm, "memload stop", 120)
    assert ", 0 errors on 4 harts" in out[-1], out
    assert_guest_healthy(vm)


def expect_error(qmp, command, text, cls="GenericError", **args):
    with pytest.raises(QMPError) as exc:
        qmp.command(command, **args)
    assert exc.value.error_class == cls, exc.value
    assert text in exc.value.desc, exc.value


def test_bad_input(vm):
    qmp = vm.qmp
    resize(vm, 64 * MiB)

    def set_requested(value, text, cls="GenericError"):
        expect_error(qmp, "qom-set", text, cls, path=DEVICE,
                     property="requested-size", value=value)

    set_requested(3 * MiB, "must be a multiple of 'block-size'")
    set_requested(4 * GiB, "cannot exceed the size of memdev 'vmem0'")
    set_requested(-2 * MiB, "non-negative integer")
    set_requested("1G", "non-negative integer")
    expect_error(qmp, "qom-set", "read-only", path=DEVICE, property="size",
                 value=0)
    expect_error(qmp, "qom-set", "not found", "DeviceNotFound", path="vm9",
                 property="requested-size", value=0)
    expect_error(qmp, "qom-get", "Property 'virtio-mem-device.bogus' not "
                 "found", path=f"/machine/peripheral/{DEVICE}",
                 property="bogus")
    # The backend in use cannot go, and the message names the device.
    expect_error(qmp, "object-del", "in use by device 'vm0'", id=BACKEND)
    expect_error(qmp, "object-del", "object 'nope' not found", id="nope")
    # Backends: no id, a duplicate id, size 0, a negative size, an unknown
    # type, an unknown key.
    ram = {"qom-type": "memory-backend-ram"}
    expect_error(qmp, "object-add", "'id' is missing", size=MiB, **ram)
    expect_error(qmp, "object-add", "already exists", id=BACKEND, size=MiB,
                 **ram)
    expect_error(qmp, "object-add", "size must be more than 0", id="z",
                 size=0, **ram)
    expect_error(qmp, "object-add", "expects a size", id="z", size=-1, **ram)
    expect_error(qmp, "object-add", "invalid object type", id="z", size=MiB,
                 **{"qom-type": "memory-backend-file"})
    expect_error(qmp, "object-add", "'prealloc' is unexpected", id="z",
                 size=MiB, prealloc=True, **ram)
    assert "Error: Parameter 'size' expects a size" in \
        qmp.hmp("object_add memory-backend-ram,id=z,size=lots")
    assert "Error: object 'vmem0' is in use by device 'vm0'" in \
        qmp.hmp(f"object_del {BACKEND}")
    assert "Error: 'requested-size' must be a multiple" in \
        qmp.hmp(f"qom-set {DEVICE} requested-size 3M")
    assert qmp.hmp(f"qom-set {DEVICE} requested-size 128M") == ""
    assert qmp.hmp(f"qom-get {DEVICE} requested-size") == "134217728\r\n"
    assert qmp.hmp(f"qom-get {DEVICE} memdev") == '"/objects/vmem0"\r\n'

    # None of that disturbed the guest, which follows the last request.
    assert [m["id"] for m in qmp.command("query-memdev")] == [BACKEND]
    resize(vm, 128 * MiB)
    assert memtotal_kb(vm) > 256 * 1024
    assert_guest_healthy(vm)


@pytest.mark.parametrize("extra, message", [
    (["-device", "virtio-mem-device,id=vm1"],
     "'memdev' property is not set"),
    (["-device", "virtio-mem-device,id=vm1,memdev=nope"],
     "can't find value 'nope'"),
    (["-device", f"virtio-mem-device,id=vm1,memdev={BACKEND}"],
     "memory backend 'vmem0' is already in use by device 'vm0'"),
    (["-object", "memory-backend-ram,id=m1,size=64M",
      "-device", "virtio-mem-device,id=vm1,memdev=m1,requested-size=128M"],
     "cannot exceed the size of memdev 'm1'"),
    (["-object", "memory-backend-ram,id=m1,size=64M",
      "-device", "virtio-mem-device,id=vm1,memdev=m1,requested-size=3M"],
     "must be a multiple of 'block-size'"),
    (["-object", "memory-backend-ram,id=m1,size=64M",
      "-device", "virtio-mem-device,id=vm1,memdev=m1,requested-size=-2M"],
     "expects a size"),
    (["-object", "memory-backend-ram,id=m1"], "'size' is missing"),
    (["-object", "memory-backend-ram,id=m1,size=0"], "more than 0"),
    (["-object", "memory-backend-ram,id=vmem0,size=1G"], "already exists"),
])
def test_bad_command_line(emulator, guest612, extra, message):
    args = hotplug_args(guest612, smp=1, extra=extra)
    proc = run_emulator(emulator.path, args)
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
