"""Longer migrations ('make check-slow'): with zlib, with a small downtime
limit, and a guest that dirties memory faster than the link carries it,
which converges only because auto-converge throttles its vCPUs.
"""

import time

from livemigration import (finish, migrate, set_migration,
                           start_destination, wait_counter, wait_migration,
                           workload_args)


def test_zlib(machine, guest):
    args = workload_args(guest)
    src = machine(args, name="src")
    before = wait_counter(src)
    dst, uri = start_destination(machine, args)
    set_migration(src, ["compress"], compress_level=6)
    info = migrate(src, uri)
    comp = info["compression"]
    # Guest memory compresses: fewer bytes went than the pages hold.
    assert comp["compressed-size"] > 0
    assert comp["compression-rate"] > 1.0, comp
    assert info["ram"]["transferred"] < info["ram"]["normal-bytes"], info
    finish(dst, before)


def test_small_downtime_limit_and_onwards(machine, guest):
    """A 20 ms downtime limit; then the guest moves on again from the
    destination (which reports the outgoing migration from then on)."""
    args = workload_args(guest)
    src = machine(args, name="src")
    before = wait_counter(src)
    dst, uri = start_destination(machine, args)
    set_migration(src, downtime_limit=20, max_bandwidth=0)
    info = migrate(src, uri)
    assert info["ram"]["dirty-sync-count"] >= 2
    before = wait_counter(dst, above=before)
    dst2, uri = start_destination(machine, args, "dst2")
    migrate(dst, uri)
    assert dst.qmp.command("query-status")["status"] == "postmigrate"
    finish(dst2, before)


def test_auto_converge(machine, guest):
    """128 MiB rewritten as fast as four vCPUs can, over a 24 MiB/s link
    with 100 ms of downtime allowed: only throttling makes it converge."""
    args = workload_args(guest, memory="512M", mb=32, rate="fast")
    src = machine(args, name="src")
    before = wait_counter(src)
    dst, uri = start_destination(machine, args)
    set_migration(src, ["auto-converge", "events"],
                  max_bandwidth=24 * 1024 * 1024, downtime_limit=100,
                  cpu_throttle_initial=30, cpu_throttle_increment=20)
    src.qmp.command("migrate", uri=uri)
    throttle = 0
    deadline = time.monotonic() + 1200
    while True:
        info = src.qmp.command("query-migrate")
        throttle = max(throttle, info.get("cpu-throttle-percentage", 0))
        if info["status"] in ("completed", "failed", "cancelled"):
            break
        assert time.monotonic() < deadline, info
        time.sleep(0.5)
    assert info["status"] == "completed", info
    assert throttle >= 30, f"never throttled: {info}"
    assert info["ram"]["dirty-sync-count"] >= 3, info
    finish(dst, before)


def test_single_thread_accel(machine, guest):
    """-accel tcg,thread=single: every vCPU on one thread, same result."""
    args = workload_args(guest) + ["-accel", "tcg,thread=single"]
    src = machine(args, name="src")
    before = wait_counter(src)
    dst, uri = start_destination(machine, args)
    migrate(src, uri)
    finish(dst, before)
