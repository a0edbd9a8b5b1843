"""A small client of QEMU's qtest protocol, for device tests.

The emulator, started with -qtest unix:PATH -accel qtest (no guest code
runs, and the test owns the virtual clock), connects to a socket the test
listens on, as QEMU's libqtest arranges it.  Requests are lines of
words; each gets one reply line, "OK[ VALUE]", or "FAIL ..." / "ERR ..."
(QTestError here).  Lines "IRQ raise N" / "IRQ lower N" for intercepted
interrupt lines may come at any time; the client records the last level
of each line as they arrive, and keeps them in order in .irq_events.

    server = QTestServer()            # listens on a fresh unix socket
    ... start the emulator with server.args() ...
    qt = server.accept(timeout=30)
    qt.writel(0x10000000, 0x41)
    assert qt.readb(0x10000005) & 0x20
    qt.irq_intercept_out("/soc/serial@10000000")
    qt.clock_step(1000)

See docs/devel/qtest.rst for the commands.
"""

import base64
import os
import socket
import tempfile
import time


class QTestError(Exception):
    """The server refused a request (FAIL or ERR reply)."""

    def __init__(self, request, reply):
        self.request = request
        self.reply = reply
        super().__init__(f"{request!r}: {reply}")


class QTestProtocolError(Exception):
    """The connection broke, or the server sent something unexpected."""


class QTestServer:
    """The listening end: a unix socket in a private temporary directory
    (sun_path is short, so not under pytest's long paths)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="grace-qtest-")
        self.path = os.path.join(self.dir, "qtest.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)

    def args(self, accel=True):
        """The emulator's options that make it connect here, with the
        accelerator that runs no guest code; accel=False runs the machine
        stopped instead (-S), for an emulator built without it (Debian's
        QEMU), where the clock commands are then refused."""
        return ["-qtest", f"unix:{self.path}"] + \
            (["-accel", "qtest"] if accel else ["-S"])

    def accept(self, timeout=30.0, alive=None):
        """Wait for the emulator to connect; alive() (if given) says
        whether it still runs, so that a failed start is seen at once."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        while True:
            try:
                conn, _ = self.sock.accept()
                break
            except socket.timeout:
                if alive is not None and not alive():
                    raise QTestProtocolError("the emulator exited before "
                                             "connecting") from None
                if time.monotonic() >= deadline:
                    raise QTestProtocolError(
                        f"no connection on {self.path} after {timeout} s"
                    ) from None
        return QTestClient(conn)

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
            os.rmdir(self.dir)
        except OSError:
            pass


class QTestClient:
    def __init__(self, sock, timeout=30.0):
        self.sock = sock
        self.timeout = timeout
        self.irq_levels = {}
        self.irq_events = []
        self._rbuf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    # -- the wire ------------------------------------------------------

    def _read_line(self, deadline):
        while b"\n" not in self._rbuf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QTestProtocolError("no reply in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise QTestProtocolError("no reply in time") from None
            if not data:
                raise QTestProtocolError("the emulator closed the "
                                         "connection")
            self._rbuf += data
        line, self._rbuf = self._rbuf.split(b"\n", 1)
        return line.decode("ascii")

    def _note_irq(self, line):
        words = line.split()
        if len(words) != 3 or words[1] not in ("raise", "lower"):
            raise QTestProtocolError(f"bad IRQ line {line!r}")
        n, level = int(words[2]), int(words[1] == "raise")
        self.irq_levels[n] = level
        self.irq_events.append((words[1], n))

    def cmd_raw(self, request, timeout=None):
        """Send one request line, return its reply line (any kind)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self.sock.sendall(request.encode("ascii") + b"\n")
        while True:
            line = self._read_line(deadline)
            if line.startswith("IRQ "):
                self._note_irq(line)
                continue
            return line

    def cmd(self, request, timeout=None):
        """Send a request; return what follows OK ("" if nothing)."""
        reply = self.cmd_raw(request, timeout)
        if reply == "OK":
            return ""
        if reply.startswith("OK "):
            return reply[3:]
        raise QTestError(request, reply)

    # -- memory --------------------------------------------------------

    def _read(self, width, addr):
        return int(self.cmd(f"read{width} {addr:#x}"), 16)

    def readb(self, addr):
        return self._read("b", addr)

    def readw(self, addr):
        return self._read("w", addr)

    def readl(self, addr):
        return self._read("l", addr)

    def readq(self, addr):
        return self._read("q", addr)

    def writeb(self, addr, value):
        self.cmd(f"writeb {addr:#x} {value:#x}")

    def writew(self, addr, value):
        self.cmd(f"writew {addr:#x} {value:#x}")

    def writel(self, addr, value):
        self.cmd(f"writel {addr:#x} {value:#x}")

    def writeq(self, addr, value):
        self.cmd(f"writeq {addr:#x} {value:#x}")

    def memread(self, addr, size):
        hexdata = self.cmd(f"read {addr:#x} {size}")
        return bytes.fromhex(hexdata[2:])

    def memwrite(self, addr, data):
        self.cmd(f"write {addr:#x} {len(data)} 0x{bytes(data).hex()}")

    def b64read(self, addr, size):
        return base64.b64decode(self.cmd(f"b64read {addr:#x} {size}"))

    def b64write(self, addr, data):
        enc = base64.b64encode(bytes(data)).decode("ascii")
        self.cmd(f"b64write {addr:#x} {len(data)} {enc}")

    def memset(self, addr, size, value):
        self.cmd(f"memset {addr:#x} {size} {value:#x}")

    # -- clock ---------------------------------------------------------

    def clock_step(self, ns=None):
        """Advance the virtual clock by ns, or to the next deadline;
        returns the clock (ns)."""
        return int(self.cmd("clock_step" if ns is None
                            else f"clock_step {ns}"))

    def clock_set(self, ns):
        return int(self.cmd(f"clock_set {ns}"))

    # -- interrupts ----------------------------------------------------

    def irq_intercept_in(self, path):
        self.cmd(f"irq_intercept_in {path}")

    def irq_intercept_out(self, path):
        self.cmd(f"irq_intercept_out {path}")

    def set_irq_in(self, path, n, level, name="unnamed-gpio-in"):
        self.cmd(f"set_irq_in {path} {name} {n} {level}")

    def get_irq(self, n):
        """The last level reported for intercepted line n (0 if none)."""
        return self.irq_levels.get(n, 0)

    def wait_irq(self, n, level=1, timeout=10.0):
        """Poll (with a no-op request) until line n reaches level: for
        interrupts that host-clock timers raise."""
        deadline = time.monotonic() + timeout
        while self.get_irq(n) != level:
            if time.monotonic() >= deadline:
                raise QTestProtocolError(f"IRQ {n} never went to {level}")
            self.cmd("endianness")
            time.sleep(0.01)
