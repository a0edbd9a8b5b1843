"""Drive gdb (gdb-multiarch) from a test, through its machine interface.

A GdbMI runs gdb with --interpreter=mi3 and sends it the CLI commands a
user would type (MI accepts them, and answers with what the CLI would
have printed) or MI commands where the CLI has no synchronous form
(-exec-continue, -exec-interrupt):

    with GdbMI(workdir=tmp_path, elf=path) as gdb:
        gdb.cli(f"target remote :{port}")
        out = gdb.cli("info registers pc")
        gdb.mi("-exec-continue")
        stop = gdb.wait_stopped()      # {'reason': 'breakpoint-hit', ...}

Everything gdb says is logged to workdir/gdb.log.  Timeouts scale with
GRACE_TEST_TIMEOUT_SCALE, like the Machine's.
"""

import os
import re
import subprocess
import threading
import time

from machine import timeout_scale


class GdbError(Exception):
    """gdb answered ^error, or did not answer in time."""


# A result record, an async record, or a stream record.
RESULT = re.compile(r"^\^(done|running|connected|error|exit)(?:,(.*))?$")
ASYNC = re.compile(r"^[*=](\w[\w-]*)(?:,(.*))?$")
STREAM = re.compile(r'^([~&@])"(.*)"$')
FIELD = re.compile(r'([\w-]+)="((?:[^"\\]|\\.)*)"')


def unquote(s):
    """The text of an MI C string's contents."""
    out = bytearray()
    i = 0
    raw = s.encode("latin-1", "replace")
    while i < len(raw):
        c = raw[i]
        if c == 0x5c and i + 1 < len(raw):          # backslash
            n = chr(raw[i + 1])
            if n in "01234567":
                j = i + 1
                while j < len(raw) and j < i + 4 and chr(raw[j]) in "01234567":
                    j += 1
                out.append(int(raw[i + 1:j], 8) & 0xff)
                i = j
                continue
            out += {"n": b"\n", "t": b"\t", "r": b"\r", "e": b"\x1b"}.get(
                n, n.encode("latin-1"))
            i += 2
            continue
        out.append(c)
        i += 1
    return out.decode("latin-1")


def fields(text):
    """The name="value" pairs of a record (nested tuples flattened)."""
    return {k: unquote(v) for k, v in FIELD.findall(text or "")}


class GdbMI:
    def __init__(self, binary="gdb-multiarch", elf=None, workdir=".",
                 name="gdb"):
        cmd = [binary, "-nx", "-q", "--interpreter=mi3"]
        if elf:
            cmd.append(str(elf))
        self.log = open(os.path.join(str(workdir), f"{name}.log"), "w")
        self.log.write("$ " + " ".join(cmd) + "\n")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._lines = []
        self._cond = threading.Condition()
        self._eof = False
        self._stops = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_prompt(30)
        # Commands while the target runs (-exec-interrupt): async MI.
        self.mi("-gdb-set mi-async on")

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("latin-1").rstrip("\r\n")
            with self._cond:
                self.log.write(line + "\n")
                self.log.flush()
                m = ASYNC.match(line)
                if m and line.startswith("*") and m.group(1) == "stopped":
                    self._stops.append(fields(m.group(2)))
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _next_line(self, deadline):
        with self._cond:
            while not self._lines:
                left = deadline - time.monotonic()
                if self._eof:
                    raise GdbError("gdb exited")
                if left <= 0:
                    raise GdbError("gdb did not answer in time")
                self._cond.wait(min(left, 1.0))
            return self._lines.pop(0)

    def _wait_prompt(self, timeout):
        deadline = time.monotonic() + timeout * timeout_scale()
        while self._next_line(deadline) != "(gdb) ":
            pass

    def _send(self, line):
        with self._cond:
            self.log.write(f"<<< {line}\n")
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def mi(self, line, timeout=60, allow_error=False):
        """Send one command; return (result class, result fields, the
        console text it printed)."""
        deadline = time.monotonic() + timeout * timeout_scale()
        console = []
        self._send(line)
        while True:
            text = self._next_line(deadline)
            m = STREAM.match(text)
            if m:
                if m.group(1) in "~@":
                    console.append(unquote(m.group(2)))
                continue
            m = RESULT.match(text)
            if m:
                break
        cls, rest = m.group(1), fields(m.group(2))
        self._wait_prompt(timeout)
        out = "".join(console)
        if cls == "error" and not allow_error:
            raise GdbError(f"{line!r}: {rest.get('msg', '')}\n{out}")
        return cls, rest, out

    def cli(self, line, timeout=60, allow_error=False):
        """A CLI command, as typed; returns what it printed.  An error
        raises, unless allow_error, when the message is returned."""
        cls, rest, out = self.mi(line, timeout, allow_error)
        if cls == "error":
            return rest.get("msg", "")
        return out

    def wait_stopped(self, timeout=60):
        """The next *stopped record's fields (reason, frame's func...)."""
        deadline = time.monotonic() + timeout * timeout_scale()
        with self._cond:
            while not self._stops:
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise GdbError("gdb reported no stop")
                self._cond.wait(min(left, 1.0))
            return self._stops.pop(0)

    def pending_stops(self):
        with self._cond:
            return list(self._stops)

    def close(self):
        if self.proc.poll() is None:
            try:
                self._send("-gdb-exit")
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._reader.join(10)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
