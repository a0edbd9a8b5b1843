"""A small QMP client for the functional tests.

QMP is the JSON protocol of QEMU's machine monitor, which Grace speaks
too.  The server sends a greeting, {"QMP": {"version": ..., "capabilities":
[...]}}; the client must send qmp_capabilities before any other command.
Every command may carry an "id" that the reply echoes; a reply is
{"return": ...} or {"error": {"class": ..., "desc": ...}}.  Events
({"event": ..., "data": ..., "timestamp": {"seconds", "microseconds"}})
arrive at any time, also between a command and its reply.  Messages are
one JSON object per line.

This client is synchronous: it reads only while a caller waits for a
reply or an event, and it queues the events it reads meanwhile, so a test
can send a command and ask afterwards for the event the command caused.

    with QMPClient("/tmp/qmp.sock") as qmp:       # or ("127.0.0.1", 4444)
        qmp.connect()                             # greeting + negotiation
        qmp.command("stop")
        qmp.wait_event("STOP", timeout=5)
        status = qmp.command("query-status")

For bad-input tests, send_raw() sends arbitrary bytes and receive()
returns whatever comes back.
"""

import json
import socket
import time


class QMPError(Exception):
    """The server answered a command with an error reply."""

    def __init__(self, command, error):
        self.command = command
        self.error_class = error.get("class")
        self.desc = error.get("desc")
        super().__init__(f"{command}: {self.error_class}: {self.desc}")


class QMPProtocolError(Exception):
    """The server broke the protocol: bad JSON, wrong id, lost connection."""


class QMPTimeout(Exception):
    """Nothing (or not the awaited message) arrived in time."""


class QMPClient:
    """A QMP connection over a unix socket (a path) or TCP ((host, port))."""

    def __init__(self, address, timeout=30.0):
        self.address = address
        self.timeout = timeout
        self.greeting = None
        self.events = []
        self._sock = None
        self._rbuf = b""
        self._next_id = 1

    # -- connection ----------------------------------------------------

    def open(self, timeout=None):
        """Connect, retrying until the server listens or timeout passes."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            if isinstance(self.address, str):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            else:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.connect(self.address)
                break
            except (FileNotFoundError, ConnectionRefusedError) as exc:
                sock.close()
                if time.monotonic() >= deadline:
                    raise QMPTimeout(f"cannot connect to {self.address}: "
                                     f"{exc}") from exc
                time.sleep(0.05)
        self._sock = sock

    def connect(self, negotiate=True, timeout=None):
        """Connect, read the greeting and (by default) negotiate."""
        self.open(timeout)
        greeting = self.receive(timeout)
        if "QMP" not in greeting:
            raise QMPProtocolError(f"expected a greeting, got {greeting}")
        self.greeting = greeting
        if negotiate:
            self.command("qmp_capabilities")
        return greeting

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- raw messages --------------------------------------------------

    def send_raw(self, data):
        """Send bytes (or a str) exactly as given, for bad-input tests."""
        if isinstance(data, str):
            data = data.encode()
        self._sock.sendall(data)

    def send(self, message):
        """Send one message (a dict) as a line of JSON."""
        self.send_raw(json.dumps(message) + "\n")

    def _read_line(self, deadline):
        while b"\n" not in self._rbuf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPTimeout("no message from the server in time")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError as exc:
                raise QMPProtocolError("connection reset by the server") \
                    from exc
            if not chunk:
                raise QMPProtocolError("the server closed the connection")
            self._rbuf += chunk
        line, self._rbuf = self._rbuf.split(b"\n", 1)
        return line

    def receive(self, timeout=None):
        """Return the next message from the server, event or not."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            line = self._read_line(deadline).strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError as exc:
                raise QMPProtocolError(f"bad JSON from the server: {line!r}") \
                    from exc
            if not isinstance(message, dict):
                raise QMPProtocolError(f"not a JSON object: {line!r}")
            return message

    def receive_reply(self, timeout=None):
        """Return the next non-event message; queue events read before it."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self.receive(max(deadline - time.monotonic(), 0.001))
            if "event" in message:
                self.events.append(message)
                continue
            return message

    # -- commands ------------------------------------------------------

    def cmd(self, name, arguments=None, timeout=None):
        """Run a command; return the whole reply, error or not."""
        cmd_id = f"grace-{self._next_id}"
        self._next_id += 1
        message = {"execute": name, "id": cmd_id}
        if arguments is not None:
            message["arguments"] = arguments
        self.send(message)
        reply = self.receive_reply(timeout)
        if reply.get("id") != cmd_id:
            raise QMPProtocolError(f"{name}: reply {reply} does not echo "
                                   f"id {cmd_id!r}")
        if "return" not in reply and "error" not in reply:
            raise QMPProtocolError(f"{name}: reply {reply} has neither "
                                   f"return nor error")
        return reply

    def command(self, name, timeout=None, **arguments):
        """Run a command; return its "return" value or raise QMPError."""
        reply = self.cmd(name, arguments or None, timeout)
        if "error" in reply:
            raise QMPError(name, reply["error"])
        return reply["return"]

    def hmp(self, command_line, timeout=None):
        """Run a human monitor command; return its text output."""
        return self.command("human-monitor-command", timeout=timeout,
                            **{"command-line": command_line})

    # -- events --------------------------------------------------------

    def get_events(self):
        """Return and forget the queued events (reading none)."""
        events, self.events = self.events, []
        return events

    def clear_events(self):
        self.events = []

    def wait_event(self, name, timeout=None, match=None):
        """Return the first event called name (whose "data" contains the
        key/value pairs of match, if given), from the queue or the socket.
        Other events stay queued."""
        def wanted(event):
            if event.get("event") != name:
                return False
            data = event.get("data", {})
            return all(data.get(k) == v for k, v in (match or {}).items())

        for i, event in enumerate(self.events):
            if wanted(event):
                return self.events.pop(i)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPTimeout(f"no {name} event in time; queued: "
                                 f"{[e.get('event') for e in self.events]}")
            message = self.receive(left)
            if "event" not in message:
                raise QMPProtocolError(f"unexpected reply {message} while "
                                       f"waiting for {name}")
            if wanted(message):
                return message
            self.events.append(message)
