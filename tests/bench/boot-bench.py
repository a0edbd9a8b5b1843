#!/usr/bin/env python3
"""Boot benchmark: Grace (JIT, interpreter) against upstream QEMU.

Each run boots OpenSBI fw_dynamic + the guest kit's Linux Image + an
initramfs whose init powers off at once (grace.mode=poweroff) with -smp 1,
2 and 4, and measures the emulator process from start to exit: wall
time, and peak resident memory (ru_maxrss from wait4).  Three
configurations run on the same files in the same session: Grace as
built (its JIT where it has one), Grace with the interpreter (-accel
tcg,jit=off, "grace-interp"; --no-interp leaves it out) and QEMU,
rotating which goes first every round (so slow drifts of a shared
machine hit all alike), N runs each per hart count after one unmeasured
warm-up run each.  The report gives, for each configuration and hart
count, the median, p99 and maximum of both figures, and the ratios of
the medians to QEMU's.  p99 is the nearest-rank percentile, so below 100 runs it is
the maximum.

A run counts only if the emulator exits with status 0, Linux brought up
every hart ("smp: Brought up 1 node, N CPUs") and the console shows the
init's marker and Linux's "reboot: Power down".  A run that powered off
with fewer harts online (QEMU 7.2 now and then loses a secondary hart
at boot) is reported, not counted, and run again, at most --retries
times per emulator and hart count; any other failure stops the
benchmark with the console's end.

    tests/bench/boot-bench.py [--grace BIN] [--qemu BIN] [-n RUNS]
                              [--smp 1,2,4] [--no-interp] [--json FILE]

Defaults: --grace $GRACE_BIN or build/grace-system-riscv64, --qemu
$QEMU_BIN or qemu-system-riscv64 from PATH.  Pass the same binary twice
to measure the harness's own noise.  The guest comes from
scripts/build-linux-guest.sh (into $GRACE_GUEST_OUT or build/guest;
GRACE_GUEST_DIR can supply a prebuilt kernel).  --json writes the summary
rows (see guestbench.row) for 'make bench's table.
"""

import argparse
import os
import re
import sys

from guestbench import (BenchError, HartsLost, Retrier,
                        add_emulator_args, build_guest, check_emulator_args,
                        kit_firmware, row, run_guest, stats, write_rows)

CMDLINE = "console=ttyS0 panic=-1 grace.mode=poweroff"
MARKERS = ("GRACE-INIT: mode poweroff", "reboot: Power down")
BROUGHT_UP = re.compile(r"smp: Brought up 1 node, (\d+) CPUs?")
# The target for the interpreter: wall time at -smp 4.
TARGET_SMP, TARGET_RATIO = 4, 1.5


def boot_once(binary, args, harts, timeout):
    """One boot to power-off; returns (wall seconds, peak RSS in KiB)."""
    run = run_guest([binary] + args + ["-smp", str(harts)], timeout)
    text = run.text
    missing = [m for m in MARKERS if m not in text]
    if run.status != 0 or missing:
        raise BenchError(f"{binary} -smp {harts}: exit status {run.status} "
                         f"after {run.wall:.1f} s (timeout {timeout} s), "
                         f"console lacks {missing}; it ends with:\n"
                         f"{run.tail()}")
    up = BROUGHT_UP.search(text)
    if not up or int(up.group(1)) != harts:
        raise HartsLost(up.group(0) if up else "no 'Brought up' line")
    return run.wall, run.maxrss_kib


def parse_smp(text):
    try:
        counts = [int(x) for x in text.split(",")]
    except ValueError:
        counts = []
    if not counts or any(n < 1 or n > 8 for n in counts):
        raise argparse.ArgumentTypeError(
            f"expected hart counts from 1 to 8 separated by commas, got "
            f"{text!r}")
    return counts


