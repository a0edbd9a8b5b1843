"""Debugging guests with gdb, as a user of QEMU would: -s, -S, -gdb and
HMP gdbserver, with Debian's gdb-multiarch.

- A bare-metal program with symbols (tests/tcg/riscv64/gdb/
  gdb-target.c), over TCP and over a unix socket: gdb connects at the
  reset vector, breaks at a symbol, steps, reads and sets registers,
  reads memory, sees a watchpoint fire on a store with the old and new
  values, and continues to the end, whose exit status (changed through
  a register) gdb and the emulator both report.
- A running SMP Linux: gdb attaches, sees every vCPU as a thread,
  interrupts, reads the kernel Image's header by physical address
  (QEMU's "maintenance packet Qqemu.PhyMemMode:1"), continues, and the
  guest finishes its work and powers off.  Before gdb, a raw client
  sends malformed packets and vanishes mid-packet: the guest runs on.
- Errors: a port in use, an address that does not resolve, a bad port,
  through -gdb and through HMP.
"""

import os
import re
import shutil
import socket
import tempfile
import time

import pytest

from conftest import BUILD_DIR, is_upstream_qemu
from gdbmi import GdbMI
from guestinit import (PROMPT, assert_checks, linux_args, shell_run,
                       wait_checks, wait_kernel, wait_poweroff)
from machine import free_tcp_port, run_emulator


@pytest.fixture(scope="session")
def gdb_binary():
    path = shutil.which("gdb-multiarch")
    if not path:
        pytest.skip("gdb-multiarch is missing (Debian package gdb-multiarch)")
    return path


@pytest.fixture(scope="session")
def gdb_elf():
    path = BUILD_DIR / "tests" / "tcg" / "riscv64" / "gdb-target.elf"
    if not path.is_file():
        pytest.skip(f"{path} is missing (riscv64-unknown-elf-gcc: Debian "
                    "package gcc-riscv64-unknown-elf)")
    return path


def reg(gdb, name):
    """A register's value, as gdb prints it with "info registers NAME"."""
    out = gdb.cli(f"info registers {name}")
    m = re.search(rf"^{name}\s+(0x[0-9a-f]+)", out, re.M)
    assert m, out
    return int(m.group(1), 16)


def expr(gdb, text):
    """The value of an expression, with "print/x"."""
    out = gdb.cli(f"print/x {text}")
    m = re.search(r"= (0x[0-9a-f]+)", out)
    assert m, out
    return int(m.group(1), 16)


def debug_bare_metal(gdb, vm, target):
    gdb.cli("set confirm off")
    out = gdb.cli(f"target remote {target}")
    gdb.wait_stopped()
    # -S: stopped at the reset vector, in the MROM.
    assert "0x0000000000001000 in ?? ()" in out, out
    assert reg(gdb, "pc") == 0x1000
    out = gdb.cli("info threads")
    # (QEMU says "Thread 1.1": it offers gdb the multiprocess extensions.)
    assert re.search(r"\* 1\s+Thread 1(\.1)? \(CPU#0 \[running\]\)", out), \
        out

    # Break at a symbol; the arguments of the first call are 0 and 0.
    out = gdb.cli("break gdb_add")
    assert "Breakpoint 1 at 0x" in out, out
    gdb.mi("-exec-continue")
    stop = gdb.wait_stopped()
    assert stop["reason"] == "breakpoint-hit" and stop["func"] == "gdb_add", \
        stop
    add = expr(gdb, "&gdb_add")
    assert reg(gdb, "pc") == add
    assert reg(gdb, "a0") == 0 and reg(gdb, "a1") == 0
    assert vm.wait_console("gdb-target: start")
    # Memory: a variable, raw bytes, and a string.
    assert expr(gdb, "gdb_counter") == 0
    out = gdb.cli("x/s gdb_greeting")
    assert '"hello, gdb"' in out, out
    out = gdb.cli("x/4xb &gdb_greeting")
    assert re.search(r"0x68\s+0x65\s+0x6c\s+0x6c", out), out

    # Set a register: the first round now adds 100, so the sum is 145
    # and the exit status 145 & 0x7f = 17.  And a CSR, read back.
    gdb.cli("set $a1 = 100")
    assert reg(gdb, "a1") == 100
    gdb.cli("set $mscratch = 0x1234")
    assert reg(gdb, "mscratch") == 0x1234
    assert reg(gdb, "priv") == 3, "M-mode"

    # Step one instruction: gdb_add's add, with the new a1.
    gdb.mi("-exec-step-instruction")
    assert gdb.wait_stopped()["reason"] == "end-stepping-range"
    pc1 = reg(gdb, "pc")
    assert add < pc1 <= add + 4
    assert reg(gdb, "a0") == 100
    # Step until gdb_add returns: back in main.
    gdb.cli("finish")
    stop = gdb.wait_stopped()
    assert stop["reason"] == "function-finished" and stop["func"] == "main", \
        stop

    # A watchpoint on the counter fires on the next round's store, with
    # the old and new values; the stop is after the store.
    gdb.cli("delete")
    out = gdb.cli("watch gdb_counter")
    assert "Hardware watchpoint 2: gdb_counter" in out, out
    gdb.mi("-exec-continue")
    stop = gdb.wait_stopped()
    assert stop["reason"] == "watchpoint-trigger", stop
    assert stop["old"] == "0" and stop["new"] == "1", stop
    assert stop["func"] == "main", stop
    assert expr(gdb, "gdb_sum") == 100

    # To the end: exit status 17, which gdb says in octal.  (QEMU 7.2's
    # finisher exits without telling gdb.)
    gdb.cli("delete")
    gdb.mi("-exec-continue")
    if not is_upstream_qemu(vm.binary):
        stop = gdb.wait_stopped(120)
        assert stop["reason"] == "exited" and stop["exit-code"] == "021", \
            stop
    assert vm.wait_exit(60) == 17
    vm.wait_console("gdb-target: sum 145")


