"""The QMP monitor: greeting, negotiation, commands, errors and events.

Most tests run a machine frozen at start (-S) behind OpenSBI, which is
enough for the monitor; the last ones let a guest run and shut down.
"""

import os
import shutil
import tempfile
import time

import pytest

from machine import Machine
from qmp import QMPClient, QMPError

REQUIRED_COMMANDS = {
    "qmp_capabilities", "query-version", "query-status", "query-name",
    "query-commands", "query-cpus-fast", "query-memory-size-summary",
    "stop", "cont", "system_reset", "system_powerdown", "quit",
    "human-monitor-command",
}


@pytest.fixture
def frozen(machine, fw_dynamic):
    """A machine stopped before its first instruction."""
    return machine(["-M", "virt", "-m", "256M", "-bios", fw_dynamic, "-S",
                    "-name", "grace-qmp-test"])


def assert_timestamp(event):
    ts = event["timestamp"]
    assert isinstance(ts["seconds"], int) and isinstance(ts["microseconds"],
                                                         int)
    assert 0 <= ts["microseconds"] < 1000000
    # The host's wall clock, give or take a minute.
    assert abs(ts["seconds"] - time.time()) < 60


def test_greeting_and_version(frozen):
    greeting = frozen.qmp.greeting["QMP"]
    assert isinstance(greeting["capabilities"], list)
    version = frozen.qmp.command("query-version")
    assert greeting["version"] == version
    for part in ("major", "minor", "micro"):
        assert isinstance(version["qemu"][part], int)
    assert isinstance(version["package"], str)


def test_negotiation_is_required(machine, fw_dynamic):
    vm = machine(["-M", "virt", "-bios", fw_dynamic, "-S"], qmp_connect=False)
    with QMPClient(vm.qmp_address) as qmp:
        qmp.connect(negotiate=False)
        reply = qmp.cmd("query-status")
        assert reply["error"]["class"] == "CommandNotFound"
        qmp.command("qmp_capabilities")
        assert qmp.command("query-status")["status"] == "prelaunch"
        # Negotiating twice is an error too.
        assert "error" in qmp.cmd("qmp_capabilities")


def test_queries(frozen):
    qmp = frozen.qmp
    status = qmp.command("query-status")
    assert status["status"] == "prelaunch" and status["running"] is False
    assert qmp.command("query-name") == {"name": "grace-qmp-test"}
    cpus = qmp.command("query-cpus-fast")
    assert [c["cpu-index"] for c in cpus] == [0]
    memory = qmp.command("query-memory-size-summary")
    assert memory["base-memory"] == 256 * 1024 * 1024
    names = {c["name"] for c in qmp.command("query-commands")}
    missing = REQUIRED_COMMANDS - names
    assert not missing, f"query-commands lacks {missing}"


def test_query_name_without_name(machine, fw_dynamic):
    vm = machine(["-M", "virt", "-bios", fw_dynamic, "-S"])
    assert vm.qmp.command("query-name") == {}


def test_stop_cont_events(frozen):
    qmp = frozen.qmp
    qmp.command("cont")
    assert_timestamp(qmp.wait_event("RESUME", 10))
    assert qmp.command("query-status")["status"] == "running"
    qmp.command("stop")
    assert_timestamp(qmp.wait_event("STOP", 10))
    status = qmp.command("query-status")
    assert status["status"] == "paused" and status["running"] is False
    qmp.command("cont")
    qmp.wait_event("RESUME", 10)
    assert qmp.command("query-status")["running"] is True


def test_reset_and_powerdown_events(frozen):
    qmp = frozen.qmp
    qmp.command("cont")
    qmp.wait_event("RESUME", 10)
    qmp.command("system_reset")
    event = qmp.wait_event("RESET", 10)
    assert_timestamp(event)
    assert event["data"]["guest"] is False
    qmp.command("system_powerdown")
    assert_timestamp(qmp.wait_event("POWERDOWN", 10))
    # OpenSBI without a payload ignores the request: still alive.
    assert qmp.command("query-status")["status"] == "running"


def test_human_monitor_command(frozen):
    assert frozen.qmp.hmp("info status").startswith("VM status: paused")
    # An unknown HMP command is reported in the text, not as a QMP error.
    out = frozen.qmp.hmp("no-such-hmp-command")
    assert "no-such-hmp-command" in out


@pytest.mark.parametrize("raw,desc_words", [
    ('{"execute": }', ["json"]),
    ("garbage", ["json"]),
    ("[1, 2]", ["object"]),
    ('{"execute": 42}', ["execute"]),
    ('{"execute": "query-status", "arguments": [1]}', ["arguments"]),
])
def test_bad_input(frozen, raw, desc_words):
    """Malformed input gets a GenericError reply, and the monitor goes on."""
    qmp = frozen.qmp
    qmp.send_raw(raw + "\n")
    reply = qmp.receive_reply(10)
    assert reply["error"]["class"] == "GenericError", reply
    for word in desc_words:
        assert word in reply["error"]["desc"].lower(), reply
    assert qmp.command("query-status")["status"] == "prelaunch"


