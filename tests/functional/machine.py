"""Run the emulator under test as a child process and drive it.

A Machine starts the emulator (Grace, or upstream QEMU for comparison:
both take the same command line) with -nographic, so the serial console is
the process's stdin/stdout, and with a QMP socket.  It records the console
in a file as it arrives and lets a test

- wait for console text (a string or a regular expression) with a timeout;
  waits consume the console, so successive waits see later output;
- type on the console;
- talk QMP (machine.qmp is a connected, negotiated QMPClient);
- with qtest=True, drive the devices through the qtest protocol
  (machine.qtest is a connected QTestClient; the emulator runs with
  -qtest and -accel qtest: no guest code, the test owns the clock;
  qtest="stopped" uses -S instead of the accelerator);
- wait for the process to exit and get its exit status.

The process is always gone after shutdown()/kill() or leaving a `with`
block (first politely with QMP quit, then SIGTERM, then SIGKILL), and at
the latest when the Machine is garbage-collected or Python exits.

    with Machine(binary, ["-bios", "default", "-kernel", image],
                 workdir=tmp_path) as vm:
        vm.launch()
        vm.wait_console("GRACE-INIT: shell ready")
        vm.console_command("poweroff")
        assert vm.wait_exit() == 0

In a sanitizer build, a sanitizer report on the emulator's stderr fails
the test (SanitizerReport) when the Machine finishes or run_emulator
returns, even where the test expected the emulator to fail: the
sanitizers abort the process on their first report (meson's test setup),
and this catches what an expected failure could hide.

Environment:
  GRACE_TEST_EXTRA_ARGS    more arguments for every launch (shell words),
                           e.g. options only a peer emulator needs
  GRACE_TEST_TCG_OPTS      options for TCG in every launch that uses it,
                           e.g. jit=off: added to the launch's own
                           -accel tcg,... or as -accel tcg,OPTS first
  GRACE_TEST_TIMEOUT_SCALE multiply every timeout (slow hosts, debug builds)
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref

from qmp import QMPClient, QMPError, QMPProtocolError, QMPTimeout
from qtest import QTestServer


def timeout_scale():
    try:
        return max(float(os.environ.get("GRACE_TEST_TIMEOUT_SCALE", "1")), 0.1)
    except ValueError:
        return 1.0


def extra_args():
    return shlex.split(os.environ.get("GRACE_TEST_EXTRA_ARGS", ""))


def with_tcg_opts(args):
    """args with GRACE_TEST_TCG_OPTS added to its TCG accelerator (only
    one -accel is allowed); a launch with another accelerator is left
    alone."""
    opts = os.environ.get("GRACE_TEST_TCG_OPTS")
    args = list(args)
    if not opts:
        return args
    for i, arg in enumerate(args[:-1]):
        if arg == "-accel":
            accel = args[i + 1]
            if accel == "tcg" or accel.startswith("tcg,"):
                args[i + 1] = f"{accel},{opts}"
            return args
    # In front: a command-line test may end with an option missing its
    # value, which an option after it would supply.
    return ["-accel", f"tcg,{opts}"] + args


class MachineError(Exception):
    """The emulator did not do what the test waited for."""


class SanitizerReport(MachineError):
    """ASan, LSan, UBSan or TSan reported a bug in the emulator."""


# The first line of each sanitizer's report.
SANITIZER_REPORT = re.compile(
    r"^(?:==\d+==ERROR: \w+Sanitizer|WARNING: ThreadSanitizer:|"
    r".*:\d+:\d+: runtime error: )", re.MULTILINE)


def check_sanitizer_report(stderr, what):
    """Raise SanitizerReport if stderr holds a sanitizer's report."""
    m = SANITIZER_REPORT.search(stderr)
    if m:
        raise SanitizerReport(f"{what}: a sanitizer reported a bug:\n"
                              f"{stderr[m.start():m.start() + 8000]}")