def bare_metal_vm(machine, gdb_elf, gdb_arg):
    return machine(["-M", "virt", "-bios", "none", "-S",
                    "-kernel", str(gdb_elf)] + gdb_arg)


@pytest.mark.parametrize("thread", ["multi", "single"])
def test_bare_metal_tcp(machine, tmp_path, gdb_binary, gdb_elf, thread):
    port = free_tcp_port()
    vm = machine(["-M", "virt", "-bios", "none", "-S",
                  "-accel", f"tcg,thread={thread}",
                  "-kernel", str(gdb_elf), "-gdb", f"tcp::{port}"])
    with GdbMI(gdb_binary, gdb_elf, tmp_path) as gdb:
        debug_bare_metal(gdb, vm, f"127.0.0.1:{port}")


def test_bare_metal_unix_socket(machine, tmp_path, gdb_binary, gdb_elf):
    """-gdb unix:PATH,server waits for gdb before going on (wait=on is the
    socket's default), as QEMU does: the QMP socket comes after it."""
    sockdir = tempfile.mkdtemp(prefix="grace-gdb-")
    path = os.path.join(sockdir, "gdb.sock")
    try:
        vm = machine(["-M", "virt", "-bios", "none", "-S",
                      "-kernel", str(gdb_elf), "-gdb", f"unix:{path},server"],
                     launch=False, qmp=False)
        vm.launch()
        deadline = time.monotonic() + 30
        while not os.path.exists(path):
            assert time.monotonic() < deadline, vm.stderr_text()
            time.sleep(0.05)
        with GdbMI(gdb_binary, gdb_elf, tmp_path) as gdb:
            debug_bare_metal(gdb, vm, path)
        with open(vm.stderr_path) as f:
            assert "waiting for connection on: " in f.read()
    finally:
        shutil.rmtree(sockdir, ignore_errors=True)


def test_s(machine, tmp_path, gdb_binary, gdb_elf):
    """-s is -gdb tcp::1234 (skipped if something else has the port)."""
    vm = bare_metal_vm(machine, gdb_elf, ["-s"])
    if vm.qmp is None:
        vm.wait_exit(30)
        assert "Address already in use" in vm.stderr_text()
        pytest.skip("port 1234 is in use on this host")
    assert re.search(r"gdb: filename=disconnected:tcp:(0\.0\.0\.0)?:1234,"
                     r"server=on",
                     vm.qmp.hmp("info chardev")), vm.qmp.hmp("info chardev")
    with GdbMI(gdb_binary, gdb_elf, tmp_path) as gdb:
        gdb.cli("target remote 127.0.0.1:1234")
        gdb.wait_stopped()
        assert reg(gdb, "pc") == 0x1000


