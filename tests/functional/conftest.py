"""Fixtures of the functional tests.

Environment (meson's tests/functional/meson.build sets the first three):
  GRACE_BIN         the emulator under test (grace-system-riscv64, or
                    qemu-system-riscv64 to check the tests themselves)
  GRACE_SOURCE_DIR  the source tree (default: two levels up from here)
  GRACE_BUILD_DIR   the build tree (default: SOURCE/build); the guest is
                    built into BUILD/guest unless GRACE_GUEST_OUT says
                    otherwise
  GRACE_GUEST_DIR   optional cache with a prebuilt kernel (see
                    scripts/build-linux-guest.sh)

A test whose prerequisite is missing (no GRACE_BIN, no firmware package,
no cross compiler...) is skipped with the reason.  Tests marked
grace_only expect behaviour that upstream QEMU does not have (it accepts
some bad files that Grace rejects); against QEMU they are expected to
fail (xfail), and against Grace they are ordinary tests.
"""

import os
import pathlib
import signal
import subprocess

import pytest

from machine import Machine

HERE = pathlib.Path(__file__).resolve().parent
SOURCE_DIR = pathlib.Path(os.environ.get("GRACE_SOURCE_DIR", HERE.parent.parent))
BUILD_DIR = pathlib.Path(os.environ.get("GRACE_BUILD_DIR",
                                        SOURCE_DIR / "build"))

OPENSBI_DIR = pathlib.Path("/usr/lib/riscv64-linux-gnu/opensbi/generic")
FW_DYNAMIC = OPENSBI_DIR / "fw_dynamic.bin"
FW_JUMP = OPENSBI_DIR / "fw_jump.bin"
UBOOT_SMODE = pathlib.Path("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin")

def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    # meson ends a test that runs out of time with SIGTERM.  Python's
    # default action would end the process on the spot, leaving behind the
    # emulators it started (each in a session of its own); as an interrupt
    # it unwinds instead, and every Machine kills its emulator on the way.
    signal.signal(signal.SIGTERM, _interrupt)
    config.addinivalue_line(
        "markers", "grace_only(reason): Grace rejects or does what upstream "
        "QEMU does not; xfail when GRACE_BIN is upstream QEMU")


def emulator_version(binary):
    try:
        out = subprocess.run([binary, "-version"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout + out.stderr


def is_upstream_qemu(binary):
    """True if binary is QEMU itself rather than Grace."""
    version = emulator_version(binary)
    return "QEMU" in version and "grace" not in version.lower()


def pytest_collection_modifyitems(config, items):
    binary = os.environ.get("GRACE_BIN")
    if not binary or not any(i.get_closest_marker("grace_only")
                             for i in items):
        return
    if not is_upstream_qemu(binary):
        return
    for item in items:
        marker = item.get_closest_marker("grace_only")
        if marker:
            reason = marker.args[0] if marker.args else "Grace-only behaviour"
            item.add_marker(pytest.mark.xfail(
                reason=f"upstream QEMU: {reason}", strict=False))


class Emulator:
    def __init__(self, path):
        self.path = str(path)
        self.name = os.path.basename(self.path)


@pytest.fixture(scope="session")
def emulator():
    binary = os.environ.get("GRACE_BIN")
    if not binary:
        pytest.skip("GRACE_BIN is not set (the emulator to test)")
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.fail(f"GRACE_BIN={binary} is not an executable file")
    return Emulator(binary)


class Guest:
    """The artefacts of scripts/build-linux-guest.sh."""

    def __init__(self, outdir, image="Image"):
        self.dir = pathlib.Path(outdir)
        self.image = self.dir / image
        self.initramfs = self.dir / "initramfs.cpio.gz"
        self.disk = self.dir / "disk.img"
        self.payload = self.dir / "sbi-hello.bin"
        # OpenSBI 1.3 or later: what linux_args boots Linux with (Debian
        # 12's 1.1 can lose a secondary hart; build-linux-guest.sh says
        # how).
        self.firmware = self.dir / "opensbi-fw_dynamic.bin"


def build_guest(*targets, image="Image"):
    outdir = os.environ.get("GRACE_GUEST_OUT") or str(BUILD_DIR / "guest")
    script = SOURCE_DIR / "scripts" / "build-linux-guest.sh"
    proc = subprocess.run([str(script), "-o", outdir] + list(targets),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode == 77:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    if proc.returncode != 0:
        pytest.fail(f"{script} failed with status {proc.returncode}:\n"
                    f"{proc.stdout}")
    return Guest(outdir, image)


@pytest.fixture(scope="session")
def guest():
    """Kernel, initramfs, U-Boot disk (built or taken from the cache) and
    the firmware for SMP boots."""
    return build_guest("kernel", "initramfs", "disk", "firmware")


@pytest.fixture(scope="session")
def guest612():
    """Linux 6.12 with memory hot-plug and virtio-mem, and the initramfs."""
    return build_guest("kernel-6.12", "initramfs", "firmware",
                       image="Image-6.12")


@pytest.fixture(scope="session")
def payload():
    """The raw S-mode program tests/guest/sbi-hello.S."""
    return build_guest("payload").payload


def need_file(path, package):
    if not path.is_file():
        pytest.skip(f"{path} is missing (Debian package {package})")
    return str(path)


@pytest.fixture(scope="session")
def fw_dynamic():
    return need_file(FW_DYNAMIC, "opensbi")


@pytest.fixture(scope="session")
def fw_jump():
    return need_file(FW_JUMP, "opensbi")


@pytest.fixture(scope="session")
def uboot_smode():
    return need_file(UBOOT_SMODE, "u-boot-qemu")


@pytest.fixture
def machine(emulator, tmp_path):
    """Factory: machine(args, **kwargs) -> a launched Machine.  Every
    machine is killed when the test ends, whatever happened."""
    made = []

    def make(args, launch=True, **kwargs):
        kwargs.setdefault("name", f"vm{len(made)}")
        vm = Machine(emulator.path, args, workdir=tmp_path, **kwargs)
        made.append(vm)
        if launch:
            vm.launch()
        return vm

    yield make
    # Kill them all before reporting the first failure (a sanitizer
    # report, say) of any.
    errors = []
    for vm in made:
        try:
            vm.kill()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
