"""Device tests through qtest: the virt board's UART, RTC, PLIC, CLINT and
a virtio-rng driven from this test over QEMU's qtest protocol, with
-qtest and -accel qtest (no guest code runs, and the virtual clock moves
only when the test says so), plus the protocol's refusals and the
command line's.

Against upstream QEMU (GRACE_BIN=qemu-system-riscv64), which checks the
client and the tests: Debian's QEMU 7.2 is built without the qtest
accelerator, so the machine runs stopped (-S) and the clock tests are
expected failures (grace_only); so are the interrupt tests, which name
lines by their device-tree path (irq_intercept_out /soc/plic@c000000...)
where QEMU uses QOM paths, and the refusals, which QEMU meets with an
assertion failure.
"""

import struct
import time

import pytest

from conftest import is_upstream_qemu
from machine import run_emulator
from qtest import QTestError

UART = 0x10000000
RTC = 0x101000
CLINT = 0x2000000
PLIC = 0xc000000
VIRTIO = 0x10001000
RAM = 0x80000000

UART_PATH = "/soc/serial@10000000"
RTC_PATH = "/soc/rtc@101000"
PLIC_PATH = "/soc/plic@c000000"
CLINT_PATH = "/soc/clint@2000000"

NS_PER_TICK = 100           # the CLINT counts at 10 MHz


@pytest.fixture
def qt_machine(machine, emulator):
    """A virt machine driven by qtest; the console is its stdio."""
    mode = "stopped" if is_upstream_qemu(emulator.path) else True

    def make(extra=()):
        return machine(["-M", "virt", "-bios", "none"] + list(extra),
                       qtest=mode)
    return make


@pytest.fixture
def vm(qt_machine):
    return qt_machine()


def test_memory(vm):
    qt = vm.qtest
    assert qt.cmd("endianness") == "little"
    qt.writeq(RAM, 0x0807060504030201)
    assert qt.readl(RAM + 4) == 0x08070605
    assert qt.memread(RAM + 1, 3) == b"\x02\x03\x04"
    qt.memwrite(RAM + 0x100, b"grace")
    assert qt.b64read(RAM + 0x100, 5) == b"grace"
    qt.b64write(RAM + 0x108, b"qtest")
    assert qt.memread(RAM + 0x100, 13) == b"grace\0\0\0qtest"
    qt.memset(RAM + 0x200, 4, 0xa5)
    assert qt.readl(RAM + 0x200) == 0xa5a5a5a5
    assert qt.readl(VIRTIO) == 0x74726976           # "virt", an MMIO read


@pytest.mark.grace_only("no qtest accelerator in Debian's QEMU")
def test_clock(vm):
    qt = vm.qtest
    # The virtual clock is the test's: it does not move by itself...
    t0 = qt.clock_step(0)
    time.sleep(0.05)
    assert qt.clock_step(0) == t0
    # ...and moves exactly as asked, never back.
    assert qt.clock_step(12345) == t0 + 12345
    assert qt.clock_set(t0) == t0 + 12345
    assert qt.clock_set(t0 + 20000) == t0 + 20000


@pytest.mark.grace_only("QEMU asserts on malformed requests")
def test_refusals_leave_the_session_working(vm):
    qt = vm.qtest
    for request, prefix in [("frobnicate", "FAIL"), ("readl", "ERR"),
                            ("readl zz", "ERR"), ("read 0x80000000 0", "ERR"),
                            ("write 0x80000000 2 0x1", "ERR"),
                            ("clock_step -1", "ERR")]:
        reply = qt.cmd_raw(request)
        assert reply.startswith(prefix), (request, reply)
        with pytest.raises(QTestError):
            qt.cmd(request)
    qt.writel(RAM, 0x12345678)
    assert qt.readl(RAM) == 0x12345678