def test_hmp_gdbserver(machine, tmp_path, gdb_binary, gdb_elf):
    """HMP gdbserver starts the server, moves it, or stops it."""
    vm = bare_metal_vm(machine, gdb_elf, [])
    port = free_tcp_port()
    out = vm.qmp.hmp(f"gdbserver tcp:127.0.0.1:{port}")
    assert out.strip() == \
        f"Waiting for gdb connection on device 'tcp:127.0.0.1:{port}'"
    with GdbMI(gdb_binary, gdb_elf, tmp_path) as gdb:
        gdb.cli(f"target remote 127.0.0.1:{port}")
        gdb.wait_stopped()
        assert reg(gdb, "pc") == 0x1000
        # gdb's own monitor commands reach HMP.
        out = gdb.cli("monitor info status")
        assert "VM status: paused" in out, out
        gdb.cli("detach")
    # Detached: the program ran to its end.
    assert vm.wait_exit(60) == 0
    vm.wait_console("gdb-target: sum 45")

    vm = bare_metal_vm(machine, gdb_elf, [])
    assert vm.qmp.hmp("gdbserver none").strip() == "Disabled gdbserver"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        out = vm.qmp.hmp(f"gdbserver tcp:127.0.0.1:{busy}")
        assert f"Could not open gdbserver on device 'tcp:127.0.0.1:{busy}'" \
            in out, out
        assert "Address already in use" in out, out


