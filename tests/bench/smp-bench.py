#!/usr/bin/env python3
"""SMP scaling: the same CPU-bound work at -smp 1 and -smp 2, Grace and
QEMU side by side.

The guest's init (grace.mode=smp-bench, tests/guest/smp.c) shares a fixed
number of independent work units (integer arithmetic, multiplies, loads,
stores and branches in a small table, no system calls) between one
process pinned to each hart, and prints the workload's own elapsed time:
CLOCK_MONOTONIC from before the first fork to after the last worker was
reaped.  The boot is not in that figure.  The harness also stamps the
console lines "smp-bench: start" and "smp-bench: PASS" with the host's
clock as they arrive and reports that interval beside the guest's, which
checks that the guest clock keeps the host's time.

Throughput at -smp 2 relative to -smp 1 is the median time at -smp 1
divided by the median time at -smp 2: 2.0 is perfect scaling.  On a
2-core host the emulator's own threads (the main loop, the console)
compete with the two vCPUs, and so does anything else running.

Every run must print the same checksum of the units' results, whichever
emulator and however many harts computed them.  A run where Linux brought
up fewer harts than asked is reported, not counted, and run again (at
most --retries times per emulator and hart count).

With --tlb N the units are the TLB-miss workload instead (each stores
to and loads from every page of a private 2^N-page buffer, in a
scattered order), run at the hart counts --harts gives: the emulator's
TLB refills dominate.  With --fault N each unit maps a fresh buffer of
2^N pages, faults each page in, makes a system call per page and unmaps
the buffer: a userland workload of system calls and page faults.
--also NAME=BIN adds another emulator to the same rotation, for instance
a Grace build from before a change; --interp adds Grace with its
interpreter (-accel tcg,jit=off) as "grace-interp".

    tests/bench/smp-bench.py [--grace BIN] [--qemu BIN] [-n RUNS]
                             [--units N] [--tlb N | --fault N]
                             [--harts 1,2] [--interp] [--also NAME=BIN]
                             [--json FILE]
"""

import argparse
import os
import re
import statistics
import sys

from guestbench import (BenchError, HartsLost, Retrier,
                        add_emulator_args, build_guest, check_emulator_args,
                        kit_firmware, row, run_guest, stats, write_rows)

START = "GRACE-INIT: smp-bench: start"
RESULT = re.compile(r"GRACE-INIT: smp-bench: PASS (\d+) workers, (\d+) units "
                    r"in (\d+) ns, checksum ([0-9a-f]{16})")
HART_COUNTS = (1, 2)
# The target: throughput at -smp 2 over -smp 1 on a 2-core host.
TARGET_SCALING = 1.8


class Result:
    def __init__(self, guest_s, host_s, checksum):
        self.guest_s = guest_s      # the guest's own CLOCK_MONOTONIC figure
        self.host_s = host_s        # the same interval seen from the host
        self.checksum = checksum


def bench_once(binary, args, harts, units, timeout):
    run = run_guest([binary] + args + ["-smp", str(harts)], timeout)
    start = run.find(START)
    done = run.find("GRACE-INIT: smp-bench: PASS")
    m = RESULT.search(done[1]) if done else None
    if run.status != 0 or not start or not m:
        raise BenchError(f"{binary} -smp {harts}: exit status {run.status} "
                         f"after {run.wall:.1f} s (timeout {timeout} s), no "
                         f"smp-bench result; the console ends with:\n"
                         f"{run.tail()}")
    workers, got_units = int(m.group(1)), int(m.group(2))
    if got_units != units:
        raise BenchError(f"{binary}: the guest ran {got_units} units, "
                         f"asked for {units}")
    if workers != harts:
        raise HartsLost(f"{workers} workers on -smp {harts}")
    return Result(int(m.group(3)) / 1e9, done[0] - start[0], m.group(4))


