"""Helpers for booting the guest kit's Linux and reading what its init says.

tests/guest/init.c prints "GRACE-INIT: " lines on the console; see the
comment at its top for the protocol and the grace.mode= values.
"""

import re

# The kernel command line of the direct boots.  panic=-1 with -no-reboot
# turns a kernel panic into an emulator exit instead of a hang.
KERNEL_CMDLINE = "console=ttyS0 earlycon panic=-1"

PROMPT = "grace# "

CHECKS_DONE = re.compile(r"GRACE-INIT: checks done: (\d+) passed, "
                         r"(\d+) failed, (\d+) skipped")
CHECK_LINE = re.compile(r"^GRACE-INIT: check ([\w-]+): (PASS|FAIL|SKIP) ?"
                        r"(.*?)\r?$", re.M)

BROUGHT_UP = re.compile(r"smp: Brought up 1 node, (\d+) CPUs?")
STRESS_START = re.compile(r"GRACE-INIT: smp-stress: (\d+) harts")
STRESS_LINE = re.compile(r"^GRACE-INIT: smp ([\w-]+): (PASS|FAIL) round "
                         r"(\d+): (.*?)\r?$", re.M)
STRESS_DONE = re.compile(r"GRACE-INIT: smp-stress done: (\d+) rounds, "
                         r"(\d+) passed, (\d+) failed")
# What grace.mode=smp-stress runs in each round (tests/guest/smp.c).
STRESS_CHECKS = ("atomics", "fork-storm", "memory")


def linux_args(guest, mode, bios=None, memory="256M", append=""):
    """Arguments that boot our Image and initramfs with grace.mode=mode.

    The firmware is the guest kit's OpenSBI (1.3 or later) unless bios
    says otherwise: the callers add -smp, and Debian 12's OpenSBI 1.1
    can start a secondary hart at the wrong address when the host
    preempts the boot hart's thread at the wrong moment (see
    scripts/build-linux-guest.sh).  "default" is Debian's."""
    cmdline = f"{KERNEL_CMDLINE} grace.mode={mode} {append}".strip()
    bios = bios or str(guest.firmware)
    return ["-M", "virt", "-m", memory, "-bios", bios, "-no-reboot",
            "-kernel", str(guest.image), "-initrd", str(guest.initramfs),
            "-append", cmdline]


def wait_kernel(vm, harts=None):
    """Follow the boot through its stages, so a failure says where; with
    harts, Linux must also report that it brought up that many."""
    vm.wait_console("OpenSBI v", 60)
    vm.wait_console(re.compile(r"Linux version 6\.1\.\d+"), 60)
    if harts is not None:
        up = vm.wait_console(BROUGHT_UP, 120)
        assert int(up.group(1)) == harts, \
            f"Linux says {up.group(0)!r} with {harts} harts:\n" \
            f"{vm.console_tail()}"
    vm.wait_console("Run /init as init process", 120)


def wait_poweroff(vm):
    vm.wait_console("GRACE-INIT: powering off", 60)
    vm.wait_console("reboot: Power down", 60)
    assert vm.wait_exit(60) == 0, vm.stderr_text()


def wait_checks(vm, timeout=120):
    """Wait for one round of the init's checks (from "GRACE-INIT: start"
    or the shell's "checks" command) to finish; return
    {name: (verdict, detail)}."""
    start = vm.wait_console(re.compile(r"GRACE-INIT: (start|check )"),
                            timeout)
    done = vm.wait_console(CHECKS_DONE, timeout)
    text = done.string[start.start():done.start()]
    results = {m.group(1): (m.group(2), m.group(3))
               for m in CHECK_LINE.finditer(text)}
    passed, failed, skipped = (int(g) for g in done.groups())
    assert len(results) == passed + failed + skipped, \
        f"{len(results)} check lines but the summary says " \
        f"{done.group(0)!r}:\n{text}"
    return results


