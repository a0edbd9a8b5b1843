"""The vCPUs as a user sees them: their threads, QMP's query-cpus-fast
and HMP's info cpus, in both threading modes of -accel tcg.

With thread=multi every vCPU has its own host thread, named "CPU n/TCG"
(what ps -L and top -H show); with thread=single one thread, "ALL
CPUs/TCG", runs them all.  query-cpus-fast gives each vCPU's thread id,
its place in the -smp topology and, beyond QEMU's reply, whether it is
halted in WFI.
"""

import pathlib
import re
import time

import pytest

from guestinit import linux_args


def thread_name(pid, tid):
    path = pathlib.Path(f"/proc/{pid}/task/{tid}/comm")
    return path.read_text().strip()


@pytest.mark.grace_only("query-cpus-fast has no 'halted' upstream")
@pytest.mark.parametrize("mode", ["multi", "single"])
def test_threads_and_topology(machine, mode):
    vm = machine(["-M", "virt", "-bios", "none", "-S",
                  "-smp", "cpus=4,sockets=2,cores=1,threads=2",
                  "-accel", f"tcg,thread={mode}"])
    cpus = vm.qmp.command("query-cpus-fast")
    assert [c["cpu-index"] for c in cpus] == [0, 1, 2, 3]
    assert [(c["props"]["socket-id"], c["props"]["core-id"],
             c["props"]["thread-id"]) for c in cpus] == \
        [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1)]
    assert all(c["halted"] is False for c in cpus)

    tids = [c["thread-id"] for c in cpus]
    names = [thread_name(vm.proc.pid, tid) for tid in tids]
    if mode == "multi":
        assert len(set(tids)) == 4, tids
        assert names == [f"CPU {i}/TCG" for i in range(4)]
    else:
        assert len(set(tids)) == 1, tids
        assert names == ["ALL CPUs/TCG"] * 4

    info = vm.qmp.hmp("info cpus")
    for c in cpus:
        assert re.search(rf"CPU #{c['cpu-index']}: pc=0x[0-9a-f]{{16}} "
                         rf"thread_id={c['thread-id']}\b", info), info


@pytest.mark.grace_only("query-cpus-fast has no 'halted' upstream")
def test_idle_linux_harts_are_halted(machine, guest):
    """An idle SMP Linux waits for interrupts in WFI: the monitor shows
    its harts halted, each on its own thread."""
    vm = machine(linux_args(guest, "shell") + ["-smp", "2"])
    vm.wait_console("GRACE-INIT: shell ready", 120)
    vm.wait_console("grace# ", 30)
    # Idle, but timer ticks wake the harts briefly: look until each has
    # been seen halted (a loaded host may keep one busy for a while).
    halted = set()
    deadline = time.monotonic() + 30
    while halted != {0, 1} and time.monotonic() < deadline:
        for c in vm.qmp.command("query-cpus-fast"):
            if c["halted"]:
                halted.add(c["cpu-index"])
        time.sleep(0.01)
    assert halted == {0, 1}
    # The monitor marks a halted hart; it too may catch both awake.
    deadline = time.monotonic() + 30
    info = vm.qmp.hmp("info cpus")
    while "(halted)" not in info and time.monotonic() < deadline:
        time.sleep(0.01)
        info = vm.qmp.hmp("info cpus")
    assert "(halted)" in info, info