def test_bad_argument_type(frozen):
    qmp = frozen.qmp
    with pytest.raises(QMPError) as err:
        qmp.command("human-monitor-command", **{"command-line": 5})
    assert err.value.error_class == "GenericError"
    assert "command-line" in err.value.desc
    assert qmp.command("query-status")["status"] == "prelaunch"


@pytest.mark.parametrize("raw", [
    b'{"execute": "query-status\xff\xfe"}\n',         # invalid UTF-8
    b'{"execute": "query-\x01status"}\n',             # a control byte
], ids=["invalid-utf8", "control-byte"])
def test_bad_bytes(frozen, raw):
    qmp = frozen.qmp
    qmp.send_raw(raw)
    reply = qmp.receive_reply(10)
    assert reply["error"]["class"] == "GenericError", reply
    assert qmp.command("query-status")["status"] == "prelaunch"


def test_oversize_input(frozen):
    """Input beyond the size limit is refused with a message that says so;
    the monitor does not buffer it, and serves the next command."""
    qmp = frozen.qmp
    qmp.send_raw('{"execute": "query-status", "id": "' + "x" * (3 << 20)
                 + '"}\n')
    reply = qmp.receive_reply(30)
    assert reply["error"]["class"] == "GenericError", reply
    desc = reply["error"]["desc"].lower()
    assert "too" in desc or "limit" in desc or "large" in desc, reply
    assert qmp.command("query-status")["status"] == "prelaunch"


def test_two_clients_in_a_row(frozen):
    """A client that leaves mid-command leaves the monitor ready for the
    next one, which must negotiate again."""
    frozen.qmp.send_raw('{"execute": "query-sta')
    frozen.qmp.close()
    with QMPClient(frozen.qmp_address) as second:
        second.connect(negotiate=False)
        assert "QMP" in second.greeting
        reply = second.cmd("query-status")
        assert reply["error"]["class"] == "CommandNotFound", reply
        second.command("qmp_capabilities")
        assert second.command("query-status")["status"] == "prelaunch"


def test_errors_echo_the_id(frozen):
    qmp = frozen.qmp
    qmp.send_raw('{"execute": "no-such-command", "id": {"a": [1, "x"]}}\n')
    reply = qmp.receive_reply(10)
    assert reply["id"] == {"a": [1, "x"]}
    assert reply["error"]["class"] == "CommandNotFound"
    assert "no-such-command" in reply["error"]["desc"]
    qmp.send_raw('{"id": 99}\n')
    reply = qmp.receive_reply(10)
    assert reply["id"] == 99 and reply["error"]["class"] == "GenericError"
    with pytest.raises(QMPError) as err:
        qmp.command("query-status", foo=1)
    assert err.value.error_class == "GenericError"
    assert "foo" in err.value.desc


def test_tcp_transport(machine, fw_dynamic):
    vm = machine(["-M", "virt", "-bios", fw_dynamic, "-S"],
                 qmp_transport="tcp")
    assert vm.qmp.command("query-status")["status"] == "prelaunch"
    assert vm.quit() == 0


def test_mon_chardev(emulator, fw_dynamic, tmp_path):
    """-chardev socket + -mon mode=control is another way to get QMP."""
    sockdir = tempfile.mkdtemp(prefix="grace-mon-")     # short for sun_path
    path = os.path.join(sockdir, "mon.sock")
    vm = Machine(emulator.path,
                 ["-M", "virt", "-bios", fw_dynamic, "-S",
                  "-chardev", f"socket,id=mon0,path={path},server=on,"
                              "wait=off",
                  "-mon", "chardev=mon0,mode=control"],
                 workdir=tmp_path, qmp=False)
    try:
        with vm:
            vm.launch()
            with QMPClient(path) as qmp:
                qmp.connect()
                assert qmp.command("query-status")["status"] == "prelaunch"
                qmp.command("quit")
                qmp.wait_event("SHUTDOWN", 10)
            assert vm.wait_exit(30) == 0
    finally:
        shutil.rmtree(sockdir, ignore_errors=True)


def test_quit(frozen):
    frozen.qmp.command("quit")
    event = frozen.qmp.wait_event("SHUTDOWN", 10)
    assert_timestamp(event)
    assert event["data"]["guest"] is False
    assert frozen.wait_exit(30) == 0


@pytest.mark.grace_only("QEMU 7.2's finisher calls exit() at once: no "
                        "SHUTDOWN event, and -no-shutdown has no effect")
def test_guest_shutdown_event(machine, fw_dynamic, payload):
    """A guest powering off (SBI SRST) emits SHUTDOWN with guest=true."""
    vm = machine(["-M", "virt", "-bios", fw_dynamic, "-kernel", str(payload),
                  "-S", "-no-shutdown"])
    vm.qmp.command("cont")
    event = vm.qmp.wait_event("SHUTDOWN", 60)
    assert event["data"]["guest"] is True
    # -no-shutdown: the machine stops instead of exiting.
    vm.qmp.wait_event("STOP", 30)
    assert vm.qmp.command("query-status")["status"] == "shutdown"
    assert vm.is_running()
    assert vm.quit() == 0
