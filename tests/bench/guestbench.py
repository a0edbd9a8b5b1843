"""What the guest benchmarks (boot-bench.py, smp-bench.py) share.

- build_guest(): the guest kit's Image and initramfs
  (scripts/build-linux-guest.sh), and kit_firmware(), its OpenSBI 1.3 or
  later, which every guest benchmark boots on both emulators (Debian 12's
  OpenSBI 1.1 can lose a secondary hart on a busy host: see "SMP Linux"
  in docs/system/riscv-virt.rst);
- run_guest(): one emulator run to its exit, with its wall time, its peak
  RSS (ru_maxrss from wait4) and the console, each line stamped with the
  host's monotonic time when it arrived;
- Retrier: runs again a run in which Linux lost a hart, a bounded
  number of times, and remembers why;
- add_emulator_args(): the options every guest benchmark takes;
- stats(): median, p99 and max of a list of figures;
- write_rows(): the summary rows of one benchmark as JSON, the format
  every benchmark writes to build/bench/<name>.json.
"""

import json
import math
import os
import shutil
import statistics
import subprocess
import threading
import time

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                          ".."))


class BenchError(Exception):
    pass


def build_guest(outdir, kernel="kernel"):
    """Build (or find up to date) the Image (Image-6.12 for kernel-6.12),
    the initramfs and the firmware in outdir; returns the first two."""
    script = os.path.join(SOURCE_DIR, "scripts", "build-linux-guest.sh")
    proc = subprocess.run([script, "-o", outdir, kernel, "initramfs",
                           "firmware"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        raise BenchError(f"{script} failed ({proc.returncode}):\n"
                         f"{proc.stdout}")
    image = "Image-6.12" if kernel == "kernel-6.12" else "Image"
    return (os.path.join(outdir, image),
            os.path.join(outdir, "initramfs.cpio.gz"))


def kit_firmware(outdir):
    """The firmware build_guest(outdir) made."""
    return os.path.join(outdir, "opensbi-fw_dynamic.bin")


class Run:
    """One finished emulator run."""

    def __init__(self, status, wall, maxrss_kib, lines):
        self.status = status            # exit status (negative: signal)
        self.wall = wall                # seconds from start to exit
        self.maxrss_kib = maxrss_kib    # peak resident set, KiB
        self.lines = lines              # [(host seconds since start, line)]

    @property
    def text(self):
        return "\n".join(line for _, line in self.lines)

    def find(self, prefix):
        """The first console line containing prefix, as (time, line)."""
        for stamp, line in self.lines:
            if prefix in line:
                return stamp, line
        return None

    def tail(self, n=30):
        return "\n".join(line for _, line in self.lines[-n:])


def run_guest(cmd, timeout):
    """Run cmd (an emulator with -nographic) to its exit; a run still
    going after timeout seconds is killed (its status is then -9)."""
    lines = []
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def read():
        for raw in proc.stdout:
            lines.append((time.monotonic() - start,
                          raw.decode(errors="replace").rstrip("\r\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        # wait4 rather than Popen.wait: it also gives the resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(10)
    proc.stdout.close()
    return Run(proc.returncode, wall, usage.ru_maxrss, lines)


class HartsLost(Exception):
    """Linux came up with fewer harts than -smp asked for."""


class Retrier:
    """measure(key, fn) calls fn() until it returns without raising
    HartsLost, at most retries + 1 times for each key (an emulator and a
    hart count); each lost run is printed and kept in lost[key]."""

    def __init__(self, retries):
        self.retries = retries
        self.lost = {}

    def measure(self, key, fn):
        lost = self.lost.setdefault(key, [])
        while True:
            try:
                return fn()
            except HartsLost as exc:
                lost.append(str(exc))
                print(f"      {key[0]} -smp {key[1]}: run not counted "
                      f"({exc})", flush=True)
                if len(lost) > self.retries:
                    raise BenchError(f"{key[0]} -smp {key[1]} lost a hart "
                                     f"in {len(lost)} runs") from None

    def report(self):
        for (name, harts), why in self.lost.items():
            if why:
                print(f"not counted: {name} -smp {harts}: {len(why)} runs "
                      f"({'; '.join(why)})")


def add_emulator_args(parser, runs):
    """The options of every guest benchmark; runs is the default of -n."""
    parser.add_argument("--grace", default=os.environ.get(
        "GRACE_BIN", os.path.join(SOURCE_DIR, "build",
                                  "grace-system-riscv64")))
    parser.add_argument("--qemu", default=os.environ.get(
        "QEMU_BIN", shutil.which("qemu-system-riscv64") or
        "qemu-system-riscv64"))
    parser.add_argument("-n", "--runs", type=int, default=runs,
                        help="measured runs per emulator and hart count "
                        f"(default {runs})")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured runs of each first (default 1)")
    parser.add_argument("--retries", type=int, default=3,
                        help="runs that lost a hart, done again per "
                        "emulator and hart count before giving up "
                        "(default 3)")
    parser.add_argument("--guest-dir", default=os.environ.get(
        "GRACE_GUEST_OUT", os.path.join(SOURCE_DIR, "build", "guest")))
    parser.add_argument("--json", metavar="FILE",
                        help="write the summary rows as JSON")


def check_emulator_args(parser, opts):
    if opts.runs < 1 or opts.warmup < 0 or opts.retries < 0:
        parser.error("--runs must be at least 1, --warmup and --retries "
                     "at least 0")
    for name, path in (("grace", opts.grace), ("qemu", opts.qemu)):
        if not os.path.isfile(path):
            parser.error(f"--{name}: {path} does not exist")


def percentile(values, p):
    """Nearest-rank percentile: with fewer than 100 values, p99 is the
    maximum."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def stats(values):
    return {"p50": statistics.median(values),
            "p99": percentile(values, 99),
            "max": max(values)}


def row(name, unit, grace, peer, higher_is_better=False):
    """A summary row from the raw figures of Grace and of the peer.
    "grace" and "peer" are the medians, "ratio" is grace/peer, and p50,
    p99 and max are Grace's (peer_p99 and peer_max the peer's).  A row
    whose figures are single numbers (a ratio of medians) has no tails."""
    g = stats(grace) if isinstance(grace, list) else {"p50": grace}
    p = stats(peer) if isinstance(peer, list) else {"p50": peer}
    out = {"name": name, "grace": g["p50"], "peer": p["p50"], "unit": unit,
           "ratio": g["p50"] / p["p50"] if p["p50"] else None,
           "p50": g["p50"], "p99": g.get("p99"), "max": g.get("max"),
           "peer_p99": p.get("p99"), "peer_max": p.get("max")}
    if higher_is_better:
        out["higher_is_better"] = True
    return out


def write_rows(path, rows):
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
