#!/usr/bin/env python3
"""Fuzz each device of the virt board for a bounded time, and report.

    fuzz-virt.py SRCDIR BUILDDIR SECONDS [DEVICE...]

builds the fuzzer (tests/fuzz/fuzz-virt.c) in the ASan+UBSan build beside
BUILDDIR (scripts/sanitizer-build.sh asan, which configures it with
--enable-fuzzing), writes the seed corpus (virt-seeds.py), then runs the
fuzzer SECONDS per device (default: every device), one after the other,
with GRACE_FUZZ_DEVICE naming it.  Each device's corpus grows in
BUILDDIR/tests/fuzz/virt-corpus/DEVICE and is reused by the next run.

For each device it prints the executions, their rate, the corpus size,
libFuzzer's coverage counters (cov: edges, ft: features, over the device
models and the board, the only code instrumented for it), and the lines
and branches of the device's own source files that the run reached, from
llvm-cov (the models also count their execution for source-based
coverage; the counters are zeroed once the machine is built, so only what
inputs reach counts, not the machine's construction).

Exit status: 0 when no device crashed, 1 on a finding (the input is left
in BUILDDIR/tests/fuzz/ as virt-DEVICE-crash-*, with the command that
reproduces it), 77 when clang or its fuzzer runtime is missing.
"""

import os
import re
import shutil
import subprocess
import sys

# The devices and the sources that model them (for the coverage report).
DEVICES = {
    "clint": ["hw/intc/riscv_aclint.c"],
    "plic": ["hw/intc/sifive_plic.c"],
    "uart": ["hw/char/serial.c"],
    "rtc": ["hw/rtc/goldfish_rtc.c"],
    "test": ["hw/misc/sifive_test.c"],
    "virtio-blk": ["hw/virtio/virtio-blk.c", "hw/virtio/virtio.c",
                   "hw/virtio/virtio-mmio.c"],
    "virtio-rng": ["hw/virtio/virtio-rng.c", "hw/virtio/virtio.c",
                   "hw/virtio/virtio-mmio.c"],
    "virtio-mem": ["hw/virtio/virtio-mem.c", "hw/virtio/virtio.c",
                   "hw/virtio/virtio-mmio.c"],
    "virtio-mmio": ["hw/virtio/virtio-mmio.c"],
}

COV_LINE = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")


def say(msg):
    print(f"fuzz-virt: {msg}", flush=True)


def llvm_tool(name):
    for cand in (f"{name}-14", name):
        path = shutil.which(cand)
        if path:
            return path
    return None


def source_coverage(fuzzer, profraw, sources):
    """(lines covered, lines, branches covered, branches) of sources in
    the run recorded in profraw, or None without the llvm tools."""
    profdata_tool, cov_tool = llvm_tool("llvm-profdata"), llvm_tool("llvm-cov")
    if not (profdata_tool and cov_tool and os.path.exists(profraw)):
        return None
    profdata = profraw.replace(".profraw", ".profdata")
    subprocess.check_call([profdata_tool, "merge", "-o", profdata, profraw])
    report = subprocess.run([cov_tool, "report", fuzzer,
                             f"-instr-profile={profdata}"],
                            stdout=subprocess.PIPE, text=True,
                            check=True).stdout
    totals = [0, 0, 0, 0]
    for line in report.splitlines():
        cols = line.split()
        # The file name, then regions, functions, lines and branches: a
        # total, a missed count and a percentage each.
        if len(cols) == 13 and any(cols[0].endswith(s) for s in sources):
            lines, lmiss, branches, bmiss = (int(cols[7]), int(cols[8]),
                                             int(cols[10]), int(cols[11]))
            totals[0] += lines - lmiss
            totals[1] += lines
            totals[2] += branches - bmiss
            totals[3] += branches
    return tuple(totals)


def pct(part, whole):
    return f"{100.0 * part / whole:.0f}%" if whole else "-"


