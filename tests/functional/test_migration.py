"""Live migration and snapshots, as a QEMU user drives them.

A -smp 4 Linux guest whose init writes and verifies memory and counts in
a shared counter (grace.mode=migrate) moves to another emulator process
over TCP on the loopback, or to a file and back, and must carry on there
and pass its final check.  A migration that is cancelled, whose
destination dies, or that fails because memory was hot-plugged meanwhile
leaves the source running.  A destination refuses bad streams with a
message and exit status 1, and a machine with hot-pluggable memory (a
memory backend) neither migrates nor loads a migration.  Longer variants
(zlib, a small downtime limit, a guest dirtying memory faster than the
link) are in test_migration_slow.py.
"""

import os
import re
import struct
import zlib

import pytest

from livemigration import (finish, migrate, set_migration,
                           start_destination, wait_counter, wait_migration,
                           wait_running, workload_args)
from conftest import is_upstream_qemu
from machine import run_emulator


def test_tcp(machine, guest):
    """The basic case: migrate a running -smp 4 guest over TCP."""
    args = workload_args(guest)
    src = machine(args, name="src")
    before = wait_counter(src)
    dst, uri = start_destination(machine, args)
    # Both ends, as QEMU's users set them (a listening destination takes
    # capabilities until the stream starts).
    set_migration(src, ["events"])
    set_migration(dst, ["events"])
    info = migrate(src, uri)
    assert src.qmp.command("query-status")["status"] == "postmigrate"
    wait_running(dst)
    # What QEMU reports, and numbers that add up.
    ram = info["ram"]
    assert ram["total"] >= 256 * 1024 * 1024
    assert ram["normal"] > 0 and ram["duplicate"] > 0
    assert ram["normal-bytes"] == ram["normal"] * ram["page-size"]
    assert ram["transferred"] == ram["precopy-bytes"] + ram["downtime-bytes"]
    assert ram["remaining"] == 0
    assert ram["dirty-sync-count"] >= 2
    assert info["total-time"] >= info["setup-time"] >= 0
    assert info["downtime"] >= 0
    events = [e["data"]["status"] for e in src.qmp.get_events()
              if e["event"] == "MIGRATION"]
    assert events == ["setup", "active", "device", "completed"], events
    events = [e["data"]["status"] for e in dst.qmp.get_events()
              if e["event"] == "MIGRATION"]
    assert events == ["active", "completed"], events
    finish(dst, before)


@pytest.mark.grace_only("QEMU 7.2 has no file: migration URI")
def test_save_restore_file(machine, guest, tmp_path):
    """Save to a file, quit, restore in a new process: the guest goes on."""
    args = workload_args(guest)
    path = tmp_path / "guest.sav"
    src = machine(args, name="src")
    before = wait_counter(src)
    src.qmp.command("stop")
    migrate(src, f"file:{path}")
    assert src.quit() == 0
    assert path.stat().st_size > 1024 * 1024

    dst = machine(args + ["-incoming", f"file:{path}"], name="dst")
    finish(dst, before)


def test_cancel_and_kill_destination(machine, emulator, guest):
    """Neither a cancelled migration nor a dead destination costs the
    source anything: it runs on, and a third migration succeeds."""
    args = workload_args(guest)
    src = machine(args, name="src")
    counter = wait_counter(src)
    # Slow enough that the first pass (ten-odd MiB of data) takes a
    # minute: the test waits for a guest tick before it cancels, and
    # under ThreadSanitizer ticks come seconds apart.  At 2 MiB/s a TSan
    # run once saw the migration complete first.
    set_migration(src, max_bandwidth=256 * 1024)

    dst1, uri = start_destination(machine, args, "dst1")
    src.qmp.command("migrate", uri=uri)
    wait_migration(src, ("active",))
    wait_counter(src, above=counter)
    src.qmp.command("migrate_cancel")
    info = wait_migration(src)
    assert info["status"] == "cancelled", info
    assert src.qmp.command("query-status")["status"] == "running"
    counter = wait_counter(src, above=counter)
    # The abandoned destination never started a half-loaded guest.
    assert dst1.wait_exit(60) == 1
    assert "load of migration failed" in dst1.stderr_text()

    dst2, uri = start_destination(machine, args, "dst2")
    src.qmp.command("migrate", uri=uri)
    wait_migration(src, ("active",))
    dst2.kill()
    info = wait_migration(src)
    assert info["status"] == "failed", info
    assert info.get("error-desc"), info
    assert src.qmp.command("query-status")["status"] == "running"
    counter = wait_counter(src, above=counter)

    if not is_upstream_qemu(emulator.path):
        # Memory hot-plugged mid-way fails the migration (Grace refuses
        # hot-pluggable memory; QEMU would migrate the backend).
        dst3, uri = start_destination(machine, args, "dst3")
        src.qmp.command("migrate", uri=uri)
        wait_migration(src, ("active",))
        src.qmp.command("object-add", **{"qom-type": "memory-backend-ram",
                                         "id": "hot", "size": 16 << 20})
        info = wait_migration(src)
        assert info["status"] == "failed", info
        assert "RAM blocks changed during migration" in \
            info["error-desc"], info
        assert src.qmp.command("query-status")["status"] == "running"
        assert dst3.wait_exit(60) == 1
        assert "load of migration failed" in dst3.stderr_text()
        src.qmp.command("object-del", id="hot")
        counter = wait_counter(src, above=counter)

    set_migration(src, max_bandwidth=0)
    dst4, uri = start_destination(machine, args, "dst4")
    migrate(src, uri)
    finish(dst4, counter)