@pytest.mark.grace_only("QEMU's messages differ")
def test_bad_devices(tmp_path):
    binary = os.environ["GRACE_BIN"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        for args, message in (
                (["-gdb", f"tcp:127.0.0.1:{busy}"],
                 f"-gdb tcp:127.0.0.1:{busy}: Failed to bind socket on "
                 f"127.0.0.1:{busy}: Address already in use"),
                (["-gdb", "tcp:no-such-host.invalid:1234"],
                 "address resolution failed for no-such-host.invalid:1234"),
                (["-gdb", "tcp::65536"], "port must be a number"),
                (["-gdb", "tcp:1234"], "tcp: expects HOST:PORT"),
                (["-gdb", "bogus"], "'bogus' is not a valid char driver"),
                (["-gdb", "chardev:nope"], "chardev 'nope' not found"),
                (["-gdb"], "-gdb: requires an argument")):
            out = run_emulator(binary, ["-M", "virt", "-bios", "none", "-S"]
                               + args, workdir=tmp_path)
            assert out.returncode == 1, (args, out.stderr)
            assert message in out.stderr, (args, out.stderr)


# A running SMP Linux

HARTS = 4
KERNEL_PA = 0x80200000      # where -kernel loads the Image (DRAM + 2 MiB)


def packet(data):
    return b"$%s#%02x" % (data, sum(data) & 0xff)


def raw_client_abuse(port, strict):
    """A client that sends what gdb never would, then vanishes mid-packet.
    Connecting stops the VM; the client lets it run again, then tries a
    packet while it runs, which is refused.  Only Grace's error replies
    are checked (strict); QEMU 7.2 answers differently."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        got = bytearray()

        def reply():
            """The next packet's data (acks and noise skipped)."""
            while True:
                m = re.search(rb"\$([^#$]*)#[0-9a-f]{2}", got)
                if m:
                    data = bytes(m.group(1))
                    del got[:m.end()]
                    return data
                chunk = s.recv(4096)
                assert chunk, f"connection closed, got {bytes(got)!r}"
                got.extend(chunk)

        s.sendall(b"noise\x00\xff" + b"$?#00")         # a bad checksum
        while b"-" not in got:
            got.extend(s.recv(4096))
        got.clear()
        if strict:
            s.sendall(packet(b"m" + b"f" * 40 + b",4"))  # an address too wide
            assert reply() == b"E16"
            s.sendall(packet(b"X" * 6000))              # over PacketSize
            assert reply() == b"E16"
            s.sendall(packet(b"*!"))                    # a run of nothing
            assert reply() == b"E16"
        s.sendall(packet(b"qC"))
        assert reply() in (b"QC1", b"QC01", b"QCp01.01")
        s.sendall(packet(b"vCont;c"))
        if strict:
            time.sleep(0.5)
            s.sendall(packet(b"g"))                     # while it runs
            assert reply() == b"E10"
        s.sendall(b"$m80200000,")                       # and vanish


def test_linux_smp(machine, tmp_path, guest, gdb_binary):
    port = free_tcp_port()
    vm = machine(linux_args(guest, "shell") +
                 ["-smp", str(HARTS), "-device", "virtio-rng-device",
                  "-gdb", f"tcp::{port}"])
    wait_kernel(vm, HARTS)
    vm.wait_console("GRACE-INIT: shell ready", 120)
    vm.wait_console(PROMPT, 30)

    upstream = is_upstream_qemu(vm.binary)
    raw_client_abuse(port, not upstream)
    # The guest runs on, and answers.  (QEMU 7.2 leaves it stopped when
    # the client goes.)
    if upstream:
        vm.qmp.command("cont")
    assert vm.qmp.command("query-status")["status"] == "running"
    assert shell_run(vm, "echo still here") == ["still here"]

    # A kernel variable to read by physical address: linux_banner, the
    # string /proc/version prints.  The kernel has no symbols (and no
    # kallsyms), so find it the way a user would, in the Image file:
    # -kernel loads the Image at DRAM + 2 MiB, where it runs from.
    version = shell_run(vm, "cat /proc/version")
    assert len(version) == 1, version
    banner = version[0]
    offset = guest.image.read_bytes().find(banner.encode() + b"\n\0")
    assert offset > 0, f"{banner!r} is not in {guest.image}"
    banner_pa = KERNEL_PA + offset

    with GdbMI(gdb_binary, None, tmp_path) as gdb:
        gdb.cli("set confirm off")
        gdb.cli("set architecture riscv:rv64")
        gdb.cli(f"target remote 127.0.0.1:{port}")
        gdb.wait_stopped()
        out = gdb.cli("info threads")
        for n in range(1, HARTS + 1):
            assert re.search(rf"Thread (1\.)?{n} \(CPU#{n - 1} \[(running|halted "
                             rf")\]\)", out), out
        assert vm.qmp.command("query-status")["status"] == "paused"

        # Let it run and give it work (the init's checks: processes, memory,
        # every CPU), then interrupt it.
        gdb.mi("-exec-continue")
        vm.console_command("checks")
        gdb.mi("-exec-interrupt")
        stop = gdb.wait_stopped()
        assert stop["reason"] == "signal-received", stop
        assert stop["signal-name"] == "SIGINT", stop
        assert vm.qmp.command("query-status")["status"] == "paused"

        # The Image header, by physical address: its magic numbers.  And
        # linux_banner, as the kernel printed it.
        gdb.cli("maintenance packet Qqemu.PhyMemMode:1")
        out = gdb.cli(f"x/s {banner_pa:#x}")
        assert f'"{banner}\\n"' in out, (banner, out)
        out = gdb.cli("x/8cb 0x80200030")
        assert re.search(r"82 'R'\s+73 'I'\s+83 'S'\s+67 'C'\s+86 'V'",
                         out), out
        out = gdb.cli("x/4xb 0x80200038")
        assert re.search(r"0x52\s+0x53\s+0x43\s+0x05", out), out
        gdb.cli("maintenance packet Qqemu.PhyMemMode:0")
        # Back to virtual addresses, through a hart that translates them
        # (S-mode with paging on): the kernel does not map that one.  A
        # hart stopped in the firmware (M-mode) reads it as physical.
        for n in range(1, HARTS + 1):
            gdb.cli(f"thread {n}")
            if expr(gdb, "$priv") != 3 and expr(gdb, "$satp") >> 60:
                break
        else:
            raise AssertionError("no hart was stopped with paging on")
        out = gdb.cli(f"x/s {banner_pa:#x}", allow_error=True)
        assert f"Cannot access memory at address {banner_pa:#x}" in out, out

        # Any thread's registers.
        gdb.cli(f"thread {HARTS}")
        assert reg(gdb, "pc") != 0

        # On: the checks finish, and the guest powers off.
        gdb.mi("-exec-continue")
        assert_checks(wait_checks(vm), expect_skipped=["virtio-blk"])
        vm.wait_console(PROMPT, 30)
        vm.console_command("poweroff")
        if not upstream:
            stop = gdb.wait_stopped(120)
            assert stop["reason"] == "exited-normally", stop
    wait_poweroff(vm)
