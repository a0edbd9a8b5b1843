#!/usr/bin/env python3
"""CPU emulation speed: Grace (JIT and interpreter) beside upstream QEMU.

    tcg-bench.py [--runs N] [--timeout S] [--no-interp] [--grace-arg ARG]...
                 [--qemu-arg ARG]... GRACE QEMU ELF...

Runs each bare-metal program ELF (tests/tcg/riscv64/bench: cpu-bench.c
and the workloads of workloads.c) with GRACE -M virt -bios none -kernel
ELF -nographic, with the same plus -accel tcg,jit=off (the interpreter;
--no-interp leaves it out) and with QEMU, N times each (default 5),
rotating which goes first, and reports for each configuration the
median, p99 (nearest rank: below 100 runs, the maximum), min and max
wall time, guest MIPS and the ratio of its median time to QEMU's (below
1: faster than QEMU), then a summary table.  One more, untimed, run of
Grace's JIT with -accel tcg,stats=on gives the translation cost: ns per
translated guest instruction (decode, ops and host code; host code
alone) and bytes of host code per guest instruction.

The guest prints a checksum of its results and the instructions it
retired (minstret).  Every run must print the same checksum.  The
instruction count is taken from Grace's runs and used for all, since the
instruction stream is the same and Grace's minstret counts retired
instructions exactly (QEMU's, without -icount, follows the host clock).

Exit status: 0 when every run succeeded with the same checksum, 1 when a
run failed or the checksums differ, 77 (skipped) when an emulator or an
ELF is missing.  Timings are reported, never judged.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

from baremetal import RunError, found, guest_args, run_guest
from guestbench import percentile


STATS = {'ns': r'^Translation ns/insn +([0-9.]+)$',
         'jit_ns': r'^JIT ns/guest insn +([0-9.]+)',
         'bytes': r'^JIT bytes/guest insn +([0-9.]+)$'}


def translation_cost(cmd, timeout):
    """Runs cmd with -accel tcg,stats=on; returns {STATS key: value}."""
    try:
        proc = subprocess.run(cmd + ['-accel', 'tcg,stats=on'],
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunError(f'stats run: timed out after {timeout} s')
    out = proc.stdout.decode(errors='replace')
    if proc.returncode != 0:
        raise RunError(f'stats run: exit status {proc.returncode}\n{out}')
    cost = {}
    for key, pattern in STATS.items():
        m = re.search(pattern, out, re.MULTILINE)
        if not m:
            raise RunError(f'stats run: no "{pattern}" line in\n{out}')
        cost[key] = float(m.group(1))
    return cost


def bench_one(elf, configs, runs, timeout):
    """Runs every configuration on elf; returns {name: [seconds]}, instret."""
    base = guest_args(elf)
    names = list(configs)
    times = {name: [] for name in names}
    checksums = set()
    grace_instret = []

    print(f'tcg-bench: {os.path.basename(elf)}, {runs} runs each, rotating')
    for i in range(runs):
        order = names[i % len(names):] + names[:i % len(names)]
        line = []
        for name in order:
            seconds, checksum, instret = run_guest(
                name, configs[name][:1] + base + configs[name][1:], timeout)
            times[name].append(seconds)
            checksums.add(checksum)
            if name != 'qemu':
                grace_instret.append(instret)
            line.append(f'{name} {seconds:.3f} s')
        print(f'  run {i + 1}: ' + ', '.join(line))
    if len(checksums) != 1:
        raise RunError('the runs disagree on the checksum: ' +
                       ', '.join(sorted(checksums)))
    if len(set(grace_instret)) != 1:
        print('tcg-bench: note: Grace reported different instruction '
              'counts: ' + ', '.join(map(str, grace_instret)))
    instret = statistics.median(grace_instret)
    for name in names:
        t = times[name]
        med = statistics.median(t)
        print(f'  {name + ":":13}median {med:.3f} s (p99 '
              f'{percentile(t, 99):.3f}, min {min(t):.3f}, max {max(t):.3f}), '
              f'{instret / med / 1e6:.1f} guest MIPS, '
              f'time/qemu {med / statistics.median(times["qemu"]):.3f}')
    print(f'  guest instructions: {int(instret)}, checksum '
          f'{checksums.pop()} (all runs)')
    cost = translation_cost(configs['grace-jit'][:1] + base +
                            configs['grace-jit'][1:], timeout)
    print(f'  translation (JIT, stats=on): {cost["ns"]:.0f} ns per guest '
          f'insn ({cost["jit_ns"]:.0f} of them host code), '
          f'{cost["bytes"]:.1f} bytes of host code per guest insn')
    return times, instret, cost


def main(argv):
    p = argparse.ArgumentParser(
        description='Compare Grace and QEMU on compute-bound guests.')
    p.add_argument('grace', help='the grace-system-riscv64 binary')
    p.add_argument('qemu', help='the qemu-system-riscv64 binary')
    p.add_argument('elf', nargs='+', help='benchmark guests')
    p.add_argument('--runs', type=int, default=5,
                   help='runs of each configuration (default 5)')
    p.add_argument('--timeout', type=float, default=300,
                   help='seconds allowed per run (default 300)')
    p.add_argument('--no-interp', action='store_true',
                   help='leave out the interpreter (jit=off) runs')
    p.add_argument('--grace-arg', action='append', default=[],
                   metavar='ARG', help='extra argument for Grace')
    p.add_argument('--qemu-arg', action='append', default=[],
                   metavar='ARG', help='extra argument for QEMU')
    args = p.parse_args(argv)
    if args.runs < 1 or args.timeout <= 0:
        p.error('--runs and --timeout must be positive')

    for what, path, ok in ([('Grace', args.grace, found(args.grace)),
                            ('QEMU', args.qemu, found(args.qemu))] +
                           [('benchmark ELF', e, os.path.isfile(e))
                            for e in args.elf]):
        if not ok:
            print(f'tcg-bench: {what} {path} not found: skipping')
            return 77

    configs = {'grace-jit': [args.grace] + args.grace_arg}
    if not args.no_interp:
        configs['grace-interp'] = ([args.grace, '-accel', 'tcg,jit=off'] +
                                   args.grace_arg)
    configs['qemu'] = [args.qemu] + args.qemu_arg

    print(f'tcg-bench: {os.cpu_count()} host CPUs, load average '
          f'{os.getloadavg()[0]:.2f} at start')
    results = []
    try:
        for elf in args.elf:
            times, instret, cost = bench_one(elf, configs, args.runs,
                                             args.timeout)
            results.append((os.path.basename(elf), times, cost))
    except RunError as e:
        print(f'tcg-bench: FAIL {e}')
        return 1

    print(f'\nsummary: median seconds (p99, max), and time / QEMU\'s '
          f'(below 1: faster than QEMU); host load average '
          f'{os.getloadavg()[0]:.2f} at the end')
    names = list(configs)
    print(f'  {"workload":22}' + ''.join(f'{n:>26}' for n in names) +
          ''.join(f'{n + "/qemu":>19}' for n in names if n != 'qemu') +
          f'{"ns/insn":>9}{"B/insn":>8}')
    for elf, times, cost in results:
        med = {n: statistics.median(times[n]) for n in names}
        print(f'  {elf:22}' +
              ''.join(f'{med[n]:8.3f} ({percentile(times[n], 99):6.3f}, '
                      f'{max(times[n]):6.3f})' for n in names) +
              ''.join(f'{med[n] / med["qemu"]:19.3f}' for n in names
                      if n != 'qemu') +
              f'{cost["ns"]:9.0f}{cost["bytes"]:8.1f}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