def assert_checks(results, expect_skipped=()):
    """Every check passed, except those named in expect_skipped, which
    must have been skipped."""
    bad = {name: r for name, r in results.items()
           if r[0] != ("SKIP" if name in expect_skipped else "PASS")}
    assert not bad, f"unexpected check results: {bad}"
    missing = set(expect_skipped) - set(results)
    assert not missing, f"no result for the checks {missing}"


def assert_cpus(results, harts):
    """The init's cpus check passed and counted harts harts."""
    verdict, detail = results["cpus"]
    assert verdict == "PASS", f"cpus check: {verdict} {detail}"
    assert detail.startswith(f"{harts} harts in the device tree "), detail
    assert f", {harts} online " in detail, detail


def wait_stress(vm, timeout=300):
    """Wait for grace.mode=smp-stress to finish; return (harts, rounds,
    [(check, verdict, round, detail)]).  The lines must add up to the
    summary, every round must have run every check once."""
    start = vm.wait_console(STRESS_START, 60)
    done = vm.wait_console(STRESS_DONE, timeout)
    text = done.string[start.start():done.start()]
    lines = [(m.group(1), m.group(2), int(m.group(3)), m.group(4))
             for m in STRESS_LINE.finditer(text)]
    rounds, passed, failed = (int(g) for g in done.groups())
    assert len(lines) == passed + failed, \
        f"{len(lines)} stress lines but the summary says " \
        f"{done.group(0)!r}:\n{text}"
    ran = [(name, rnd) for name, _, rnd, _ in lines]
    want = [(name, rnd) for rnd in range(1, rounds + 1)
            for name in STRESS_CHECKS]
    assert ran == want, f"expected the checks {want}, got {ran}"
    return int(start.group(1)), rounds, lines


def assert_stress(lines):
    bad = [line for line in lines if line[1] != "PASS"]
    assert not bad, "SMP stress failures:\n" + "\n".join(
        f"  {name} round {rnd}: {verdict} {detail}"
        for name, verdict, rnd, detail in bad)


def fnv1a(data):
    """The 32-bit FNV-1a hash the init prints for the virtio-blk data."""
    h = 0x811c9dc5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xffffffff
    return h


def shell_run(vm, line, timeout=60):
    """Type a command at the init's shell (whose prompt was already
    consumed) and return its output lines, up to the next prompt."""
    before = vm.console_pos
    vm.console_command(line)
    m = vm.wait_console(PROMPT, timeout)
    lines = m.string[before:m.start()].replace("\r", "").split("\n")
    # The terminal echoes the typed line first.
    assert lines[0] == line, f"expected the echo of {line!r}, got {lines}"
    return [l for l in lines[1:] if l]


# grace.mode=smp-bench's workload (tests/guest/smp.c), to check the
# checksum the guest prints.
_MASK32 = (1 << 32) - 1
_MASK64 = (1 << 64) - 1
BENCH_RESULT = re.compile(r"GRACE-INIT: smp-bench: PASS (\d+) workers, "
                          r"(\d+) units in (\d+) ns, checksum "
                          r"([0-9a-f]{16})")


def _mix64(x):
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & _MASK64
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & _MASK64
    return x ^ (x >> 31)


def _bench_unit(u):
    x = _mix64(u + 1)
    h = 0
    table = [_mix64((x + j) & _MASK64) & _MASK32 for j in range(512)]
    for r in range(64):
        for j in range(512):
            k = table[(j * 7 + r) % 512]
            x ^= (x << 13) & _MASK64
            x ^= x >> 7
            x ^= (x << 17) & _MASK64
            t = (table[j] * 2654435761 + (x & _MASK32) + k) & _MASK32
            table[j] = t
            if t & 1:
                h = (h + t) & _MASK64
            else:
                h ^= t << 7
    return h


def bench_checksum(units):
    """The checksum grace.mode=smp-bench prints for units units."""
    c = 0
    for u in range(units):
        c = _mix64(c ^ _bench_unit(u))
    return c
