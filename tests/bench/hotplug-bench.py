#!/usr/bin/env python3
"""Memory hot-plug latency: how long from the host's request to the guest
having the memory, and back to the host.

One Linux 6.12 guest (-smp 4, 256 MiB of boot RAM, a virtio-mem device
on a 2 GiB backend) runs the init's shell with "memwatch on", which
prints "GRACE-INIT: memtotal N kB" on the console within a millisecond
of MemTotal changing.  Each cycle:

  grow     qom-set requested-size SIZE at t0, then
             event   MEMORY_DEVICE_SIZE_CHANGE with size SIZE arrives
                     (the device has plugged it all: the last plug
                     request is served),
             guest   the console shows MemTotal at boot + SIZE (Linux
                     has added and onlined it all);
  touch    the guest fills and checks SIZE / 2 of it (memtest), so that
           the host really holds that memory;
  shrink   qom-set requested-size 0 at t0, then
             event   MEMORY_DEVICE_SIZE_CHANGE with size 0,
             guest   MemTotal back at its boot value,
             host    the emulator's VmRSS (polled every millisecond from
                     /proc/PID/status) back within 64 MiB of where it was
                     before the cycle grew.

It prints p50, p99 and max over the cycles, in milliseconds, for each.
There is no peer: upstream QEMU cannot hot-plug RAM on RISC-V.

    tests/bench/hotplug-bench.py [--grace BIN] [-n CYCLES] [--size MiB]
                                 [--block-size SIZE] [--json FILE]
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                          ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "functional"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "bench"))

import guestbench  # noqa: E402
from guestbench import BenchError  # noqa: E402
from guestinit import PROMPT, shell_run  # noqa: E402
from hotplug import DEVICE, MiB, hotplug_args, memtotal_kb  # noqa: E402
from machine import Machine  # noqa: E402


class Guest:
    """What hotplug_args (tests/functional/hotplug.py) boots."""

    def __init__(self, outdir):
        self.image, self.initramfs = guestbench.build_guest(
            outdir, kernel="kernel-6.12")
        self.firmware = guestbench.kit_firmware(outdir)


def rss_kb(vm):
    with open(f"/proc/{vm.proc.pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def wait_memtotal(vm, kb, timeout=300):
    """Wait for the watcher's line saying MemTotal is kb."""
    vm.wait_console(f"GRACE-INIT: memtotal {kb} kB", timeout)
    return time.monotonic()


def wait_event(vm, size, timeout=300):
    vm.qmp.wait_event("MEMORY_DEVICE_SIZE_CHANGE", timeout,
                      match={"id": DEVICE, "size": size})
    return time.monotonic()


def wait_rss_below(vm, kb, timeout=300):
    deadline = time.monotonic() + timeout
    while rss_kb(vm) > kb:
        if time.monotonic() > deadline:
            raise BenchError(f"RSS still {rss_kb(vm)} kB > {kb} kB after "
                             f"{timeout} s")
        time.sleep(0.001)
    return time.monotonic()


def set_requested(vm, size):
    t0 = time.monotonic()
    vm.qmp.command("qom-set", path=DEVICE, property="requested-size",
                   value=size)
    return t0


def run(args):
    guest = Guest(args.guest_dir)
    vmargs = hotplug_args(guest, block_size=args.block_size)
    workdir = tempfile.mkdtemp(prefix="grace-hotplug-bench-")
    vm = Machine(args.grace, vmargs, workdir=workdir, name="bench")
    samples = {k: [] for k in ("grow/event", "grow/guest", "shrink/event",
                               "shrink/guest", "shrink/host")}
    size = args.size * MiB
    try:
        vm.launch()
        vm.wait_console("GRACE-INIT: shell ready", 600)
        vm.wait_console(PROMPT, 60)
        boot_kb = memtotal_kb(vm)
        vm.console_command("memwatch on")
        wait_memtotal(vm, boot_kb)
        for cycle in range(args.cycles):
            vm.qmp.get_events()
            rss_before = rss_kb(vm)
            t0 = set_requested(vm, size)
            samples["grow/event"].append(wait_event(vm, size) - t0)
            samples["grow/guest"].append(
                wait_memtotal(vm, boot_kb + size // 1024) - t0)
            vm.console_command(f"memtest {args.size // 2}")
            vm.wait_console(re.compile(r"GRACE-INIT: memtest \d+ MiB: "
                                       r"(PASS|FAIL).*"), 600)
            t0 = set_requested(vm, 0)
            samples["shrink/event"].append(wait_event(vm, 0) - t0)
            samples["shrink/guest"].append(wait_memtotal(vm, boot_kb) - t0)
            samples["shrink/host"].append(
                wait_rss_below(vm, rss_before + 64 * 1024) - t0)
            if "FAIL" in vm.console_text()[-2000:]:
                raise BenchError("the guest reported a failure:\n" +
                                 vm.console_tail())
    finally:
        vm.kill()
    return samples


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grace", default=os.environ.get(
        "GRACE_BIN", os.path.join(SOURCE_DIR, "build",
                                  "grace-system-riscv64")))
    parser.add_argument("--guest-dir", default=os.environ.get(
        "GRACE_GUEST_OUT", os.path.join(SOURCE_DIR, "build", "guest")))
    parser.add_argument("-n", "--cycles", type=int, default=20)
    parser.add_argument("--size", type=int, default=512,
                        help="MiB to plug in each cycle (default 512)")
    parser.add_argument("--block-size", default=None,
                        help="virtio-mem block-size (default: 2M)")
    parser.add_argument("--json", help="also write the samples here")
    args = parser.parse_args()
    # The emulator runs in a scratch directory: make the paths absolute.
    args.grace = os.path.abspath(args.grace)
    args.guest_dir = os.path.abspath(args.guest_dir)
    try:
        samples = run(args)
    except BenchError as exc:
        print(f"hotplug-bench: {exc}", file=sys.stderr)
        return 1
    print(f"memory hot-plug latency, {args.cycles} cycles of "
          f"{args.size} MiB (block-size {args.block_size or '2M'}), "
          f"-smp 4, in ms (no peer: upstream QEMU has no RISC-V RAM "
          f"hot-plug)")
    print(f"{'':14} {'p50':>9} {'p99':>9} {'max':>9}")
    for name, values in samples.items():
        ms = [v * 1000 for v in values]
        print(f"{name:14} {statistics.median(ms):9.1f} "
              f"{percentile(ms, 0.99):9.1f} {max(ms):9.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({k: [v * 1000 for v in vs] for k, vs in samples.items()},
                      f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