# Streams the destination must refuse.  The machine is a bare one (no
# firmware, paused): its stream is small, and loading it fast.

BARE = ["-M", "virt", "-bios", "none", "-S"]


def save_bare(machine, path, args=()):
    vm = machine(BARE + list(args), name="bare")
    migrate(vm, f"file:{path}", timeout=120)
    vm.quit()
    return path.read_bytes()


def ram_mapping_flags(vm):
    """The VmFlags of vm's private mappings as large as its RAM."""
    ram = vm.qmp.command("query-memory-size-summary")["base-memory"]
    flags, size = [], 0
    with open(f"/proc/{vm.proc.pid}/smaps") as smaps:
        for line in smaps:
            if line.startswith("Size:"):
                size = int(line.split()[1]) * 1024
            elif line.startswith("VmFlags:") and size == ram:
                f = line.split()[1:]
                if "sh" not in f:
                    flags.append(f)
    return flags


def as_version1(stream):
    """stream, rewritten as a version 1 stream: the same records, each
    checked with zlib's CRC-32 instead of CRC-32C."""
    out = bytearray(stream[:8] + struct.pack("<I", 1))
    pos = 12
    while pos < len(stream):
        length = struct.unpack_from("<I", stream, pos + 4)[0]
        payload = stream[pos + 12:pos + 12 + length]
        out += stream[pos:pos + 8] + struct.pack("<I", zlib.crc32(payload))
        out += payload
        pos += 12 + length
    return bytes(out)


def refused(emulator, tmp_path, data, args=()):
    """Load data in a new process; it must exit 1 and say why."""
    bad = tmp_path / "bad.sav"
    bad.write_bytes(data)
    proc = run_emulator(emulator.path, BARE + list(args) +
                        ["-incoming", f"file:{bad}"])
    assert proc.returncode == 1, proc.stderr
    assert "load of migration failed: " in proc.stderr, proc.stderr
    return proc.stderr