def main():
    parser = argparse.ArgumentParser(
        description="Boot Linux to init and power off, Grace vs QEMU.")
    add_emulator_args(parser, runs=10)
    parser.add_argument("--smp", type=parse_smp, default=[1, 2, 4],
                        help="hart counts (default 1,2,4)")
    parser.add_argument("-m", "--memory", default="256M")
    parser.add_argument("--bios", help="firmware (default: the guest "
                        "kit's OpenSBI, 1.3 or later)")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds before a run counts as hung")
    parser.add_argument("--no-interp", action="store_true",
                        help="leave out Grace's interpreter (jit=off)")
    opts = parser.parse_args()

    check_emulator_args(parser, opts)
    if opts.bios and not os.path.isfile(opts.bios):
        parser.error(f"--bios: {opts.bios} does not exist")

    try:
        image, initramfs = build_guest(opts.guest_dir)
    except BenchError as exc:
        print(f"boot-bench: {exc}", file=sys.stderr)
        return 1
    opts.bios = opts.bios or kit_firmware(opts.guest_dir)
    args = ["-M", "virt", "-m", opts.memory, "-bios", opts.bios,
            "-nographic", "-no-reboot", "-kernel", image, "-initrd",
            initramfs, "-append", CMDLINE]
    # (name, binary, extra arguments)
    emulators = [("grace", opts.grace, []),
                 ("grace-interp", opts.grace, ["-accel", "tcg,jit=off"]),
                 ("qemu", opts.qemu, [])]
    if opts.no_interp:
        emulators.pop(1)

    print(f"boot-bench: {os.path.basename(opts.bios)} + Linux to init + "
          f"power-off, "
          f"-m {opts.memory}, -smp {','.join(map(str, opts.smp))}")
    for name, path, extra in emulators:
        print(f"  {name:12} {' '.join([path] + extra)}")
    print(f"  {opts.warmup} warm-up + {opts.runs} measured runs each, "
          f"rotating; load average {os.getloadavg()[0]:.2f} at start")

    results = {(name, n): [] for name, _, _ in emulators for n in opts.smp}
    retrier = Retrier(opts.retries)

    def measure(name, path, extra, harts):
        return retrier.measure((name, harts), lambda: boot_once(
            path, args + extra, harts, opts.timeout))

    try:
        for _ in range(opts.warmup):
            for harts in opts.smp:
                for name, path, extra in emulators:
                    measure(name, path, extra, harts)
        print(f"\n{'run':>4} {'-smp':>4}  {'emulator':12} {'wall s':>8} "
              f"{'peak RSS MiB':>13}")
        for i in range(opts.runs):
            for harts in opts.smp:
                k = i % len(emulators)
                for name, path, extra in emulators[k:] + emulators[:k]:
                    wall, rss = measure(name, path, extra, harts)
                    results[(name, harts)].append((wall, rss))
                    print(f"{i + 1:>4} {harts:>4}  {name:12} {wall:8.3f} "
                          f"{rss / 1024:13.1f}", flush=True)
    except BenchError as exc:
        print(f"boot-bench: {exc}", file=sys.stderr)
        return 1

    rows = []
    print(f"\n{'':18} {'wall s':>26}   {'peak RSS MiB':>26}")
    print(f"{'-smp emulator':18} {'median':>8} {'p99':>8} {'max':>8}   "
          f"{'median':>8} {'p99':>8} {'max':>8}")
    for harts in opts.smp:
        walls, rsss = {}, {}
        for name, _, _ in emulators:
            runs = results[(name, harts)]
            walls[name] = [w for w, _ in runs]
            rsss[name] = [r / 1024 for _, r in runs]
            w, r = stats(walls[name]), stats(rsss[name])
            print(f"{harts:>4} {name:13} {w['p50']:8.3f} {w['p99']:8.3f} "
                  f"{w['max']:8.3f}   {r['p50']:8.1f} {r['p99']:8.1f} "
                  f"{r['max']:8.1f}")
        wall_row = row(f"boot -smp {harts} wall", "s", walls["grace"],
                       walls["qemu"])
        rss_row = row(f"boot -smp {harts} peak RSS", "MiB", rsss["grace"],
                      rsss["qemu"])
        print(f"{harts:>4} {'grace/qemu':13} {wall_row['ratio']:7.2f}x "
              f"{'':17}   {rss_row['ratio']:7.2f}x")
        rows += [wall_row, rss_row]
        if "grace-interp" in walls:
            interp_row = row(f"boot -smp {harts} wall, interpreter", "s",
                             walls["grace-interp"], walls["qemu"])
            print(f"{harts:>4} {'interp/qemu':13} "
                  f"{interp_row['ratio']:7.2f}x")
            rows.append(interp_row)
    retrier.report()
    if TARGET_SMP in opts.smp:
        ratio = next(r["ratio"] for r in rows
                     if r["name"] == f"boot -smp {TARGET_SMP} wall")
        print(f"target: grace/qemu wall at -smp {TARGET_SMP} at most "
              f"{TARGET_RATIO}x: {ratio:.2f}x, "
              f"{'met' if ratio <= TARGET_RATIO else 'not met'}")
    write_rows(opts.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
