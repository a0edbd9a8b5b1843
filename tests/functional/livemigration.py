"""Helpers for the migration tests: a Linux guest running the init's
migration workload (grace.mode=migrate, see tests/guest/init.c), a
destination waiting for it, and the QMP sequence that moves it.

The workload prints "GRACE-INIT: migrate tick N: counter C" every second;
the counter only grows while the guest's workers write and verify their
memory.  "stop" on the console makes them check everything once more and
the init print "GRACE-INIT: migrate verify: PASS ..." (or FAIL) and power
off.
"""

import re
import time

from guestinit import linux_args

TICK = re.compile(r"GRACE-INIT: migrate tick (\d+): counter (\d+)")
VERIFY = re.compile(r"GRACE-INIT: migrate verify: (PASS|FAIL)([^\r\n]*)")
FINAL = ("completed", "failed", "cancelled")


def workload_args(guest, smp=4, memory="256M", mb=8, rate="slow"):
    append = f"grace.migrate_mb={mb} grace.migrate_rate={rate}"
    return linux_args(guest, "migrate", memory=memory, append=append) + \
        ["-smp", str(smp)]


def wait_counter(vm, above=0, timeout=240):
    """Wait for a tick whose counter exceeds above; return the counter."""
    deadline = time.monotonic() + timeout
    while True:
        m = vm.wait_console(TICK, max(deadline - time.monotonic(), 1))
        if int(m.group(2)) > above:
            return int(m.group(2))


def start_destination(machine, args, name="dst"):
    """A destination listening on a free loopback port; returns it and
    its migration URI (the port comes from query-migrate)."""
    dst = machine(args + ["-incoming", "tcp:127.0.0.1:0"], name=name)
    info = dst.qmp.command("query-migrate")
    assert info["status"] == "setup", info
    port = info["socket-address"][0]["port"]
    return dst, f"tcp:127.0.0.1:{port}"


def set_migration(vm, capabilities=(), **parameters):
    """Turn capabilities on and set parameters (QEMU's names with _)."""
    caps = [{"capability": c, "state": True} for c in capabilities]
    if caps:
        vm.qmp.command("migrate-set-capabilities", capabilities=caps)
    if parameters:
        vm.qmp.command("migrate-set-parameters",
                       **{k.replace("_", "-"): v
                          for k, v in parameters.items()})


def wait_migration(vm, statuses=FINAL, timeout=600, poll=0.2):
    """Poll query-migrate until its status is one of statuses."""
    deadline = time.monotonic() + timeout
    while True:
        info = vm.qmp.command("query-migrate")
        if info.get("status") in statuses:
            return info
        assert time.monotonic() < deadline, \
            f"migration still {info.get('status')} after {timeout} s: {info}"
        time.sleep(poll)


def migrate(src, uri, timeout=600):
    """Migrate src to uri and wait until it is over; returns
    query-migrate's final answer, which must say completed."""
    src.qmp.command("migrate", uri=uri)
    info = wait_migration(src, timeout=timeout)
    assert info["status"] == "completed", info
    return info


def wait_running(vm, timeout=60, poll=0.05):
    """Wait for vm (a destination) to start running: the source reports
    completed once it has sent the end of the stream, before the
    destination has loaded the last of it."""
    deadline = time.monotonic() + timeout
    while True:
        status = vm.qmp.command("query-status")["status"]
        if status == "running":
            return
        assert status == "inmigrate" and time.monotonic() < deadline, \
            f"destination {status} after {timeout} s, not running"
        time.sleep(poll)


def finish(vm, counter_before):
    """The guest carries on where it is now: its counter passes
    counter_before; then it checks its memory and powers off with PASS."""
    wait_counter(vm, above=counter_before)
    vm.console_command("stop")
    m = vm.wait_console(VERIFY, 240)
    assert m.group(1) == "PASS", m.group(0)
    assert vm.wait_exit(120) == 0, vm.stderr_text()
    return m.group(0)
