"""The long memory hot-plug runs (the 'slow' suite, make check-slow):
50 grow/shrink cycles of a virtio-mem device while every vCPU of a
-smp 4 Linux guest runs a memory workload, and 200 object-add/object-del
cycles while it runs.  test_memory_hotplug.py has the short versions.
"""

import pytest

from hotplug import assert_guest_healthy, boot, memtotal_kb
from guestinit import shell_run
from test_memory_hotplug import grow_shrink_cycles, object_cycles


@pytest.fixture
def vm(machine, guest612):
    return boot(machine, guest612)


def test_50_cycles_under_load(vm):
    grow_shrink_cycles(vm, 50)
    assert memtotal_kb(vm) < 256 * 1024
    assert_guest_healthy(vm)


def test_200_object_cycles(vm):
    out = shell_run(vm, "memload start 16", 60)
    assert out[-1].startswith("GRACE-INIT: memload: 4 workers")
    object_cycles(vm, 200)
    out = shell_run(vm, "memload stop", 120)
    assert ", 0 errors on 4 harts" in out[-1], out
    assert_guest_healthy(vm)
