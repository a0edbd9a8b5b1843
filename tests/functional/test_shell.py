"""The init's tiny shell answers over the serial console.

One boot serves the module: each test types commands at the "grace# "
prompt and reads their output; the last one powers the machine off.
"""

import pytest

from guestinit import PROMPT, linux_args, shell_run
from machine import Machine


@pytest.fixture(scope="module")
def shell(emulator, guest, tmp_path_factory):
    vm = Machine(emulator.path, linux_args(guest, "shell"),
                 workdir=tmp_path_factory.mktemp("shell"))
    try:
        vm.launch()
        vm.wait_console("GRACE-INIT: shell ready", 120)
        vm.wait_console(PROMPT, 30)
        yield vm
    finally:
        vm.kill()


def test_echo(shell):
    assert shell_run(shell, "echo hello   from grace") == ["hello from grace"]


def test_cat(shell):
    out = shell_run(shell, "cat /proc/version")
    assert len(out) == 1 and out[0].startswith("Linux version 6.1.")
    out = shell_run(shell, "cat /proc/cmdline")
    assert out and "grace.mode=shell" in out[0].split()


def test_cat_missing_file(shell):
    out = shell_run(shell, "cat /no/such/file")
    assert out == ["cat: /no/such/file: cannot open, errno 2"]


def test_ls(shell):
    root = shell_run(shell, "ls /")
    assert {"init", "dev/", "proc/", "sys/"} <= set(root), root
    dev = shell_run(shell, "ls /dev")
    assert {"console", "ttyS0", "null"} <= set(dev), dev


def test_unknown_command(shell):
    assert shell_run(shell, "frobnicate now") == \
        ["grace-sh: frobnicate: unknown command (try help)"]


def test_help(shell):
    out = shell_run(shell, "help")
    names = {line.split()[0] for line in out}
    assert {"help", "echo", "cat", "ls", "checks", "poweroff",
            "reboot"} <= names, out


def test_checks_again(shell):
    out = shell_run(shell, "checks")
    assert out[-1].startswith("GRACE-INIT: checks done: ")
    assert ", 0 failed," in out[-1], out


def test_poweroff(shell):
    shell.console_command("poweroff")
    shell.wait_console("GRACE-INIT: powering off", 30)
    assert shell.wait_exit(60) == 0


def test_reboot_with_no_reboot(machine, guest):
    """reboot goes through SBI SRST to the finisher's reset; with
    -no-reboot the emulator exits instead of resetting."""
    vm = machine(linux_args(guest, "shell"))
    vm.wait_console("GRACE-INIT: shell ready", 120)
    vm.wait_console(PROMPT, 30)
    vm.console_command("reboot")
    vm.wait_console("GRACE-INIT: rebooting", 30)
    vm.wait_console("reboot: Restarting system", 30)
    assert vm.wait_exit(60) == 0