class Machine:
    def __init__(self, binary, args=(), workdir=None, name="vm", qmp=True,
                 qmp_transport="unix", qmp_connect=True, console=True,
                 qtest=False):
        self.binary = binary
        self.args = list(args)
        self.name = name
        self.use_qmp = qmp
        self.qmp_transport = qmp_transport
        self.qmp_connect = qmp_connect
        self.use_console = console
        # Logs go to workdir; a temporary one is removed again by kill().
        self._own_workdir = workdir is None
        self.workdir = str(workdir) if workdir else tempfile.mkdtemp(
            prefix="grace-machine-")
        self.console_log_path = os.path.join(self.workdir,
                                             f"{name}-console.log")
        self.stderr_path = os.path.join(self.workdir, f"{name}-stderr.log")
        self.qmp = None
        self.qmp_address = None
        self.use_qtest = qtest
        self.qtest = None
        self._qtest_server = None
        self.proc = None
        self.returncode = None
        self._sockdir = None
        self._console = bytearray()
        self._console_pos = 0
        self._console_eof = False
        self._cond = threading.Condition()
        self._reader = None
        self._stderr_file = None
        self._sanitizers_checked = False

    # -- life cycle ----------------------------------------------------

    def command_line(self):
        cmd = [self.binary]
        if self.use_console:
            cmd.append("-nographic")
        else:
            cmd += ["-display", "none"]
        if self.use_qtest:
            self._qtest_server = QTestServer()
            cmd += self._qtest_server.args(accel=self.use_qtest != "stopped")
        if self.use_qmp:
            if self.qmp_transport == "unix":
                # sun_path is short (108 bytes): keep the socket out of
                # pytest's long temporary paths.
                self._sockdir = tempfile.mkdtemp(prefix="grace-qmp-")
                self.qmp_address = os.path.join(self._sockdir, "qmp.sock")
                cmd += ["-qmp", f"unix:{self.qmp_address},server,wait=off"]
            else:
                port = free_tcp_port()
                self.qmp_address = ("127.0.0.1", port)
                cmd += ["-qmp", f"tcp:127.0.0.1:{port},server,wait=off"]
        return cmd + with_tcg_opts(self.args) + extra_args()

    def launch(self, connect_timeout=30):
        """Start the emulator; with QMP, also connect and negotiate
        (unless qmp_connect=False: the test then connects to
        qmp_address itself)."""
        cmd = self.command_line()
        with open(os.path.join(self.workdir, f"{self.name}-cmdline.txt"),
                  "w") as f:
            f.write(shlex.join(cmd) + "\n")
        self._stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            _die_with_parent() + cmd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr_file,
            cwd=self.workdir, start_new_session=True)
        # Should the test program die without cleaning up, the emulator
        # still goes with it: at exit through this finalizer, killed
        # (a test harness's timeout) through the death signal.
        self._reaper = weakref.finalize(self, _kill_process, self.proc)
        self._reader = threading.Thread(target=self._read_console,
                                        name=f"{self.name}-console",
                                        daemon=True)
        self._reader.start()
        if self.use_qtest:
            # The emulator connects while it sets up, before QMP listens.
            self.qtest = self._qtest_server.accept(
                connect_timeout * timeout_scale(), alive=self.is_running)
        if self.use_qmp and self.qmp_connect:
            self._connect_qmp(connect_timeout * timeout_scale())
        return self

    def _connect_qmp(self, timeout):
        """Connect and negotiate.  A guest may finish and the emulator exit
        before that (a payload that powers off at once): then self.qmp
        stays None and the test goes on to wait_exit() and the console.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                return
            client = QMPClient(self.qmp_address, timeout=timeout)
            try:
                client.open(timeout=0.2)
                break
            except QMPTimeout:
                if time.monotonic() >= deadline:
                    raise MachineError(f"no QMP socket at {self.qmp_address}"
                                       f" after {timeout:.0f} s")
        client.timeout = 30 * timeout_scale()
        try:
            greeting = client.receive()
            if "QMP" not in greeting:
                raise QMPProtocolError(f"expected a greeting, got {greeting}")
            client.greeting = greeting
            client.command("qmp_capabilities")
        except (QMPProtocolError, QMPTimeout, OSError) as exc:
            client.close()
            # Exited meanwhile: not a launch failure (see above).
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                raise exc from None
            return
        self.qmp = client

    def _read_console(self):
        with open(self.console_log_path, "wb") as log:
            while True:
                try:
                    data = os.read(self.proc.stdout.fileno(), 65536)
                except OSError:
                    data = b""
                if data:
                    log.write(data)
                    log.flush()
                with self._cond:
                    if not data:
                        self._console_eof = True
                    else:
                        self._console += data
                    self._cond.notify_all()
                if not data:
                    return

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=60):
        """Wait for the emulator to exit by itself; return its status."""
        try:
            self.returncode = self.proc.wait(timeout * timeout_scale())
        except subprocess.TimeoutExpired:
            raise MachineError(f"the emulator still runs after {timeout} s;"
                               f" console ends with:\n"
                               f"{self.console_tail()}") from None
        self._finish()
        return self.returncode

    def quit(self, timeout=30):
        """QMP quit, then wait for the exit; returns the exit status.
        The emulator may exit before its reply reaches us (over TCP the
        connection is then reset), which is not an error here."""
        try:
            self.qmp.cmd("quit", timeout=timeout)
        except (QMPProtocolError, OSError):
            pass
        return self.wait_exit(timeout)

    def shutdown(self, timeout=10):
        """Stop the emulator: QMP quit, then SIGTERM, then SIGKILL.
        Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None and self.qmp is not None:
            try:
                self.qmp.cmd("quit", timeout=timeout)
            except (QMPError, QMPProtocolError, QMPTimeout, OSError):
                pass
            try:
                self.proc.wait(timeout * timeout_scale())
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        return self.returncode

    def kill(self):
        """Make sure the process is gone (SIGTERM, then SIGKILL)."""
        if self.proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 30)):
            if self.proc.poll() is not None:
                break
            try:
                self.proc.send_signal(sig)
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                break
        self.proc.wait()
        self.returncode = self.proc.returncode
        try:
            self._finish()
        finally:
            if self._own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def _finish(self):
        if self._reader is not None:
            self._reader.join(10)
        if self.qmp is not None:
            self.qmp.close()
        if self.qtest is not None:
            self.qtest.close()
        if self._qtest_server is not None:
            self._qtest_server.close()
            self._qtest_server = None
        for f in (self.proc.stdin, self.proc.stdout, self._stderr_file):
            if f is not None and not f.closed:
                try:
                    f.close()
                except OSError:
                    pass
        if self._sockdir is not None:
            shutil.rmtree(self._sockdir, ignore_errors=True)
            self._sockdir = None
        if not self._sanitizers_checked:
            self._sanitizers_checked = True
            check_sanitizer_report(self.stderr_text(),
                                   f"{self.name} ({shlex.join(self.args)})")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()

    # -- console -------------------------------------------------------

    def console_text(self):
        """Everything the console printed so far."""
        with self._cond:
            return self._console.decode("latin-1")

    def console_tail(self, chars=3000):
        return self.console_text()[-chars:]

    def stderr_text(self):
        if self._stderr_file is not None and not self._stderr_file.closed:
            self._stderr_file.flush()
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_console(self, pattern, timeout=60):
        """Wait until console output not yet consumed matches pattern (a
        str is a literal, re.Pattern a regular expression).  Consumes the
        output up to the end of the match and returns the match."""
        regex = pattern if isinstance(pattern, re.Pattern) \
            else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout * timeout_scale()
        with self._cond:
            while True:
                # latin-1 maps byte i to character i, so the cursor is
                # both a byte and a character offset.
                text = self._console.decode("latin-1")
                m = regex.search(text, self._console_pos)
                if m:
                    self._console_pos = m.end()
                    return m
                if self._console_eof:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 1.0))
        if self._console_eof:
            # The console closes as the process dies: let it finish dying,
            # so that the message below has its status and last words.
            try:
                self.proc.wait(10 * timeout_scale())
            except subprocess.TimeoutExpired:
                pass
        state = ("the emulator exited with status "
                 f"{self.proc.poll()}; stderr:\n{self.stderr_text()}"
                 if self.proc.poll() is not None else "it still runs")
        raise MachineError(f"console never showed {regex.pattern!r} "
                           f"({state}); console ends with:\n"
                           f"{self.console_tail()}")

    @property
    def console_pos(self):
        """How much of the console wait_console has consumed."""
        with self._cond:
            return self._console_pos

    def console_since_mark(self):
        """Console text not yet consumed by wait_console."""
        with self._cond:
            return self._console.decode("latin-1")[self._console_pos:]

    def send_console(self, text):
        """Type text on the serial console."""
        data = text.encode() if isinstance(text, str) else text
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def console_command(self, line):
        """Type a line and press Enter (a carriage return, as a terminal)."""
        self.send_console(line + "\r")


def _die_with_parent():
    """A prefix for an emulator's command line that has the kernel kill it
    when the test program dies, however it dies: a test killed by
    meson's timeout (SIGKILL, no cleanup) would otherwise leave an
    emulator, in its own session, running a guest on a CPU that the
    next tests need.  setpriv is util-linux's, on every Debian system;
    without it, nothing is added."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


def _kill_process(proc):
    """Finalizer of a Machine: the emulator must not outlive the tests."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def free_tcp_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_emulator(binary, args, timeout=60, workdir=None):
    """Run the emulator to completion with -nographic, no console input
    and no QMP (for command-line tests); returns a CompletedProcess with
    text output."""
    try:
        proc = subprocess.run([binary, "-nographic"] +
                              with_tcg_opts(args) + extra_args(),
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=workdir, timeout=timeout * timeout_scale(),
                              text=True, errors="replace")
    except subprocess.TimeoutExpired as exc:
        raise MachineError(f"{shlex.join([binary] + list(args))} still "
                           f"runs after {timeout} s: it accepted the "
                           f"command line; stderr:\n{exc.stderr}") from None
    check_sanitizer_report(proc.stderr, shlex.join([binary] + list(args)))
    return proc
