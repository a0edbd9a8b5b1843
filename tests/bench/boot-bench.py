#!/usr/bin/env python3
"""Boot benchmark: Grace against upstream QEMU on the same guest.

Each run boots OpenSBI fw_dynamic + the guest kit's Linux Image + an
initramfs whose init powers off at once (grace.mode=poweroff), and
measures the emulator process from start to exit: wall time, and peak
resident memory (ru_maxrss from wait4).  The two emulators run on the
same files in the same session, alternating (which one goes first flips
every round, so slow drifts of a shared machine hit both alike), N runs
each after one unmeasured warm-up run each.  The report gives the median
of each and the ratios grace/qemu; medians, because a shared 2-core host
is noisy.

A run counts only if the emulator exits with status 0 and the console
shows the init's marker and Linux's "reboot: Power down"; otherwise the
benchmark stops with an error and the console's end.

    tests/bench/boot-bench.py [--grace BIN] [--qemu BIN] [-n RUNS]

Defaults: --grace $GRACE_BIN or build/grace-system-riscv64, --qemu
$QEMU_BIN or qemu-system-riscv64 from PATH.  Pass the same binary twice
to measure the harness's own noise.  The guest comes from
scripts/build-linux-guest.sh (into $GRACE_GUEST_OUT or build/guest;
GRACE_GUEST_DIR can supply a prebuilt kernel).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                          ".."))
FW_DYNAMIC = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
CMDLINE = "console=ttyS0 panic=-1 grace.mode=poweroff"
MARKERS = ("GRACE-INIT: mode poweroff", "reboot: Power down")


class BenchError(Exception):
    pass


def build_guest(outdir):
    script = os.path.join(SOURCE_DIR, "scripts", "build-linux-guest.sh")
    proc = subprocess.run([script, "-o", outdir, "kernel", "initramfs"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        raise BenchError(f"{script} failed ({proc.returncode}):\n"
                         f"{proc.stdout}")
    return (os.path.join(outdir, "Image"),
            os.path.join(outdir, "initramfs.cpio.gz"))


def boot_once(binary, args, timeout):
    """One boot to power-off; returns (wall seconds, peak RSS in KiB)."""
    with tempfile.TemporaryFile() as console:
        start = time.monotonic()
        proc = subprocess.Popen([binary] + args, stdin=subprocess.DEVNULL,
                                stdout=console, stderr=subprocess.STDOUT)
        # A hung run is killed; wait4 (rather than Popen.wait) also
        # returns the child's resource usage.
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        console.seek(0)
        text = console.read().decode(errors="replace")
    missing = [m for m in MARKERS if m not in text]
    if proc.returncode != 0 or missing:
        raise BenchError(f"{binary}: exit status {proc.returncode} after "
                         f"{wall:.1f} s (timeout {timeout} s), console "
                         f"lacks {missing}; it ends with:\n{text[-2000:]}")
    return wall, usage.ru_maxrss


def main():
    parser = argparse.ArgumentParser(
        description="Boot Linux to init and power off, Grace vs QEMU.")
    parser.add_argument("--grace", default=os.environ.get(
        "GRACE_BIN", os.path.join(SOURCE_DIR, "build",
                                  "grace-system-riscv64")))
    parser.add_argument("--qemu", default=os.environ.get(
        "QEMU_BIN", shutil.which("qemu-system-riscv64") or
        "qemu-system-riscv64"))
    parser.add_argument("-n", "--runs", type=int, default=5,
                        help="measured runs per emulator (default 5)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured runs per emulator first (default 1)")
    parser.add_argument("-m", "--memory", default="256M")
    parser.add_argument("--bios", default=FW_DYNAMIC)
    parser.add_argument("--guest-dir", default=os.environ.get(
        "GRACE_GUEST_OUT", os.path.join(SOURCE_DIR, "build", "guest")))
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds before a run counts as hung")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the runs and medians as JSON")
    opts = parser.parse_args()

    if opts.runs < 1:
        parser.error("--runs must be at least 1")
    for name, path in (("grace", opts.grace), ("qemu", opts.qemu),
                       ("bios", opts.bios)):
        if not os.path.isfile(path):
            parser.error(f"--{name}: {path} does not exist")

    try:
        image, initramfs = build_guest(opts.guest_dir)
    except BenchError as exc:
        print(f"boot-bench: {exc}", file=sys.stderr)
        return 1
    args = ["-M", "virt", "-m", opts.memory, "-bios", opts.bios,
            "-nographic", "-no-reboot", "-kernel", image, "-initrd",
            initramfs, "-append", CMDLINE]
    emulators = [("grace", opts.grace), ("qemu", opts.qemu)]

    print(f"boot-bench: OpenSBI fw_dynamic + Linux to init + power-off, "
          f"-m {opts.memory}, 1 hart")
    for name, path in emulators:
        print(f"  {name:6} {path}")
    print(f"  {opts.warmup} warm-up + {opts.runs} measured runs each, "
          f"alternating")

    results = {name: [] for name, _ in emulators}
    try:
        for _ in range(opts.warmup):
            for name, path in emulators:
                boot_once(path, args, opts.timeout)
        print(f"\n{'run':>4}  {'emulator':8} {'wall s':>8} {'peak RSS MiB':>13}")
        for i in range(opts.runs):
            order = emulators if i % 2 == 0 else emulators[::-1]
            for name, path in order:
                wall, rss = boot_once(path, args, opts.timeout)
                results[name].append({"wall_s": wall, "maxrss_kib": rss})
                print(f"{i + 1:>4}  {name:8} {wall:8.3f} {rss / 1024:13.1f}",
                      flush=True)
    except BenchError as exc:
        print(f"boot-bench: {exc}", file=sys.stderr)
        return 1

    medians = {}
    for name, runs in results.items():
        medians[name] = {
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "maxrss_kib": statistics.median(r["maxrss_kib"] for r in runs),
        }
    g, q = medians["grace"], medians["qemu"]
    ratio_wall = g["wall_s"] / q["wall_s"]
    ratio_rss = g["maxrss_kib"] / q["maxrss_kib"]
    print(f"\n{'median':10} {'wall s':>8} {'peak RSS MiB':>13}")
    for name in ("grace", "qemu"):
        m = medians[name]
        print(f"{name:10} {m['wall_s']:8.3f} {m['maxrss_kib'] / 1024:13.1f}")
    print(f"{'grace/qemu':10} {ratio_wall:7.2f}x {ratio_rss:12.2f}x")

    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"args": args, "emulators": dict(emulators),
                       "runs": results, "medians": medians,
                       "ratios": {"wall": ratio_wall, "maxrss": ratio_rss}},
                      f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
