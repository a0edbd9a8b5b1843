"""check-slow: 20 consecutive -smp 8 boots of Linux to power-off.

A race in starting harts (OpenSBI's HSM), in IPIs, in the timer or in
the power-off path shows up as a boot that never ends, often only once
in many.  Each boot must bring up all eight harts, pass the init's
checks and power off with exit status 0 within its own time limit; a
failure names the boot that hung or went wrong, and its console log
stays in the test's directory.

GRACE_SMP_BOOTS changes the number of boots (default 20).
"""

import os
import threading

import pytest

from guestinit import (assert_checks, assert_cpus, linux_args, wait_checks,
                       wait_kernel, wait_poweroff)
from machine import MachineError, timeout_scale

HARTS = 8
# Seconds for one boot from launch to exit (a boot takes about ten).
BOOT_TIMEOUT = 120


def boots():
    try:
        n = int(os.environ.get("GRACE_SMP_BOOTS", "20"))
    except ValueError:
        n = 0
    if n < 1:
        pytest.fail("GRACE_SMP_BOOTS must be a positive number, got "
                    f"{os.environ['GRACE_SMP_BOOTS']!r}")
    return n


def boot_to_poweroff(vm):
    wait_kernel(vm, HARTS)
    results = wait_checks(vm)
    assert_checks(results, expect_skipped=["virtio-blk", "hwrng"])
    assert_cpus(results, HARTS)
    wait_poweroff(vm)


def test_consecutive_smp8_boots(machine, guest):
    total = boots()
    limit = BOOT_TIMEOUT * timeout_scale()
    for i in range(1, total + 1):
        vm = machine(linux_args(guest, "check") + ["-smp", str(HARTS)],
                     name=f"boot{i:02}")
        # The time limit of the whole boot: past it, the emulator is
        # killed, which ends whichever wait the boot is in.
        hung = threading.Event()

        def overtime(vm=vm, hung=hung):
            hung.set()
            vm.proc.kill()

        timer = threading.Timer(limit, overtime)
        timer.start()
        try:
            boot_to_poweroff(vm)
        except (MachineError, AssertionError) as exc:
            what = (f"hung: no power-off within {limit:.0f} s"
                    if hung.is_set() else "failed")
            pytest.fail(f"boot {i} of {total} (-smp {HARTS}) {what}; "
                        f"console log {vm.console_log_path}\n{exc}")
        finally:
            timer.cancel()
            vm.kill()
