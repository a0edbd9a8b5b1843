"""The human monitor (HMP) on a socket chardev: every command, help, and
errors that never end the session."""

import os
import shutil
import socket
import tempfile
import time

import pytest

from machine import Machine

PROMPT = b"(qemu) "


class HMPClient:
    """A line-at-a-time client of an HMP monitor on a unix socket."""

    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.timeout = timeout
        self.banner = self._until_prompt()

    def _until_prompt(self):
        buf = b""
        deadline = time.monotonic() + self.timeout
        while not buf.endswith(PROMPT) and PROMPT + b"\x1b[K" not in buf[-12:]:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            buf += chunk
            if time.monotonic() > deadline:
                raise TimeoutError(f"no prompt; got {buf[-200:]!r}")
        return buf.decode(errors="replace")

    def run(self, line):
        """Send one command line; return what it printed, without the
        echo and the prompt."""
        self.sock.sendall(line.encode() + b"\r\n")
        out = self._until_prompt().replace("\r", "")
        lines = out.split("\n")
        # The first line is the echo of the command; the last the prompt.
        assert lines[0].strip() == line, out
        return "\n".join(lines[1:-1])

    def close(self):
        self.sock.close()


@pytest.fixture
def hmp_vm(emulator, fw_dynamic, tmp_path):
    sockdir = tempfile.mkdtemp(prefix="grace-hmp-")     # short for sun_path
    path = os.path.join(sockdir, "hmp.sock")
    vm = Machine(emulator.path,
                 ["-M", "virt", "-m", "256M", "-bios", fw_dynamic, "-S",
                  "-name", "hmp-test",
                  "-monitor", f"unix:{path},server,wait=off"],
                 workdir=tmp_path)
    with vm:
        vm.launch()
        client = HMPClient(path)
        yield vm, client
        client.close()
    shutil.rmtree(sockdir, ignore_errors=True)


def test_banner(hmp_vm):
    _, hmp = hmp_vm
    assert "monitor - type 'help'" in hmp.banner


def test_info(hmp_vm):
    _, hmp = hmp_vm
    assert hmp.run("info status") == "VM status: paused (prelaunch)"
    assert hmp.run("info name") == "hmp-test"
    assert hmp.run("info version").strip()
    assert "riscv_virt_board.ram" in hmp.run("info mtree")
    ramblock = hmp.run("info ramblock")
    assert "riscv_virt_board.ram" in ramblock and "Block Name" in ramblock
    assert "CPU #0" in hmp.run("info cpus")
    registers = hmp.run("info registers")
    assert "pc" in registers and "0000000000001000" in registers
    assert "serial0" in hmp.run("info chardev")
    jit = hmp.run("info jit")
    assert "Backend" in jit and "Jump cache misses" in jit


def test_help(hmp_vm):
    _, hmp = hmp_vm
    text = hmp.run("help")
    for cmd in ("info", "stop", "cont", "system_reset", "system_powerdown",
                "quit", "help"):
        assert cmd in text
    assert "info registers" in hmp.run("help info")


def test_stop_cont_reset(hmp_vm):
    vm, hmp = hmp_vm
    assert hmp.run("cont") == ""
    assert hmp.run("info status") == "VM status: running"
    assert hmp.run("stop") == ""
    assert hmp.run("info status") == "VM status: paused"
    assert hmp.run("system_reset") == ""
    assert hmp.run("system_powerdown") == ""
    # After all of that the machine still answers QMP too.
    assert vm.qmp.command("query-status")["status"] == "paused"


def test_errors_keep_the_session(hmp_vm):
    vm, hmp = hmp_vm
    assert "unknown command" in hmp.run("no-such-command")
    assert "unknown command" in hmp.run("info no-such-thing")
    assert "rror" in hmp.run("info registers 7")
    assert hmp.run("info status") == "VM status: paused (prelaunch)"
    assert vm.is_running()


def test_quit(hmp_vm):
    vm, hmp = hmp_vm
    hmp.sock.sendall(b"quit\r\n")
    assert vm.wait_exit(30) == 0