@pytest.mark.grace_only("no qtest accelerator in Debian's QEMU")
def test_clint_timer_with_clock_step(vm):
    qt = vm.qtest
    mtime0 = qt.readq(CLINT + 0xbff8)
    assert qt.readq(CLINT + 0xbff8) == mtime0       # time stands still
    qt.writeq(CLINT + 0x4000, mtime0 + 1000)        # mtimecmp, 100 us on
    # clock_step without an argument goes to that deadline, exactly.
    now = qt.clock_step()
    assert qt.readq(CLINT + 0xbff8) == mtime0 + 1000
    assert now % NS_PER_TICK == 0


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_clint_lines(vm):
    qt = vm.qtest
    qt.irq_intercept_out(CLINT_PATH)
    mtime = qt.readq(CLINT + 0xbff8)
    qt.writeq(CLINT + 0x4000, mtime + 500)
    assert qt.get_irq(1) == 0                       # MTIP of hart 0
    qt.clock_step(500 * NS_PER_TICK - 1)
    assert qt.get_irq(1) == 0, "MTIP before mtimecmp"
    qt.clock_step(1)
    assert qt.get_irq(1) == 1, "no MTIP at mtimecmp"
    qt.writeq(CLINT + 0x4000, 2**64 - 1)
    assert qt.get_irq(1) == 0
    qt.writel(CLINT, 1)                             # msip of hart 0
    assert qt.get_irq(0) == 1
    qt.writel(CLINT, 0)
    assert qt.get_irq(0) == 0
    assert qt.irq_events == [("raise", 1), ("lower", 1), ("raise", 0),
                             ("lower", 0)]


def test_uart_transmits_to_the_console(vm):
    qt = vm.qtest
    qt.writeb(UART + 3, 0x03)                       # LCR: 8N1
    for c in b"hello from qtest\n":
        assert qt.readb(UART + 5) & 0x20            # LSR.THRE
        qt.writeb(UART, c)
    vm.wait_console("hello from qtest", timeout=10)


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_uart_interrupts(vm):
    qt = vm.qtest
    qt.irq_intercept_out(UART_PATH)
    qt.writeb(UART + 3, 0x03)
    qt.writeb(UART + 1, 0x02)                       # IER: THRE
    assert qt.get_irq(0) == 1
    assert qt.readb(UART + 2) & 0x0f == 0x02        # IIR: THRE
    assert qt.get_irq(0) == 0                       # reading IIR clears it
    qt.writeb(UART + 1, 0x01)                       # IER: received data
    assert qt.get_irq(0) == 0
    vm.send_console("z")
    qt.wait_irq(0, 1)
    assert qt.readb(UART + 5) & 0x01                # LSR.DR
    assert qt.readb(UART) == ord("z")
    assert qt.get_irq(0) == 0


def rtc_time(qt):
    low = qt.readl(RTC)
    return qt.readl(RTC + 4) << 32 | low


def test_rtc_time(vm):
    qt = vm.qtest
    assert abs(rtc_time(qt) - time.time_ns()) < 5 * 10**9
    target = 1_000_000_000 * 10**9                  # 2001-09-09
    qt.writel(RTC + 4, target >> 32)
    qt.writel(RTC, target & 0xffffffff)
    assert 0 <= rtc_time(qt) - target < 5 * 10**9


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_rtc_alarm_interrupt(vm):
    qt = vm.qtest
    qt.irq_intercept_out(RTC_PATH)
    qt.writel(RTC + 0x10, 1)                        # IRQ_ENABLED
    when = rtc_time(qt) + 2 * 10**6                 # in 2 ms of host time
    qt.writel(RTC + 0x0c, when >> 32)
    qt.writel(RTC + 0x08, when & 0xffffffff)
    qt.wait_irq(0, 1)                               # the host clock's timer
    assert rtc_time(qt) >= when
    qt.writel(RTC + 0x1c, 1)                        # CLEAR_INTERRUPT
    assert qt.get_irq(0) == 0


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_plic_routes_the_uart(vm):
    qt = vm.qtest
    qt.irq_intercept_out(PLIC_PATH)
    qt.writel(PLIC + 4 * 10, 1)                     # source 10 (UART): prio 1
    qt.writel(PLIC + 0x2080, 1 << 10)               # context 1 (S) enables
    qt.writel(PLIC + 0x201000, 0)                   # context 1 threshold
    assert qt.get_irq(1) == 0
    qt.writeb(UART + 1, 0x02)                       # UART: THRE interrupt
    assert qt.get_irq(1) == 1
    assert qt.get_irq(0) == 0                       # M context not enabled
    assert qt.readl(PLIC + 0x201004) == 10          # claim
    assert qt.get_irq(1) == 0
    qt.writeb(UART + 1, 0x00)                       # the line goes low
    qt.writel(PLIC + 0x201004, 10)                  # complete
    assert qt.get_irq(1) == 0
    assert qt.readl(PLIC + 0x201004) == 0           # nothing pending


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_plic_priority_and_threshold(vm):
    qt = vm.qtest
    qt.irq_intercept_out(PLIC_PATH)
    qt.writel(PLIC + 4 * 5, 2)
    qt.writel(PLIC + 0x2000, 1 << 5)                # context 0 (M)
    qt.set_irq_in(PLIC_PATH, 5, 1)                  # source 5's line high
    assert qt.get_irq(0) == 1
    qt.writel(PLIC + 0x200000, 2)                   # threshold = priority
    assert qt.get_irq(0) == 0
    qt.writel(PLIC + 0x200000, 1)
    assert qt.get_irq(0) == 1
    assert qt.readl(PLIC + 0x200004) == 5           # claim
    assert qt.get_irq(0) == 0
    qt.writel(PLIC + 0x200004, 5)                   # complete: still high,
    assert qt.get_irq(0) == 1                       # so pending again
    qt.set_irq_in(PLIC_PATH, 5, 0)                  # a level source: gone
    assert qt.get_irq(0) == 0
    assert qt.readl(PLIC + 0x200004) == 0


