#!/usr/bin/env python3
"""Migration benchmark: Grace against upstream QEMU migrating the same
guest, in the same session.

Scenarios (each a -smp 4 Linux guest from the guest kit, migrated over
TCP on the loopback to a second process of the same emulator):

  idle      1 GiB of RAM, the init's shell waiting at its prompt
  dirty     1 GiB, the init's migration workload: 4 workers rewriting
            16 MiB each (grace.mode=migrate), which also checks after
            the migration that no page was lost
  dirty-z   the same with the compress capability (zlib; QEMU compresses
            in its compress threads, 8 by default, Grace in its
            migration thread)

Both emulators get the same parameters: downtime-limit 300 ms (QEMU's
default) and max-bandwidth 8 GiB/s (no limit on a loopback link).  Each
run measures, from the source's query-migrate: total time, the
downtime the emulator reports, and the bytes sent; and from the QMP
events' timestamps, the guest-visible downtime: from the source's STOP
to the destination's RESUME, which counts what each emulator's own
figure may leave out (the destination loading the last of the state
and starting).  The emulators alternate, which one goes first flips
every round, and the report gives per measure the median, p99 and max
of each and the ratio of the medians grace/qemu.

    tests/bench/migration-bench.py [--grace BIN] [--qemu BIN] [-n RUNS]
        [--scenario NAME ...] [--json FILE]

The guest comes from scripts/build-linux-guest.sh (GRACE_GUEST_OUT or
build/guest; GRACE_GUEST_DIR can supply a prebuilt kernel).
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                          ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "functional"))

from machine import Machine, free_tcp_port  # noqa: E402
from guestbench import (BenchError, build_guest, kit_firmware,  # noqa: E402
                        row, write_rows)

CMDLINE = "console=ttyS0 panic=-1"
TICK = re.compile(r"GRACE-INIT: migrate tick \d+: counter (\d+)")
VERIFY = re.compile(r"GRACE-INIT: migrate verify: (PASS|FAIL)[^\r\n]*")
# The shell's answer, not the terminal's echo of the command.
ALIVE = re.compile(r"\nstill alive\r?\n")

# The migration workload: one worker per vCPU, MIGRATE_MB MiB each.
WORKERS = 4
MIGRATE_MB = 16

SCENARIOS = {
    "idle": {"mode": "shell", "ready": "GRACE-INIT: shell ready",
             "caps": []},
    "dirty": {"mode": "migrate",
              "append": f"grace.migrate_mb={MIGRATE_MB} "
                        "grace.migrate_rate=slow",
              "caps": []},
    # zlib alone does not converge on this guest, on Grace or on QEMU
    # 7.2: its pages do not compress, and compressing them is slower than
    # the guest dirties them.  Auto-converge throttles the vCPUs until the
    # rest fits the downtime limit.
    "dirty-z": {"mode": "migrate",
                "append": f"grace.migrate_mb={MIGRATE_MB} "
                          "grace.migrate_rate=slow",
                "caps": ["compress", "auto-converge"]},
}


def event_time(event):
    ts = event["timestamp"]
    return ts["seconds"] + ts["microseconds"] / 1e6


def wait_for(vm, check, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise BenchError(f"{vm.name}: no {what} after {timeout} s")


def guest_carries_on(dst, mode, must):
    """Does the guest run on the destination (and, with the workload,
    find all its memory intact)?  must: an error if not (Grace); else
    only reported (QEMU 7.2 does not carry the RISC-V timers' state)."""
    try:
        if mode == "migrate":
            dst.wait_console(TICK, 60)
            dst.console_command("stop")
            verdict = dst.wait_console(VERIFY, 240)
            if verdict.group(1) != "PASS":
                raise BenchError(f"{dst.binary}: {verdict.group(0)}")
        else:
            dst.console_command("echo still alive")
            dst.wait_console(ALIVE, 60)
        return True
    except Exception as exc:   # a MachineError: no sign of life
        if must or isinstance(exc, BenchError):
            raise
        return False


def one_run(binary, guest, scenario, workdir, timeout, must):
    """Boot, migrate, check; returns the run's figures."""
    sc = SCENARIOS[scenario]
    image, initramfs, firmware = guest
    append = f"{CMDLINE} grace.mode={sc['mode']} {sc.get('append', '')}"
    args = ["-M", "virt", "-smp", str(WORKERS), "-m", "1G", "-bios", firmware,
            "-kernel", image, "-initrd", initramfs, "-append",
            append.strip()]
    port = free_tcp_port()
    src = Machine(binary, args, workdir=workdir, name="src")
    dst = Machine(binary, args + ["-incoming", f"tcp:127.0.0.1:{port}"],
                  workdir=workdir, name="dst")
    try:
        src.launch()
        dst.launch()
        if sc["mode"] == "migrate":
            # Migrate once the workers have swept their memory twice, so
            # that both emulators move the same working set: started at
            # the counter's first move, a guest that is slower to touch
            # its memory has less of it to send.
            working_set = WORKERS * MIGRATE_MB * 256
            while int(src.wait_console(TICK, timeout).group(1)) < \
                    2 * working_set:
                pass
        else:
            src.wait_console(sc["ready"], timeout)
            time.sleep(2)
        caps = [{"capability": c, "state": True}
                for c in ["events"] + sc["caps"]]
        # Both ends: QEMU's destination refuses compressed pages unless
        # it was told to expect them.
        src.qmp.command("migrate-set-capabilities", capabilities=caps)
        dst.qmp.command("migrate-set-capabilities", capabilities=caps)
        src.qmp.command("migrate-set-parameters", **{
            "downtime-limit": 300, "max-bandwidth": 8 * 1024 ** 3})
        src.qmp.clear_events()
        dst.qmp.clear_events()
        src.qmp.command("migrate", uri=f"tcp:127.0.0.1:{port}")

        def done():
            info = src.qmp.command("query-migrate")
            if info.get("status") == "completed" and \
                    not info.get("total-time"):
                # QEMU 7.2 can say completed a moment before it fills
                # in the times (seen once in 11 runs: total 0, downtime
                # 0): ask again rather than count zeros.
                return None
            return info if info.get("status") in ("completed", "failed") \
                else None
        info = wait_for(src, done, "end of migration", timeout)
        if info["status"] != "completed":
            raise BenchError(f"{binary}: migration failed: {info}")
        stop = src.qmp.wait_event("STOP", timeout=30)
        resume = dst.qmp.wait_event("RESUME", timeout=60)
        carried_on = guest_carries_on(dst, sc["mode"], must)
        ram = info["ram"]
        return {
            "total_ms": info["total-time"],
            "downtime_ms": info["downtime"],
            "visible_downtime_ms": (event_time(resume) -
                                    event_time(stop)) * 1000,
            "transferred": ram["transferred"],
            "normal_pages": ram["normal"],
            "carried_on": carried_on,
        }
    finally:
        src.kill()
        dst.kill()


def summary(values):
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
    return statistics.median(values), p99, values[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grace", default=os.environ.get(
        "GRACE_BIN", os.path.join(SOURCE_DIR, "build",
                                  "grace-system-riscv64")))
    ap.add_argument("--qemu", default=os.environ.get(
        "QEMU_BIN", "qemu-system-riscv64"))
    ap.add_argument("--guest-dir", default=os.environ.get(
        "GRACE_GUEST_OUT", os.path.join(SOURCE_DIR, "build", "guest")))
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("--scenario", action="append",
                    choices=sorted(SCENARIOS))
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", help="also write the summary rows here "
                    "(bench-summary.py's simple form)")
    opts = ap.parse_args()
    # The emulators run in scratch directories: make the paths absolute
    # (a bare command name stays one, for PATH to find).
    opts.guest_dir = os.path.abspath(opts.guest_dir)
    opts.grace, opts.qemu = (os.path.abspath(b) if os.sep in b else b
                             for b in (opts.grace, opts.qemu))
    scenarios = opts.scenario or list(SCENARIOS)
    emulators = {"grace": opts.grace, "qemu": opts.qemu}

    guest = build_guest(opts.guest_dir) + (kit_firmware(opts.guest_dir),)
    results = {s: {e: [] for e in emulators} for s in scenarios}
    with tempfile.TemporaryDirectory(prefix="grace-migbench-") as work:
        for run in range(opts.runs):
            for s in scenarios:
                order = list(emulators) if run % 2 == 0 \
                    else list(reversed(emulators))
                for e in order:
                    r = one_run(emulators[e], guest, s, work, opts.timeout,
                                must=(e == "grace"))
                    results[s][e].append(r)
                    print(f"run {run + 1} {s:8} {e:6} total "
                          f"{r['total_ms']:6} ms, downtime "
                          f"{r['downtime_ms']:4} ms (visible "
                          f"{r['visible_downtime_ms']:7.1f} ms), "
                          f"{r['transferred'] / 2**20:8.1f} MiB sent"
                          f"{'' if r['carried_on'] else ', the guest did not carry on'}",
                          flush=True)

    print(f"\nmigration, {opts.runs} runs each (median / p99 / max; "
          f"ratio = median grace / median qemu)")
    rows = []
    for s in scenarios:
        for key, unit in (("total_ms", "ms"), ("downtime_ms", "ms"),
                          ("visible_downtime_ms", "ms"),
                          ("transferred", "MiB")):
            line = []
            vals = {}
            for e in emulators:
                vals[e] = [r[key] / (2**20 if unit == "MiB" else 1)
                           for r in results[s][e]]
                m, p99, mx = summary(vals[e])
                line.append(f"{e} {m:8.1f} / {p99:8.1f} / {mx:8.1f} {unit}")
            r = row(f"migration {s} {key}", unit, vals["grace"],
                    vals["qemu"])
            r["peer_name"] = "QEMU"
            rows.append(r)
            ratio = r["ratio"] if r["ratio"] is not None else float("inf")
            print(f"{s:8} {key:20} " + "   ".join(line) +
                  f"   ratio {ratio:5.2f}")
    for s in scenarios:
        for e in emulators:
            stuck = sum(not r["carried_on"] for r in results[s][e])
            if stuck:
                print(f"note: {s}: {e}'s guest did not carry on after "
                      f"{stuck} of {len(results[s][e])} migrations (its "
                      f"figures still count: the migration completed)")
    write_rows(opts.json, rows)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"migration-bench: {exc}", file=sys.stderr)
        sys.exit(1)
