"""``follow_ari`` against a real websocket server on loopback speaking ARI's event JSON, posting
to a running app over HTTP. (Asterisk itself is not in Debian bookworm, so it cannot run here.)"""

import json
import threading

import pytest
from django.core.management import call_command
from websockets.sync.server import serve

from telephony import ari
from telephony.models import CallSession, CallStatus

from .factories import ExtensionFactory

PORT = 8431


def _channel(channel_id, state, *, caller="+4512345678", connected="", context="fra-nettet"):
    return {
        "id": channel_id,
        "name": f"PJSIP/trunk-{channel_id}",
        "state": state,
        "caller": {"name": "", "number": caller},
        "connected": {"name": "", "number": connected},
        "dialplan": {"context": context, "exten": "akut", "priority": 1},
        "creationtime": "2026-12-03T07:00:00.000+0100",
    }


def _stream():
    """What Asterisk sends for: an answered call, an abandoned one, a withheld one, a busy one,
    a desk's own channel (another context) and events the follower ignores."""
    at = "2026-12-03T07:00:{:02d}.000+0100".format
    return [
        {"type": "StasisStart", "timestamp": at(0), "args": [], "channel": _channel("1.1", "Ring")},
        {
            "type": "StasisStart",
            "timestamp": at(1),
            "args": [],
            "channel": _channel("9.9", "Ring", context="desks"),
        },
        {"type": "ChannelVarset", "timestamp": at(2), "variable": "X", "channel": _channel("1.1", "Ring")},
        {"type": "ChannelStateChange", "timestamp": at(9), "channel": _channel("1.1", "Up", connected="201")},
        {"type": "StasisStart", "timestamp": at(10), "channel": _channel("2.2", "Ring", caller="")},
        {
            "type": "ChannelDestroyed",
            "timestamp": at(14),
            "cause": 16,
            "channel": _channel("2.2", "Ring", caller=""),
        },
        {"type": "StasisStart", "timestamp": at(20), "channel": _channel("3.3", "Ring", caller="anonymous")},
        {"type": "ChannelDestroyed", "timestamp": at(21), "cause": 17, "channel": _channel("3.3", "Ring")},
        {"type": "ChannelDestroyed", "timestamp": at(40), "cause": 16, "channel": _channel("1.1", "Up")},
        "not json",
    ]


@pytest.fixture
def ari_server():
    messages = _stream()

    def handler(connection):
        for message in messages:
            connection.send(message if isinstance(message, str) else json.dumps(message))
        connection.close()

    server = serve(handler, "127.0.0.1", PORT)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{PORT}/ari/events?app=akuttilbud"
    server.shutdown()
    thread.join(5)


def follow_ari(**options):
    """Run the command as its own process runs it: in a thread with no event loop of its own
    (the browser tests' Playwright keeps one running in the test's thread)."""
    failures = []

    def run():
        try:
            call_command("follow_ari", **options)
        except BaseException as error:  # noqa: BLE001 - handed back to the test below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "follow_ari --once did not return"
    if failures:
        raise failures[0]


@pytest.mark.django_db(transaction=True)
def test_the_ari_stream_becomes_call_sessions(live_server, ari_server, staff_user):
    ExtensionFactory(number="201", user=staff_user)
    follow_ari(
        ari_url=ari_server, events_url=f"{live_server.url}/telephony/events/", context="fra-nettet", once=True
    )

    calls = {call.call_id: call for call in CallSession.objects.all()}
    assert set(calls) == {"ari:1.1", "ari:2.2", "ari:3.3"}
    answered, abandoned, busy = calls["ari:1.1"], calls["ari:2.2"], calls["ari:3.3"]
    assert answered.status == CallStatus.ANSWERED
    assert answered.wait.total_seconds() == 9
    assert answered.answered_by == staff_user and answered.extension == "201"
    assert answered.phone_last4 == "5678"
    assert abandoned.status == CallStatus.ABANDONED and abandoned.caller_withheld
    assert busy.status == CallStatus.BUSY_FAILED and busy.caller_withheld


def test_events_of_channels_outside_the_lines_context_are_not_calls():
    message = {
        "type": "StasisStart",
        "timestamp": "2026-12-03T07:00:00.000+0100",
        "channel": _channel("1", "Ring"),
    }
    assert ari.normalise(message, line="akut", context="desks") is None
    assert ari.normalise(message, line="akut", context="")["at"] == "2026-12-03T07:00:00+01:00"
    assert (
        ari.normalise(
            {**message, "timestamp": "yesterday", "channel": {**message["channel"], "creationtime": ""}},
            line="akut",
            context="",
        )
        is None
    )
    assert ari.normalise({"type": "StasisStart"}, line="akut", context="") is None


@pytest.mark.django_db(transaction=True)
def test_an_event_the_app_refuses_is_logged_without_the_callers_number(live_server, ari_server, caplog):
    follow_ari(
        ari_url=ari_server,
        events_url=f"{live_server.url}/telephony/events/",
        context="fra-nettet",
        line="no-such-line",
        once=True,
    )
    assert not CallSession.objects.exists()
    assert "refused by the app: HTTP 400" in caplog.text
    assert "12345678" not in caplog.text


@pytest.mark.django_db
def test_an_unreachable_asterisk_is_logged_and_once_returns(caplog):
    follow_ari(ari_url="ws://127.0.0.1:8432/ari/events", events_url="http://127.0.0.1:8433/", once=True)
    assert "ARI stream lost" in caplog.text