@pytest.mark.grace_only("Grace's stream and messages are its own")
def test_bad_streams(machine, emulator, tmp_path):
    good = save_bare(machine, tmp_path / "good.sav")
    # It loads as it is (and the machine then stays paused: -S).
    dst = machine(BARE + ["-incoming", f"file:{tmp_path / 'good.sav'}"],
                  name="restored")
    wait_migration(dst, ("completed",), timeout=120)
    assert dst.qmp.command("query-status")["status"] == "paused"
    # The load turns the RAM's huge pages off while it writes, and back
    # on when it is over (migration/ram.c).
    if os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled"):
        ram = ram_mapping_flags(dst)
        assert ram and all("hg" in f and "nh" not in f for f in ram), ram
    dst.quit()

    assert "not a Grace migration stream" in \
        refused(emulator, tmp_path, b"QEVM\0\0\0\3" + good[8:])
    assert "not a Grace migration stream" in \
        refused(emulator, tmp_path, b"")
    assert "migration stream version 9 is not supported" in \
        refused(emulator, tmp_path, good[:8] + b"\x09" + good[9:])
    # Files saved by builds that wrote version 1 (CRC-32) still load; and
    # the checksum follows the version: either with the other's fails.
    old = as_version1(good)
    (tmp_path / "v1.sav").write_bytes(old)
    dst = machine(BARE + ["-incoming", f"file:{tmp_path / 'v1.sav'}"],
                  name="restored-v1")
    wait_migration(dst, ("completed",), timeout=120)
    dst.quit()
    assert "fails its checksum" in \
        refused(emulator, tmp_path, good[:8] + b"\x01" + good[9:])
    assert "fails its checksum" in \
        refused(emulator, tmp_path, old[:8] + b"\x02" + old[9:])
    # Cut anywhere: truncated, and says where.
    for cut in (12, 40, len(good) // 2, len(good) - 1):
        msg = refused(emulator, tmp_path, good[:cut])
        assert "truncated" in msg, msg
    # A flipped bit in the middle of a record.
    mid = bytearray(good)
    mid[len(good) // 2] ^= 0x40
    msg = refused(emulator, tmp_path, bytes(mid))
    assert re.search(r"record \d+ \([a-z ]+\) at offset \d+ fails its "
                     r"checksum", msg), msg
    # Another machine: more RAM, more vCPUs.
    assert "(-m must be the same)" in \
        refused(emulator, tmp_path, good, ["-m", "256M"])
    assert "(-smp must be the same)" in \
        refused(emulator, tmp_path, good, ["-smp", "2"])


@pytest.mark.grace_only("QEMU migrates memory backends")
def test_hotplug_memory_refused(machine, emulator, tmp_path):
    """A machine with a memory backend neither migrates nor loads one,
    and says which block; without it again, it migrates."""
    good = save_bare(machine, tmp_path / "good.sav")
    vm = machine(BARE)
    vm.qmp.command("object-add", **{"qom-type": "memory-backend-ram",
                                    "id": "mem0", "size": 16 << 20})
    reply = vm.qmp.cmd("migrate", {"uri": f"file:{tmp_path / 'x.sav'}"})
    assert "RAM block '/objects/mem0' cannot be migrated: hot-pluggable" \
        in reply["error"]["desc"], reply
    assert vm.qmp.command("query-migrate") == {}
    assert vm.qmp.command("query-status")["status"] == "prelaunch"
    assert not (tmp_path / "x.sav").exists()
    vm.qmp.command("object-del", id="mem0")
    migrate(vm, f"file:{tmp_path / 'x.sav'}", timeout=120)
    vm.quit()

    msg = refused(emulator, tmp_path, good,
                  ["-object", "memory-backend-ram,id=mem0,size=16M"])
    assert "RAM block '/objects/mem0' cannot be migrated" in msg, msg


@pytest.mark.grace_only("QEMU's messages differ")
def test_refused_commands(machine, tmp_path):
    """Bad URIs, settings and orders are errors that change nothing."""
    vm = machine(BARE)
    errors = [
        ("migrate", {"uri": "ftp://x"}, "invalid migration URI"),
        ("migrate", {"uri": "tcp:127.0.0.1"}, "expected tcp:HOST:PORT"),
        ("migrate", {"uri": "file:x", "blk": True}, "not supported"),
        ("migrate-incoming", {"uri": "tcp:127.0.0.1:0"},
         "'-incoming' was not specified"),
        ("migrate-set-parameters", {"downtime-limit": -1},
         "Parameter 'downtime-limit' expects a value from 0"),
        ("migrate-set-parameters", {"compress-level": 10},
         "Parameter 'compress-level' expects a value from 0 to 9"),
        ("migrate-set-capabilities",
         {"capabilities": [{"capability": "xbzrle", "state": True}]},
         "Capability 'xbzrle' is not supported"),
    ]
    for name, args, msg in errors:
        reply = vm.qmp.cmd(name, args)
        assert "error" in reply, (name, reply)
        assert msg in reply["error"]["desc"], (name, reply)
    # All or nothing: a bad value leaves the good ones unset too.
    reply = vm.qmp.cmd("migrate-set-parameters",
                       {"downtime-limit": 50, "max-cpu-throttle": 100})
    assert "error" in reply
    params = vm.qmp.command("query-migrate-parameters")
    assert params["downtime-limit"] == 300 and params["max-cpu-throttle"] == 99
    # Nothing happened.
    assert vm.qmp.command("query-migrate") == {}
    # A connection refused is a failed migration, not a dead emulator.
    vm.qmp.command("migrate", uri="unix:" + str(tmp_path / "nobody"))
    info = wait_migration(vm, timeout=60)
    assert info["status"] == "failed" and "cannot connect" in \
        info["error-desc"], info
    assert vm.qmp.command("query-status")["status"] == "prelaunch"


@pytest.mark.grace_only("HMP output is Grace's")
def test_hmp(machine, tmp_path):
    vm = machine(BARE)
    vm.qmp.hmp("migrate_set_parameter max-bandwidth 64")
    vm.qmp.hmp("migrate_set_parameter downtime-limit 120")
    vm.qmp.hmp("migrate_set_capability compress on")
    params = vm.qmp.hmp("info migrate_parameters")
    assert "max-bandwidth: 67108864 bytes/second" in params, params
    assert "downtime-limit: 120 ms" in params, params
    assert "compress: on" in vm.qmp.hmp("info migrate_capabilities")
    out = vm.qmp.hmp("migrate_set_capability bogus on")
    assert "not supported" in out, out
    path = tmp_path / "hmp.sav"
    assert vm.qmp.hmp(f"migrate -d file:{path}") == ""
    wait_migration(vm, timeout=120)
    info = vm.qmp.hmp("info migrate")
    assert "Migration status: completed" in info, info
    assert re.search(r"downtime: \d+ ms", info), info
    assert re.search(r"compression rate: [\d.]+", info), info
