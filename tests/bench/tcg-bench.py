#!/usr/bin/env python3
"""CPU emulation speed: Grace beside upstream QEMU on the same guest.

    tcg-bench.py [--runs N] [--timeout S] [--grace-arg ARG]...
                 [--qemu-arg ARG]... ELF GRACE QEMU

Runs the bare-metal program ELF (tests/tcg/riscv64/bench/cpu-bench.c) with
GRACE -M virt -bios none -kernel ELF -nographic and the same with QEMU, N
times each (default 5), alternating which goes first, and reports the
median wall time of each, guest MIPS and the speed ratio grace/qemu
(above 1: Grace is faster).

The guest prints a checksum of its results and the instructions it
retired (minstret).  Every run must print the same checksum.  The
instruction count is taken from Grace's runs and used for both, since the
instruction stream is the same and Grace's minstret counts retired
instructions exactly (QEMU's, without -icount, follows the host clock).

Exit status: 0 when every run succeeded with the same checksum, 1 when a
run failed or the checksums differ, 77 (skipped) when an emulator or the
ELF is missing.  Timings are reported, never judged.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


class RunError(Exception):
    pass


def run_guest(name, cmd, timeout):
    """Runs one emulator; returns (seconds, checksum, instret)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunError(f'{name}: timed out after {timeout} s')
    except OSError as e:
        raise RunError(f'{name}: cannot run {cmd[0]}: {e.strerror}')
    seconds = time.perf_counter() - start
    out = proc.stdout.decode(errors='replace')
    if proc.returncode != 0:
        raise RunError(f'{name}: exit status {proc.returncode}\n{out}')
    checksum = re.search(r'^checksum: (0x[0-9a-f]+)$', out, re.MULTILINE)
    instret = re.search(r'^instret: ([0-9]+)$', out, re.MULTILINE)
    if not checksum or not instret:
        raise RunError(f'{name}: no checksum/instret lines in\n{out}')
    return seconds, checksum.group(1), int(instret.group(1))


def found(path):
    return os.path.isfile(path) if os.sep in path else shutil.which(path)


def main(argv):
    p = argparse.ArgumentParser(
        description='Compare Grace and QEMU on a compute-bound guest.')
    p.add_argument('elf', help='the benchmark guest (cpu-bench.elf)')
    p.add_argument('grace', help='the grace-system-riscv64 binary')
    p.add_argument('qemu', help='the qemu-system-riscv64 binary')
    p.add_argument('--runs', type=int, default=5,
                   help='runs of each emulator (default 5)')
    p.add_argument('--timeout', type=float, default=300,
                   help='seconds allowed per run (default 300)')
    p.add_argument('--grace-arg', action='append', default=[],
                   metavar='ARG', help='extra argument for Grace')
    p.add_argument('--qemu-arg', action='append', default=[],
                   metavar='ARG', help='extra argument for QEMU')
    args = p.parse_args(argv)
    if args.runs < 1 or args.timeout <= 0:
        p.error('--runs and --timeout must be positive')

    for what, path in (('benchmark ELF', args.elf), ('Grace', args.grace),
                       ('QEMU', args.qemu)):
        if not found(path):
            print(f'tcg-bench: {what} {path} not found: skipping')
            return 77

    base = ['-M', 'virt', '-bios', 'none', '-kernel', args.elf, '-nographic']
    emulators = {
        'grace': [args.grace] + base + args.grace_arg,
        'qemu': [args.qemu] + base + args.qemu_arg,
    }
    times = {'grace': [], 'qemu': []}
    checksums = set()
    grace_instret = []

    print(f'tcg-bench: {os.path.basename(args.elf)}, {args.runs} runs each, '
          'alternating')
    try:
        for i in range(args.runs):
            order = ['grace', 'qemu'] if i % 2 == 0 else ['qemu', 'grace']
            line = []
            for name in order:
                seconds, checksum, instret = run_guest(
                    name, emulators[name], args.timeout)
                times[name].append(seconds)
                checksums.add(checksum)
                if name == 'grace':
                    grace_instret.append(instret)
                line.append(f'{name} {seconds:.3f} s ({checksum})')
            print(f'  run {i + 1}: ' + ', '.join(line))
    except RunError as e:
        print(f'tcg-bench: FAIL {e}')
        return 1

    if len(checksums) != 1:
        print('tcg-bench: FAIL the runs disagree on the checksum: ' +
              ', '.join(sorted(checksums)))
        return 1
    if len(set(grace_instret)) != 1:
        print('tcg-bench: note: Grace reported different instruction '
              'counts: ' + ', '.join(map(str, grace_instret)))
    instret = statistics.median(grace_instret)
    median = {name: statistics.median(t) for name, t in times.items()}
    for name in ('grace', 'qemu'):
        mips = instret / median[name] / 1e6
        print(f'{name + ":":7}median {median[name]:.3f} s wall, '
              f'{mips:.1f} guest MIPS')
    print(f'guest instructions: {int(instret)} (minstret, from Grace)')
    print(f'checksum: {checksums.pop()} (all runs)')
    print(f'speed ratio grace/qemu: {median["qemu"] / median["grace"]:.3f} '
          '(above 1: Grace is faster)')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
