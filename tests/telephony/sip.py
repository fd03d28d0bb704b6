"""Real SIP on loopback for the tests: Kamailio as the crisis line (deploy/kamailio/) and
baresip user agents as callers and desk phones, driven through baresip's ctrl_tcp interface."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kamailio"
BARESIP_MODULES = "/usr/lib/baresip/modules"
WAIT_SECONDS = 15


def require_sip_tools():
    missing = [tool for tool in ("kamailio", "baresip") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs Debian's {' and '.join(missing)} (.ci/run installs them)")


def _start(command, **kwargs):
    """Start a server in a session of its own: its process group then holds every process it
    forks (Kamailio's workers), and stopping the group stops them all."""
    # The command is this module's own list: nothing from outside reaches it.
    return subprocess.Popen(command, start_new_session=True, **kwargs)  # noqa: S603


def group_members(group):
    """Pids of the processes still running in process group ``group`` (exited ones left out)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The fields after the command's closing parenthesis: state, parent, process group.
            state, _parent, process_group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # the process ended while being read
        if int(process_group) == group and state != "Z":
            members.append(int(stat.parent.name))
    return members


def _signal_group(group, signal_number):
    try:
        os.killpg(group, signal_number)
    except ProcessLookupError:
        pass


def _wait_for_group(group, seconds):
    deadline = time.monotonic() + seconds
    while group_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not group_members(group)


def _stop(process):
    """Stop the server and every process of its group. Workers outlive a main process that is
    killed (or exits before them), so the group is waited for, not the main process alone."""
    group = process.pid
    _signal_group(group, signal.SIGTERM)
    try:
        # baresip unregisters before it exits; a few seconds is plenty on loopback.
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        pass
    if process.poll() is None or not _wait_for_group(group, 3):
        _signal_group(group, signal.SIGKILL)
        process.wait()
        if not _wait_for_group(group, 5):
            raise RuntimeError(f"processes {group_members(group)} of group {group} still run after SIGKILL")


class Kamailio:
    """The crisis line: ``sip:akut@127.0.0.1:<port>`` rings the desks listed in ``desks``."""

    def __init__(self, workdir, *, port, events_url, secret, desks="201"):
        self.port = port
        self.log = workdir / "kamailio.log"
        env = {
            **os.environ,
            "AKUTTILBUD_EVENTS_URL": events_url,
            "AKUTTILBUD_TELEPHONY_SECRET": secret,
        }
        command = [
            shutil.which("kamailio"), "-DD", "-E", "-m", "32", "-M", "4",
            "-f", str(DEPLOY / "kamailio.cfg"),
            "-A", f'AKUT_JS="{DEPLOY / "akuttilbud.js"}"',
            "-A", f'DESKS="{desks}"',
            "-l", f"udp:127.0.0.1:{port}",
            "-w", str(workdir), "-Y", str(workdir),
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = _start(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT_SECONDS
        while "SO_RCVBUF is finally" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"kamailio did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.05)

    @property
    def process_group(self):
        return self.process.pid

    @property
    def line_uri(self):
        return f"sip:akut@127.0.0.1:{self.port}"

    def stop(self):
        _stop(self.process)


class Baresip:
    """One SIP phone; ``aor`` is its account (``regint=0`` for a caller that does not register)."""

    def __init__(self, workdir, name, *, aor, sip_port, ctrl_port, rtp_ports, register=False):
        home = workdir / name
        home.mkdir()
        (home / "accounts").write_text(f"<{aor}>;regint={60 if register else 0}\n")
        (home / "config").write_text(
            "\n".join(
                [
                    f"sip_listen 127.0.0.1:{sip_port}",
                    f"rtp_ports {rtp_ports[0]}-{rtp_ports[1]}",
                    # No sound card: the call's RTP flows, nothing is played or recorded.
                    "audio_player null,null",
                    "audio_source null,null",
                    f"module_path {BARESIP_MODULES}",
                    "module g711.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "module_app ctrl_tcp.so",
                    f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
                    "",
                ]
            )
        )
        self.log = home / "baresip.log"
        with self.log.open("wb") as log:
            self.process = _start(
                [shutil.which("baresip"), "-f", str(home)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.events = []
        self._buffer = b""
        self.control = None
        try:
            self._connect(name, ctrl_port)
            if register:
                self._wait_registered()
        except BaseException:
            self.stop()
            raise

    def _connect(self, name, ctrl_port):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                self.control = socket.create_connection(("127.0.0.1", ctrl_port), timeout=0.2)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"baresip {name} did not start:\n{self.log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.05)

    def _wait_registered(self):
        """Until the server has the phone's binding (its REGISTER_OK may come before we listen)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            self.command("reginfo")
            answer = self.wait_for_response("reginfo")
            if " OK " in answer.get("data", "").replace("\x1b[32m", " ").replace("\x1b[;m", " "):
                return
            time.sleep(0.1)
        raise AssertionError(f"baresip did not register:\n{self.log.read_text(errors='replace')}")

    def command(self, command, params=""):
        data = json.dumps({"command": command, "params": params, "token": command}).encode()
        self.control.sendall(str(len(data)).encode() + b":" + data + b",")

    def _read(self):
        """Netstrings (``<length>:<json>,``) from ctrl_tcp into ``events``."""
        try:
            chunk = self.control.recv(65536)
        except TimeoutError:
            return
        self._buffer += chunk
        while b":" in self._buffer:
            length, _colon, rest = self._buffer.partition(b":")
            size = int(length)
            if len(rest) < size + 1:
                return
            self.events.append(json.loads(rest[:size]))
            self._buffer = rest[size + 1 :]

    def wait_for_response(self, token):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("response") and event.get("token") == token:
                    del self.events[index]
                    return event
            self._read()
        raise AssertionError(f"no answer to {token} within {WAIT_SECONDS} s")

    def events_of(self, event_type):
        """The events of this type received and not yet waited for."""
        self._read()
        return [event for event in self.events if event.get("type") == event_type]

    def wait_for(self, event_type):
        """Wait for baresip's event of this type (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED ...)
        and consume it."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("type") == event_type:
                    del self.events[index]
                    return event
            self._read()
        raise AssertionError(f"no {event_type} within {WAIT_SECONDS} s; saw {self.events}")

    def stop(self):
        if self.control is not None:
            self.control.close()
        _stop(self.process)
