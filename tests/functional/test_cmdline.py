"""Bad command lines and bad files are refused with a clear message.

The emulator must exit with status 1 before starting the guest, and its
message must name the program and the culprit (the file, the option or
its value).  The exact wording is the emulator's own: QEMU says
"qemu-system-riscv64: could not load kernel 'x'", Grace
"grace-system-riscv64: ...".

Tests marked grace_only cover files that upstream QEMU accepts (it loads
any file as a raw image, an empty initrd included, and treats -m 0 and
-smp 0 as defaults) but Grace refuses; against QEMU they are xfail.
"""

import struct

import pytest

from machine import run_emulator

MIB = 1024 * 1024

EM_RISCV = 243
EM_X86_64 = 62


def make_elf(path, machine=EM_RISCV, truncate=False):
    """A minimal 64-bit little-endian ELF executable with one 4 KiB
    PT_LOAD segment at 0x80200000; truncate=True cuts the file off
    after the headers, before the segment's data."""
    ehdr = struct.pack("<4sBBBB8xHHIQQQIHHHHHH",
                       b"\x7fELF", 2, 1, 1, 0,           # 64-bit, LE, v1
                       2, machine, 1,                    # EXEC, machine
                       0x80200000, 64, 0,                # entry, phoff
                       0, 64, 56, 1, 64, 0, 0)           # flags, sizes
    phdr = struct.pack("<IIQQQQQQ", 1, 7, 0x1000,        # PT_LOAD, RWX
                       0x80200000, 0x80200000, 0x1000, 0x1000, 0x1000)
    data = ehdr + phdr
    if not truncate:
        data = data.ljust(0x1000, b"\0") + b"\x13\x00\x00\x00" * 0x400
    path.write_bytes(data)
    return path


@pytest.fixture
def files(tmp_path):
    class Files:
        missing = tmp_path / "no-such-file.bin"
        empty = tmp_path / "empty.bin"
        huge = tmp_path / "huge.bin"            # larger than -m 64M
        truncated_elf = make_elf(tmp_path / "truncated.elf", truncate=True)
        x86_elf = make_elf(tmp_path / "x86-64.elf", machine=EM_X86_64)
    Files.empty.write_bytes(b"")
    with open(Files.huge, "wb") as f:
        f.truncate(300 * MIB)                   # sparse: costs no disk
    return Files


def assert_rejected(emulator, args, *needles, timeout=20):
    proc = run_emulator(emulator.path, ["-M", "virt"] + list(args),
                        timeout=timeout)
    assert proc.returncode == 1, \
        f"status {proc.returncode}; stderr:\n{proc.stderr}"
    assert f"{emulator.name}:" in proc.stderr, \
        f"the message does not name the program:\n{proc.stderr}"
    for needle in needles:
        assert str(needle).lower() in proc.stderr.lower(), \
            f"the message does not mention {needle!r}:\n{proc.stderr}"
    assert "OpenSBI" not in proc.stdout, "the guest started anyway"


# -- files ---------------------------------------------------------------

@pytest.mark.parametrize("option", ["-kernel", "-bios"])
@pytest.mark.parametrize("which", ["missing", "empty"])
def test_unloadable_file(emulator, files, option, which):
    path = getattr(files, which)
    assert_rejected(emulator, [option, str(path)], path.name)


@pytest.mark.parametrize("option", ["-kernel", "-bios"])
def test_file_larger_than_ram(emulator, files, option):
    assert_rejected(emulator, ["-m", "64M", option, str(files.huge)],
                    files.huge.name)


def test_missing_initrd(emulator, guest, files):
    assert_rejected(emulator, ["-kernel", str(guest.image),
                               "-initrd", str(files.missing)],
                    files.missing.name)


def test_initrd_larger_than_ram(emulator, guest, files):
    assert_rejected(emulator, ["-m", "64M", "-kernel", str(guest.image),
                               "-initrd", str(files.huge)], files.huge.name)


@pytest.mark.grace_only("loads an empty initrd")
def test_empty_initrd(emulator, guest, files):
    assert_rejected(emulator, ["-kernel", str(guest.image),
                               "-initrd", str(files.empty)],
                    files.empty.name, timeout=5)


@pytest.mark.grace_only("loads a truncated ELF as a raw image")
@pytest.mark.parametrize("option", ["-kernel", "-bios"])
def test_truncated_elf(emulator, files, option):
    assert_rejected(emulator, [option, str(files.truncated_elf)],
                    files.truncated_elf.name, timeout=5)


@pytest.mark.grace_only("loads an x86-64 ELF as a raw image")
@pytest.mark.parametrize("option", ["-kernel", "-bios"])
def test_foreign_elf(emulator, files, option):
    assert_rejected(emulator, [option, str(files.x86_elf)],
                    files.x86_elf.name, timeout=5)


# -- options -------------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["-frobnicate"], "-frobnicate"),
    (["-kernel"], "-kernel"),
    (["-m", "foo"], "foo"),
    (["-m", "-5"], "-5"),
    (["-m", "size=64M,bogus=1"], "bogus"),
    (["-smp", "foo"], "smp"),
    (["-smp", "1000"], "1000"),
    (["-smp", "cpus=4,maxcpus=2"], "maxcpus"),
    (["-smp", "sockets=2,cores=2,threads=2,maxcpus=7"], "maxcpus"),
    (["-smp", "cpus=2,frobs=3"], "frobs"),
    (["-M", "no-such-board"], "machine"),
    (["-M", "virt,bogus=1"], "bogus"),
    (["-device", "no-such-device"], "no-such-device"),
    (["-device", "virtio-blk-device"], "drive"),
    (["-device", "virtio-blk-device,drive=no-such-drive"], "no-such-drive"),
    (["-drive", "if=none,id=hd0,format=raw"], "file"),
    (["-append", "console=ttyS0"], "-append"),
    (["-accel", "tcg,jit-pad=64"], "jit-pad"),
    (["-accel", "tcg,jit-pad=x"], "jit-pad"),
    (["-accel", "tcg,jit=off,jit-pad=8"], "jit-pad"),
])
def test_bad_option(emulator, args, needle):
    assert_rejected(emulator, args, needle)


def test_machine_help(emulator):
    # Exits 0 after listing: in a sanitizer build, also without leaks.
    proc = run_emulator(emulator.path, ["-M", "help"])
    assert proc.returncode == 0, f"status {proc.returncode}:\n{proc.stderr}"
    assert "virt" in proc.stdout


def test_initrd_without_kernel(emulator, guest):
    assert_rejected(emulator, ["-initrd", str(guest.initramfs)], "-initrd")


def test_missing_drive_file(emulator, files):
    assert_rejected(emulator,
                    ["-drive", f"file={files.missing},format=raw,if=none,"
                               "id=hd0",
                     "-device", "virtio-blk-device,drive=hd0"],
                    files.missing.name)


@pytest.mark.grace_only("takes -m 0 as the default size")
def test_zero_memory(emulator):
    assert_rejected(emulator, ["-m", "0"], "-m", timeout=5)


@pytest.mark.grace_only("takes -smp 0 as the default (deprecated)")
def test_zero_cpus(emulator):
    assert_rejected(emulator, ["-smp", "0"], "smp", timeout=5)


@pytest.mark.grace_only("virt takes up to 512 harts upstream, 64 in Grace")
def test_too_many_cpus(emulator):
    assert_rejected(emulator, ["-smp", "65"], "65", "64", timeout=5)
