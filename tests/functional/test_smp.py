"""SMP Linux: every hart comes online and the init's SMP stress passes.

Linux boots at -smp 2, 4 and 8, starts the other harts through OpenSBI's
HSM and says "smp: Brought up 1 node, N CPUs".  Our init
(grace.mode=smp-stress, tests/guest/smp.c) then checks that every hart
of the device tree is online, runs the platform checks, and stresses the
harts all at once: one process pinned to each doing shared-memory
atomics (exact totals), a fork storm (every child reaped with its exit
code) and memory checksums (each hart checks the others' pages).  It
powers off, and the emulator must exit with status 0.

The same runs with -accel tcg,thread=single, every vCPU taking turns on
one host thread.  QMP's query-cpus-fast tells the two apart: one host
thread per vCPU by default, the same thread for all with thread=single.
"""

import os

import pytest

from guestinit import (BENCH_RESULT, STRESS_DONE, assert_checks,
                       assert_cpus, assert_stress, bench_checksum,
                       linux_args, wait_checks, wait_kernel, wait_poweroff,
                       wait_stress)


# Children in the fork storm, over all harts: with more vCPUs than host
# CPUs each fork and exit waits for IPIs to vCPUs that are not running,
# so the storm is kept the same size whatever the hart count.
FORK_STORM = 128


def smp_args(guest, harts, *extra, mode="smp-stress", append=""):
    if mode == "smp-stress":
        append = f"grace.stress.forks={FORK_STORM // harts} {append}"
    # virtio-rng: the init's urandom check need not wait for entropy.
    return (linux_args(guest, mode, append=append.strip()) +
            ["-smp", str(harts), "-device", "virtio-rng-device"] +
            list(extra))


def vcpu_threads(vm):
    """The host thread of each vCPU, from query-cpus-fast; each must be a
    thread of the emulator process."""
    tids = [cpu["thread-id"] for cpu in vm.qmp.command("query-cpus-fast")]
    for tid in tids:
        assert os.path.isdir(f"/proc/{vm.proc.pid}/task/{tid}"), \
            f"query-cpus-fast names thread {tid}, which is not a thread " \
            f"of the emulator (threads: " \
            f"{sorted(os.listdir(f'/proc/{vm.proc.pid}/task'))})"
    return tids


def finish_stress(vm, harts, rounds=1):
    """Follow a smp-stress boot from init to the power-off."""
    results = wait_checks(vm)
    assert_checks(results, expect_skipped=["virtio-blk"])
    assert_cpus(results, harts)
    workers, ran, lines = wait_stress(vm)
    assert workers == harts and ran == rounds
    assert_stress(lines)
    wait_poweroff(vm)


# Under ThreadSanitizer each vCPU runs several times slower, and with far
# more vCPU threads than host CPUs the guest's timer interrupts arrive
# faster than its harts get through their handlers: Linux livelocks in
# its timer code at -smp 8 on a 2-CPU host (the emulator itself keeps
# serving every hart).  The TSan build boots at -smp 4 at most.
TSAN_MAX_HARTS = 4


def skip_if_starved(harts):
    if "thread" in os.environ.get("GRACE_SANITIZE", "none") and \
            harts > TSAN_MAX_HARTS:
        pytest.skip(f"-smp {harts} under TSan starves the guest's timer "
                    f"code; TSan boots use -smp {TSAN_MAX_HARTS} at most")


@pytest.mark.parametrize("harts,rounds", [(2, 2), (4, 1), (8, 1)])
def test_smp_stress(machine, guest, harts, rounds):
    """The default, thread=multi: each vCPU has a host thread of its own."""
    skip_if_starved(harts)
    vm = machine(smp_args(guest, harts,
                          append=f"grace.stress.rounds={rounds}"))
    wait_kernel(vm, harts)
    tids = vcpu_threads(vm)
    assert len(tids) == harts and len(set(tids)) == harts, \
        f"query-cpus-fast thread ids {tids}: expected {harts} threads"
    finish_stress(vm, harts, rounds)


def test_thread_single(machine, guest):
    """-accel tcg,thread=single: all vCPUs take turns on one thread; Linux
    still brings every hart up and the stress passes."""
    vm = machine(smp_args(guest, 4, "-accel", "tcg,thread=single"))
    wait_kernel(vm, 4)
    tids = vcpu_threads(vm)
    assert len(tids) == 4 and len(set(tids)) == 1, \
        f"query-cpus-fast thread ids {tids}: expected one thread for all"
    finish_stress(vm, 4)


def test_stress_bad_parameter(machine, guest):
    """A stress parameter that is not a number fails the stress (with a
    message) instead of running something else; the machine still powers
    off."""
    vm = machine(smp_args(guest, 2, append="grace.stress.iters=12x"))
    wait_kernel(vm, 2)
    vm.wait_console("GRACE-INIT: grace.stress.iters=12x: expected a number "
                    "from 1 to 1000000")
    done = vm.wait_console(STRESS_DONE, 120)
    assert done.groups() == ("0", "0", "1")
    wait_poweroff(vm)


def test_smp_bench_workload(machine, guest):
    """grace.mode=smp-bench, the scaling benchmark's guest: the units are
    shared between the harts and give the checksum of the Python model."""
    units = 6
    vm = machine(smp_args(guest, 2, mode="smp-bench",
                          append=f"grace.bench.units={units}"))
    wait_kernel(vm, 2)
    m = vm.wait_console(BENCH_RESULT, 120)
    assert (int(m.group(1)), int(m.group(2))) == (2, units), m.group(0)
    assert m.group(4) == f"{bench_checksum(units):016x}", m.group(0)
    wait_poweroff(vm)