def fuzz_device(fuzzer, device, seconds, seeds, out, env):
    corpus = os.path.join(out, "virt-corpus", device)
    os.makedirs(corpus, exist_ok=True)
    profraw = os.path.join(out, f"virt-{device}.profraw")
    if os.path.exists(profraw):
        os.unlink(profraw)
    env = dict(env, GRACE_FUZZ_DEVICE=device, LLVM_PROFILE_FILE=profraw)
    cmd = [fuzzer, f"-max_total_time={seconds}", "-max_len=4096",
           "-timeout=10", "-rss_limit_mb=2048", "-error_exitcode=1",
           "-timeout_exitcode=1", "-print_final_stats=1",
           f"-artifact_prefix={os.path.join(out, 'virt-' + device + '-')}",
           corpus, os.path.join(seeds, device)]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          errors="replace")
    log = proc.stdout
    with open(os.path.join(out, f"virt-{device}.log"), "w") as f:
        f.write(log)
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)$", log, re.MULTILINE))
    cov = [m for m in map(COV_LINE.match, log.splitlines()) if m]
    result = {
        "status": proc.returncode,
        "runs": int(stats.get("number_of_executed_units", 0)),
        "rate": int(stats.get("average_exec_per_sec", 0)),
        "cov": int(cov[-1].group(2)) if cov else 0,
        "ft": int(cov[-1].group(3)) if cov else 0,
        "corpus": len(os.listdir(corpus)),
        "log": log,
    }
    if proc.returncode == 0:
        result["source"] = source_coverage(fuzzer, profraw, DEVICES[device])
    return result


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, build, seconds = argv[1], os.path.realpath(argv[2]), int(argv[3])
    devices = argv[4:] or list(DEVICES)
    for d in devices:
        if d not in DEVICES:
            print(f"fuzz-virt: unknown device {d} (known: "
                  f"{', '.join(DEVICES)})", file=sys.stderr)
            return 2

    status = subprocess.call([os.path.join(src, "scripts",
                                           "sanitizer-build.sh"),
                              "-b", build, "asan"])
    if status != 0:
        return status
    fuzzer = os.path.join(os.path.dirname(build), "build-asan", "tests",
                          "fuzz", "fuzz-virt")
    if not os.access(fuzzer, os.X_OK):
        say(f"{fuzzer} was not built")
        return 1
    out = os.path.join(build, "tests", "fuzz")
    seeds = os.path.join(out, "virt-seeds")
    subprocess.check_call([sys.executable,
                           os.path.join(src, "tests", "fuzz",
                                        "virt-seeds.py"), seeds])

    # What the sanitizer build's tests run with (meson.build's test
    # setup); libFuzzer turns a report into a saved crashing input.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "halt_on_error=1:abort_on_error=1:detect_leaks=1"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:abort_on_error=1:print_stacktrace=1"
    env["LSAN_OPTIONS"] = ("suppressions=" +
                           os.path.join(src, "tests", "sanitizers",
                                        "lsan.supp"))

    failed = []
    say(f"{seconds} s per device: {' '.join(devices)}")
    print(f"{'device':12} {'runs':>9} {'exec/s':>7} {'corpus':>6} "
          f"{'cov':>5} {'ft':>6}  {'lines':>15}  {'branches':>15}")
    for d in devices:
        r = fuzz_device(fuzzer, d, seconds, seeds, out, env)
        if r["status"] != 0:
            failed.append(d)
            print(f"{d:12} FINDING (status {r['status']}); log in "
                  f"{os.path.join(out, 'virt-' + d + '.log')}")
            print("\n".join(r["log"].splitlines()[-60:]))
            crash = re.findall(r"Test unit written to (\S+)", r["log"])
            if crash:
                print(f"reproduce: GRACE_FUZZ_DEVICE={d} {fuzzer} "
                      f"{crash[-1]}")
            continue
        if r["source"]:
            lc, lt, bc, bt = r["source"]
            source = (f"{f'{lc}/{lt}':>9} {pct(lc, lt):>5}  "
                      f"{f'{bc}/{bt}':>9} {pct(bc, bt):>5}")
        else:
            source = "(no llvm-cov: Debian package llvm-14)"
        print(f"{d:12} {r['runs']:>9} {r['rate']:>7} {r['corpus']:>6} "
              f"{r['cov']:>5} {r['ft']:>6}  {source}", flush=True)
    if failed:
        say(f"FAILED: {' '.join(failed)}")
        return 1
    say("no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