def find_virtio(qt, device_id):
    for slot in range(8):
        base = VIRTIO + 0x1000 * slot
        if qt.readl(base + 0x008) == device_id:
            return base
    pytest.fail(f"no virtio device {device_id}")


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_virtio_rng_request(qt_machine):
    vm = qt_machine(["-device", "virtio-rng-device",
                     "-global", "virtio-mmio.force-legacy=false"])
    qt = vm.qtest
    base = find_virtio(qt, 4)
    qt.irq_intercept_out(f"/soc/virtio_mmio@{base:x}")
    desc, avail, used, buf = RAM + 0x1000, RAM + 0x2000, RAM + 0x3000, \
        RAM + 0x4000
    assert qt.readl(base) == 0x74726976             # "virt"
    assert qt.readl(base + 0x004) == 2
    qt.writel(base + 0x070, 0)
    qt.writel(base + 0x070, 1)                      # ACKNOWLEDGE
    qt.writel(base + 0x070, 3)                      # DRIVER
    qt.writel(base + 0x024, 1)
    qt.writel(base + 0x020, 1)                      # VIRTIO_F_VERSION_1
    qt.writel(base + 0x024, 0)
    qt.writel(base + 0x020, 0)
    qt.writel(base + 0x070, 0xb)                    # FEATURES_OK
    assert qt.readl(base + 0x070) == 0xb
    qt.writel(base + 0x030, 0)
    qt.writel(base + 0x038, 4)
    for reg, addr in ((0x080, desc), (0x090, avail), (0x0a0, used)):
        qt.writel(base + reg, addr & 0xffffffff)
        qt.writel(base + reg + 4, addr >> 32)
    qt.writel(base + 0x044, 1)                      # QueueReady
    qt.writel(base + 0x070, 0xf)                    # DRIVER_OK
    qt.memwrite(desc, struct.pack("<QIHH", buf, 32, 2, 0))   # WRITE
    qt.memwrite(avail, struct.pack("<HHH", 0, 1, 0))
    qt.writel(base + 0x050, 0)                      # QueueNotify
    assert qt.get_irq(0) == 1
    used_idx, head, length = struct.unpack("<2xHII",
                                           qt.memread(used, 12))
    assert (used_idx, head, length) == (1, 0, 32)
    assert qt.memread(buf, 32) != bytes(32)         # 2^-256: filled
    assert qt.readl(base + 0x060) == 1              # InterruptStatus
    qt.writel(base + 0x064, 1)                      # InterruptACK
    assert qt.get_irq(0) == 0


@pytest.mark.grace_only("interrupt lines named by device-tree path")
def test_irq_intercept_errors(vm):
    qt = vm.qtest
    with pytest.raises(QTestError, match="Unknown device"):
        qt.irq_intercept_out("/soc/nothing@0")
    with pytest.raises(QTestError, match="has no input lines"):
        qt.irq_intercept_in(UART_PATH)
    qt.irq_intercept_out(UART_PATH)
    with pytest.raises(QTestError, match="already enabled"):
        qt.irq_intercept_out(RTC_PATH)


@pytest.mark.grace_only("Grace's own messages")
@pytest.mark.parametrize("args,needle", [
    (["-qtest", "unix:/nonexistent/dir/sock"], "/nonexistent/dir/sock"),
    (["-qtest", "none"], "qtest"),
    (["-qtest", "null", "-qtest", "null"], "only one -qtest"),
    (["-qtest", "null", "-accel", "qtest", "-accel", "qtest"],
     "only one -accel"),
    (["-accel", "qtest,thread=single"], "thread"),
])
def test_qtest_command_line_errors(emulator, args, needle):
    proc = run_emulator(emulator.path, ["-M", "virt", "-bios", "none"] + args,
                        timeout=20)
    assert proc.returncode == 1, proc.stderr
    assert needle in proc.stderr, proc.stderr
