"""Running the bare-metal benchmark guests (tests/tcg/riscv64/bench).

Each guest prints "checksum: 0x..." and "instret: N" and exits through
the test finisher; run_guest times one run of an emulator on one.
"""

import os
import re
import shutil
import subprocess
import time


class RunError(Exception):
    pass


def guest_args(elf):
    """The machine arguments that run elf, the same for every emulator."""
    return ['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic']


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
    """Is the emulator path an existing file (or, without a slash, a
    command on PATH)?"""
    return os.path.isfile(path) if os.sep in path else shutil.which(path)