def main():
    parser = argparse.ArgumentParser(
        description="SMP scaling of a CPU-bound guest, Grace vs QEMU.")
    add_emulator_args(parser, runs=5)
    parser.add_argument("--units", type=int, default=2048,
                        help="work units in all (default 2048: about 4 s "
                        "for the interpreter on one hart)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds before a run counts as hung")
    parser.add_argument("--tlb", type=int, default=0, metavar="N",
                        help="the TLB-miss workload over 2^N pages per "
                        "hart (1 to 16; default 0: the CPU-bound one)")
    parser.add_argument("--fault", type=int, default=0, metavar="N",
                        help="the system-call and page-fault workload over "
                        "2^N pages per unit (1 to 12)")
    parser.add_argument("--interp", action="store_true",
                        help="also run Grace's interpreter (jit=off)")
    parser.add_argument("--harts", default="1,2",
                        help="comma-separated -smp values (default 1,2)")
    parser.add_argument("--also", action="append", default=[],
                        metavar="NAME=BIN", help="one more emulator")
    opts = parser.parse_args()

    check_emulator_args(parser, opts)
    if not 1 <= opts.units <= 100000:
        parser.error("--units must be from 1 to 100000")
    if not 0 <= opts.tlb <= 16:
        parser.error("--tlb must be from 0 to 16")
    if not 0 <= opts.fault <= 12:
        parser.error("--fault must be from 0 to 12")
    if opts.tlb and opts.fault:
        parser.error("--tlb and --fault exclude each other")
    try:
        hart_counts = tuple(int(h) for h in opts.harts.split(","))
    except ValueError:
        parser.error(f"--harts {opts.harts}: expected numbers like 1,2")
    if any(not 1 <= h <= 64 for h in hart_counts):
        parser.error("--harts: each count must be from 1 to 64")
    extra = []
    for spec in opts.also:
        name, _, path = spec.partition("=")
        if not name or not os.path.isfile(path):
            parser.error(f"--also {spec}: expected NAME=BIN, an existing "
                         f"file")
        extra.append((name, path, []))
    if opts.interp:
        extra.insert(0, ("grace-interp", opts.grace,
                         ["-accel", "tcg,jit=off"]))
    try:
        image, initramfs = build_guest(opts.guest_dir)
    except BenchError as exc:
        print(f"smp-bench: {exc}", file=sys.stderr)
        return 1
    args = ["-M", "virt", "-m", "256M", "-bios",
            kit_firmware(opts.guest_dir), "-nographic",
            "-no-reboot", "-kernel", image, "-initrd", initramfs, "-append",
            f"console=ttyS0 panic=-1 grace.mode=smp-bench "
            f"grace.bench.units={opts.units} grace.bench.tlb={opts.tlb} "
            f"grace.bench.fault={opts.fault}"]
    emulators = [("grace", opts.grace, []), ("qemu", opts.qemu, [])] + extra
    configs = [(name, [path] + eargs, harts)
               for name, path, eargs in emulators for harts in hart_counts]
    if opts.tlb:
        kind = f"TLB-miss work units over {1 << opts.tlb} pages"
    elif opts.fault:
        kind = (f"page-fault and system-call work units over "
                f"{1 << opts.fault} fresh pages")
    else:
        kind = "independent work units"

    print(f"smp-bench: {opts.units} {kind}, one pinned process per hart, "
          f"-smp {' and '.join(map(str, hart_counts))}")
    for name, path, eargs in emulators:
        print(f"  {name:12} {' '.join([path] + eargs)}")
    print(f"  {opts.warmup} warm-up + {opts.runs} measured runs each, in "
          f"rotating order; {os.cpu_count()} host CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start")

    results = {(name, harts): [] for name, _, harts in configs}
    retrier = Retrier(opts.retries)
    checksums = set()

    def measure(name, cmd, harts):
        r = retrier.measure((name, harts), lambda: bench_once(
            cmd[0], cmd[1:] + args, harts, opts.units, opts.timeout))
        checksums.add(r.checksum)
        return r

    try:
        for _ in range(opts.warmup):
            for name, cmd, harts in configs:
                measure(name, cmd, harts)
        print(f"\n{'run':>4}  {'emulator':12} {'-smp':>4} {'guest s':>8} "
              f"{'host s':>8}")
        for i in range(opts.runs):
            shift = i % len(configs)
            for name, cmd, harts in configs[shift:] + configs[:shift]:
                r = measure(name, cmd, harts)
                results[(name, harts)].append(r)
                print(f"{i + 1:>4}  {name:12} {harts:>4} {r.guest_s:8.3f} "
                      f"{r.host_s:8.3f}", flush=True)
    except BenchError as exc:
        print(f"smp-bench: {exc}", file=sys.stderr)
        return 1

    if len(checksums) != 1:
        print(f"smp-bench: FAIL the runs disagree on the checksum: "
              f"{', '.join(sorted(checksums))}", file=sys.stderr)
        return 1

    rows = []
    times = {key: [r.guest_s for r in runs] for key, runs in results.items()}
    print(f"\nworkload time, s (guest CLOCK_MONOTONIC; host-observed "
          f"median in brackets)")
    print(f"{'emulator':12} {'-smp':>4} {'median':>8} {'p99':>8} {'max':>8}"
          f" {'host':>9}")
    for name, _, harts in configs:
        s = stats(times[(name, harts)])
        host = statistics.median(r.host_s for r in results[(name, harts)])
        print(f"{name:12} {harts:>4} {s['p50']:8.3f} {s['p99']:8.3f} "
              f"{s['max']:8.3f} ({host:7.3f})")
    if opts.tlb:
        label = f"smp-bench tlb={opts.tlb}"
    elif opts.fault:
        label = f"smp-bench fault={opts.fault}"
    else:
        label = "smp-bench"
    for harts in hart_counts:
        rows.append(row(f"{label} -smp {harts} workload", "s",
                        times[("grace", harts)], times[("qemu", harts)]))
        if opts.interp:
            rows.append(row(f"{label} -smp {harts} workload, interpreter",
                            "s", times[("grace-interp", harts)],
                            times[("qemu", harts)]))
    print(f"host load average {os.getloadavg()[0]:.2f} at the end")
    for name, _, _ in extra:
        for harts in hart_counts:
            g = statistics.median(times[("grace", harts)])
            o = statistics.median(times[(name, harts)])
            print(f"grace against {name} at -smp {harts}: {o / g:.2f}x "
                  f"faster ({o:.3f} s -> {g:.3f} s)")
    if not set(HART_COUNTS) <= set(hart_counts):
        retrier.report()
        print(f"checksum {checksums.pop()} in every run")
        write_rows(opts.json, rows)
        return 0

    scaling = {}
    for name, _, _ in emulators:
        one = statistics.median(times[(name, 1)])
        two = statistics.median(times[(name, 2)])
        scaling[name] = one / two
        per_round = [a / b for a, b in zip(times[(name, 1)],
                                           times[(name, 2)])]
        print(f"{name}: throughput -smp 2 / -smp 1 = {scaling[name]:.2f}x "
              f"(per round {min(per_round):.2f}x to {max(per_round):.2f}x)")
    rows.append(row("smp-bench throughput -smp 2 / -smp 1", "x",
                    scaling["grace"], scaling["qemu"],
                    higher_is_better=True))
    retrier.report()
    print(f"checksum {checksums.pop()} in every run")
    print(f"target: grace throughput -smp 2 / -smp 1 at least "
          f"{TARGET_SCALING}x: {scaling['grace']:.2f}x, "
          f"{'met' if scaling['grace'] >= TARGET_SCALING else 'not met'}")
    write_rows(opts.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
