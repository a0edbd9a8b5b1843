#!/usr/bin/env python3
"""How a JIT change does across code layouts, not at one of them.

    jit-layout.py [--runs N] [--pads LIST] [--timeout S] GRACE [GRACE...]
                  -- ELF...

Where a hot loop lands in the host's 64-byte lines moves its speed by
up to a fifth on the development machine, more than most changes to
generated code do, and a change moves the loops it does not touch too.
So a plain A/B run mostly measures where the loops happened to land.
This runs each bare-metal guest ELF (tcg-bench's) under each Grace
binary with -accel tcg,jit-pad=P, which starts every block P bytes past
its line, for each P of --pads (default 0,8,...,56), N times each
(default 3), alternating the binaries, and reports per binary the
minimum time at each pad, their mean, and the spread (slowest pad's
minimum over the fastest's); with several binaries, the mean of each
over the first's.  The mean over pads is the figure to compare.

Every run must print the same checksum.  Exit status: 0 when every run
succeeded with the same checksum, 1 otherwise, 77 (skipped) when a
binary or an ELF is missing.  Timings are reported, never judged.
"""

import argparse
import os
import statistics
import sys

from baremetal import RunError, found, guest_args, run_guest


def parse_pads(text):
    try:
        pads = [int(p) for p in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a list of numbers: {text}')
    if not pads or any(p < 0 or p > 63 for p in pads):
        raise argparse.ArgumentTypeError('pads are 0 to 63 bytes')
    return pads


def layout_one(elf, binaries, pads, runs, timeout):
    """Returns [[minimum seconds at each pad] for each binary]."""
    n = len(binaries)
    best = [[] for _ in binaries]
    checksums = set()

    for pad in pads:
        times = [[] for _ in binaries]
        for i in range(runs):
            for k in [(i + j) % n for j in range(n)]:
                cmd = ([binaries[k]] + guest_args(elf) +
                       ['-accel', f'tcg,jit-pad={pad}'])
                seconds, checksum, _ = run_guest(binaries[k], cmd, timeout)
                times[k].append(seconds)
                checksums.add(checksum)
        for k in range(n):
            best[k].append(min(times[k]))
    if len(checksums) != 1:
        raise RunError('the runs disagree on the checksum: ' +
                       ', '.join(sorted(checksums)))
    return best


def main(argv):
    if '--' not in argv:
        print('usage: jit-layout.py [options] GRACE [GRACE...] -- ELF...',
              file=sys.stderr)
        return 2
    split = argv.index('--')
    p = argparse.ArgumentParser(
        description='Compare Grace builds over code layouts.')
    p.add_argument('grace', nargs='+', help='grace-system-riscv64 binaries')
    p.add_argument('--runs', type=int, default=3,
                   help='runs of each binary at each pad (default 3)')
    p.add_argument('--pads', type=parse_pads,
                   default=list(range(0, 64, 8)),
                   help='block offsets in bytes (default 0,8,...,56)')
    p.add_argument('--timeout', type=float, default=300,
                   help='seconds allowed per run (default 300)')
    args = p.parse_args(argv[:split])
    elfs = argv[split + 1:]
    if args.runs < 1 or args.timeout <= 0:
        p.error('--runs and --timeout must be positive')
    if not elfs:
        p.error('no benchmark ELF after --')
    missing = ([b for b in args.grace if not found(b)] +
               [e for e in elfs if not os.path.isfile(e)])
    if missing:
        print(f'jit-layout: {missing[0]} not found: skipping')
        return 77

    print(f'jit-layout: {len(args.grace)} binaries, pads '
          f'{",".join(map(str, args.pads))}, minimum of {args.runs} runs '
          f'at each; host load average {os.getloadavg()[0]:.2f}')
    for i, b in enumerate(args.grace):
        print(f'  [{i}] {b}')
    try:
        for elf in elfs:
            best = layout_one(elf, args.grace, args.pads, args.runs,
                              args.timeout)
            print(f'{os.path.basename(elf)}: seconds at each pad; mean, '
                  f'spread, mean / [0]\'s')
            for i, t in enumerate(best):
                mean = statistics.mean(t)
                print(f'  [{i}] ' + ' '.join(f'{x:.3f}' for x in t) +
                      f'; {mean:.3f}, {max(t) / min(t) - 1:+.0%}, '
                      f'{mean / statistics.mean(best[0]):.3f}')
    except RunError as e:
        print(f'jit-layout: FAIL {e}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
