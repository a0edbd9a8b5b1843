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


def linux_args(guest, mode, bios="default", memory="256M", append=""):
    """Arguments that boot our Image and initramfs with grace.mode=mode."""
    cmdline = f"{KERNEL_CMDLINE} grace.mode={mode} {append}".strip()
    return ["-M", "virt", "-m", memory, "-bios", bios, "-no-reboot",
            "-kernel", str(guest.image), "-initrd", str(guest.initramfs),
            "-append", cmdline]


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
