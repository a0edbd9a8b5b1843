#!/usr/bin/env python3
"""Run the bare-metal RISC-V guest tests on an emulator.

One test:

    run-tcg-test.py EMULATOR ELF [--smp N] [--expect-exit N]
                    [--expect-output REGEX] [--timeout S] [--qemu-compat]
                    [-- EXTRA EMULATOR ARGS]

runs EMULATOR -M virt -bios none -kernel ELF -nographic [-smp N] [EXTRA],
prints what the guest printed and passes if the emulator exits with the
expected status (0 unless --expect-exit says otherwise) within the timeout,
its output has a line matching REGEX if one is given, and for exit status
0 the runtime's "PASS (N checks)" line, so that an emulator that exits 0
without running the program does not pass.  With --smp N above 1, a
passing program must also have printed "smp: N harts" (the runtime's count
of the harts that started), so that it did not run on fewer harts than
asked for.  The emulator's stderr (its -d log, say) is part of the output.
Exit status: 0 pass, 1 fail.

The whole suite:

    run-tcg-test.py --all BUILD_DIR EMULATOR [--qemu-compat] [--no-smp]
                    [--only NAME] [--verbose] [-- EXTRA EMULATOR ARGS]

runs every program listed in BUILD_DIR/tests/tcg/riscv64/tcg-tests.json
(written by meson) with its own options, one at a time, and prints one
line per test and a summary.

--qemu-compat makes upstream QEMU 7.2 (qemu-system-riscv64) usable as the
reference: it selects a CPU with the extensions Grace has (RV64IMACSU, no
H/F/D/Sstc/B) and passes the kernel command line token with which the
tests skip the few checks where QEMU 7.2 deliberately differs from Grace.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

QEMU_COMPAT_ARGS = [
    '-cpu', 'rv64,h=false,f=false,d=false,sstc=false,zba=false,zbb=false,'
            'zbc=false,zbs=false,pmu-num=0',
    '-append', 'tcg-ref=qemu-7.2',
]

MANIFEST = os.path.join('tests', 'tcg', 'riscv64', 'tcg-tests.json')

# What the guest runtime prints when a program passes (runtime.c), and
# how many harts it found (smp.c)
PASS_LINE = r'^PASS \([0-9]+ checks\)$'
HARTS_LINE = r'^smp: {} harts$'

# The first line of a sanitizer's report (ASan, LSan, TSan, UBSan): in a
# sanitizer build, any report fails the test, whatever the exit status.
SANITIZER_REPORT = re.compile(
    r'^(?:==\d+==ERROR: \w+Sanitizer|WARNING: ThreadSanitizer:|'
    r'.*:\d+:\d+: runtime error: )', re.MULTILINE)


class Result:
    def __init__(self, ok, reason, output, seconds):
        self.ok = ok
        self.reason = reason
        self.output = output
        self.seconds = seconds


def run_one(emulator, elf, smp=1, expect_exit=0, expect_output=None,
            timeout=60, extra=()):
    """Runs one guest program and judges it; never raises for guest bugs."""
    if not os.path.isfile(elf):
        return Result(False, f'{elf} not found (build first)', '', 0)
    cmd = [emulator, '-M', 'virt', '-bios', 'none', '-kernel', elf,
           '-nographic']
    if smp > 1:
        cmd += ['-smp', str(smp)]
    cmd += list(extra)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as e:
        return Result(False, f'cannot run {emulator}: {e.strerror}', '', 0)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return Result(False, f'timed out after {timeout} s',
                      out.decode(errors='replace'), time.monotonic() - start)
    seconds = time.monotonic() - start
    text = out.decode(errors='replace')
    if SANITIZER_REPORT.search(text):
        return Result(False, f'a sanitizer reported a bug (exit status '
                             f'{proc.returncode})', text, seconds)
    if proc.returncode != expect_exit:
        return Result(False, f'exit status {proc.returncode}, expected '
                             f'{expect_exit}', text, seconds)
    patterns = [PASS_LINE] if expect_exit == 0 else []
    if expect_output:
        patterns.append(expect_output)
    for pattern in patterns:
        if not re.search(pattern, text, re.MULTILINE):
            return Result(False, f'no output line matches {pattern!r}',
                          text, seconds)
    if smp > 1 and expect_exit == 0 and \
            not re.search(HARTS_LINE.format(smp), text, re.MULTILINE):
        return Result(False, f'the program did not report {smp} harts '
                             f'("smp: {smp} harts")', text, seconds)
    return Result(True, f'exit status {proc.returncode}', text, seconds)


def split_extra(argv):
    """Splits argv at the first '--': (ours, the emulator's)."""
    if '--' in argv:
        i = argv.index('--')
        return argv[:i], argv[i + 1:]
    return argv, []


def tail(text, lines=15):
    return '\n'.join('    | ' + l for l in text.rstrip().split('\n')[-lines:])


def run_all(args, extra):
    path = os.path.join(args.build_dir, MANIFEST)
    try:
        with open(path) as f:
            tests = json.load(f)['tests']
    except OSError as e:
        print(f'run-tcg-test: cannot read {path}: {e.strerror}; configure '
              'and build first (riscv64-unknown-elf-gcc is needed)',
              file=sys.stderr)
        return 1
    except (ValueError, KeyError) as e:
        print(f'run-tcg-test: {path} is not a test manifest: {e}',
              file=sys.stderr)
        return 1
    base = os.path.dirname(path)
    passed = failed = skipped = 0
    failures = []
    for t in tests:
        name = t['name']
        if args.only and args.only not in name:
            continue
        if args.no_smp and t['smp'] > 1:
            print(f'SKIP {name} (needs -smp {t["smp"]})')
            skipped += 1
            continue
        r = run_one(args.emulator, os.path.join(base, t['elf']), t['smp'],
                    t['expect_exit'], t['expect_output'] or None,
                    t['timeout'], t.get('args', []) + extra)
        status = 'PASS' if r.ok else 'FAIL'
        print(f'{status} {name} ({r.seconds:.1f} s){"" if r.ok else ": " + r.reason}')
        if args.verbose or not r.ok:
            print(tail(r.output, 10000 if args.verbose else 15))
        if r.ok:
            passed += 1
        else:
            failed += 1
            failures.append(name)
    line = f'tcg: {passed} passed, {failed} failed'
    if skipped:
        line += f', {skipped} skipped'
    print(line)
    if failures:
        print('failed: ' + ' '.join(failures))
    if passed + failed == 0:
        print('run-tcg-test: no test ran', file=sys.stderr)
        return 1
    return 1 if failed else 0


def main(argv):
    ours, extra = split_extra(argv)
    p = argparse.ArgumentParser(
        description='Run the bare-metal RISC-V guest tests on an emulator.',
        usage='%(prog)s [options] EMULATOR ELF [-- EMULATOR ARGS]\n'
              '       %(prog)s --all [options] BUILD_DIR EMULATOR '
              '[-- EMULATOR ARGS]')
    p.add_argument('--all', action='store_true',
                   help='run every test listed by the build in BUILD_DIR')
    p.add_argument('positional', nargs=2, metavar='ARG',
                   help='EMULATOR ELF, or with --all BUILD_DIR EMULATOR')
    p.add_argument('--smp', type=int, default=1, help='number of harts')
    p.add_argument('--expect-exit', type=int, default=0,
                   help='exit status that means pass (default 0)')
    p.add_argument('--expect-output', metavar='REGEX',
                   help='a line the output must have (besides "PASS (N '
                        'checks)" for exit status 0)')
    p.add_argument('--timeout', type=float, default=60,
                   help='seconds before the emulator is killed (default 60)')
    p.add_argument('--qemu-compat', action='store_true',
                   help='run upstream QEMU 7.2 as the reference emulator')
    p.add_argument('--no-smp', action='store_true',
                   help='with --all: skip the tests that need several harts')
    p.add_argument('--only', metavar='SUBSTRING',
                   help='with --all: run only tests whose name contains it')
    p.add_argument('--verbose', action='store_true',
                   help='with --all: print every test\'s output')
    args = p.parse_args(ours)
    if args.smp < 1 or args.timeout <= 0:
        p.error('--smp and --timeout must be positive')
    if args.qemu_compat:
        extra = QEMU_COMPAT_ARGS + extra

    if args.all:
        args.build_dir, args.emulator = args.positional
        return run_all(args, extra)

    emulator, elf = args.positional
    r = run_one(emulator, elf, args.smp, args.expect_exit,
                args.expect_output, args.timeout, extra)
    sys.stdout.write(r.output)
    if r.output and not r.output.endswith('\n'):
        sys.stdout.write('\n')
    print(f'{"PASS" if r.ok else "FAIL"}: {os.path.basename(elf)}: '
          f'{r.reason} ({r.seconds:.1f} s)')
    return 0 if r.ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
