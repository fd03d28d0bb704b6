"""Real SIP calls on loopback: Kamailio (deploy/kamailio/) is the crisis line and reports each
call to the app's signed event API over HTTP; baresip phones call in and answer at the desk.

Ports: SIP and RTP from ``SIP_TEST_PORT`` (default 5070) up to 29 above it.
"""

import datetime
import os
import signal
import time

import pytest
from django.conf import settings
from django.urls import reverse

from telephony.models import CallSession, CallStatus, HungUpBy

from .factories import ExtensionFactory
from .sip import Baresip, Kamailio, group_members, require_sip_tools

pytestmark = [pytest.mark.sip, pytest.mark.django_db(transaction=True)]

BASE = int(os.environ.get("SIP_TEST_PORT", "5070"))
RING_SECONDS = 1.5


@pytest.fixture
def secret():
    return settings.TELEPHONY_WEBHOOK_SECRETS[0]


@pytest.fixture
def line(live_server, tmp_path, secret):
    """The crisis line with one desk phone (extension 201), a caller showing +45 12 34 56 78 and
    one withholding the number."""
    require_sip_tools()
    kamailio = Kamailio(
        tmp_path, port=BASE, events_url=live_server.url + reverse("telephony:events"), secret=secret
    )
    phones = []
    try:
        phones.append(
            Baresip(
                tmp_path, "desk", aor=f"sip:201@127.0.0.1:{BASE}", sip_port=BASE + 2,
                ctrl_port=BASE + 4, rtp_ports=(BASE + 10, BASE + 15), register=True,
            )
        )  # fmt: skip
        phones.append(
            Baresip(
                tmp_path, "caller", aor=f"sip:+4512345678@127.0.0.1:{BASE}", sip_port=BASE + 6,
                ctrl_port=BASE + 8, rtp_ports=(BASE + 16, BASE + 21),
            )
        )  # fmt: skip
        # RFC 3323's anonymous From: what a phone sends when the number is withheld.
        phones.append(
            Baresip(
                tmp_path, "hidden", aor="sip:anonymous@anonymous.invalid", sip_port=BASE + 22,
                ctrl_port=BASE + 9, rtp_ports=(BASE + 24, BASE + 29),
            )
        )  # fmt: skip
        yield kamailio, *phones
    finally:
        for phone in phones:
            phone.stop()
        kamailio.stop()


def _session(status):
    """The one call session, once the switchboard's last event has made it ``status``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sessions = list(CallSession.objects.all())
        if len(sessions) == 1 and sessions[0].status == status:
            return sessions[0]
        time.sleep(0.1)
    raise AssertionError(f"no single {status} call; have {[(s.status, s.call_id) for s in sessions]}")


def _answered_call(kamailio, desk, caller):
    caller.command("dial", kamailio.line_uri)
    desk.wait_for("CALL_INCOMING")
    time.sleep(RING_SECONDS)
    desk.command("accept")
    caller.wait_for("CALL_ESTABLISHED")
    time.sleep(0.5)


def test_an_answered_call_is_a_session_with_its_wait_extension_and_staff(line, staff_user):
    kamailio, desk, caller, _hidden = line
    ExtensionFactory(number="201", user=staff_user)

    _answered_call(kamailio, desk, caller)
    desk.command("hangup")
    caller.wait_for("CALL_CLOSED")

    call = _session(CallStatus.ANSWERED)
    assert call.extension == "201"
    assert call.answered_by == staff_user
    assert call.hung_up_by == HungUpBy.STAFF
    assert not call.caller_withheld
    assert call.phone_last4 == "5678"
    assert (
        datetime.timedelta(seconds=RING_SECONDS) <= call.wait < datetime.timedelta(seconds=RING_SECONDS + 3)
    )
    assert call.ended_at - call.answered_at >= datetime.timedelta(seconds=0.5)
    assert list(call.events.values_list("kind", "source")) == [
        ("ringing", "api"),
        ("answered", "api"),
        ("ended", "api"),
    ]


def test_a_caller_who_gives_up_while_it_rings_is_an_abandoned_call(line):
    kamailio, desk, caller, _hidden = line

    caller.command("dial", kamailio.line_uri)
    desk.wait_for("CALL_INCOMING")
    time.sleep(RING_SECONDS)
    caller.command("hangup")
    desk.wait_for("CALL_CLOSED")

    call = _session(CallStatus.ABANDONED)
    assert call.answered_at is None and call.wait is None
    assert call.extension == ""
    assert call.hung_up_by == HungUpBy.CALLER
    assert call.phone_last4 == "5678"
    # How long the caller waited before giving up: the ring time, within the test's slack.
    assert (
        datetime.timedelta(seconds=RING_SECONDS)
        <= call.ended_at - call.ringing_at
        < datetime.timedelta(seconds=RING_SECONDS + 3)
    )


def test_a_withheld_number_is_a_call_without_a_number(line, staff_user):
    kamailio, desk, _caller, hidden = line
    ExtensionFactory(number="201", user=staff_user)

    _answered_call(kamailio, desk, hidden)
    hidden.command("hangup")
    desk.wait_for("CALL_CLOSED")

    call = _session(CallStatus.ANSWERED)
    assert call.caller_withheld
    assert not call.has_phone and call.phone_last4 == ""
    assert call.hung_up_by == HungUpBy.CALLER
    assert call.answered_by == staff_user
    assert call.wait >= datetime.timedelta(seconds=RING_SECONDS)


@pytest.mark.parametrize("secret", ["not-the-apps-secret"])
def test_calls_still_connect_when_the_app_refuses_the_events(line, secret):
    kamailio, desk, caller, _hidden = line

    _answered_call(kamailio, desk, caller)
    caller.command("hangup")
    desk.wait_for("CALL_CLOSED")

    assert not CallSession.objects.exists()
    assert "not recorded (HTTP 401)" in kamailio.log.read_text(errors="replace")


@pytest.fixture
def two_desks(live_server, tmp_path, secret):
    """The line ringing desks 201 and 202 (on the withheld caller's ports, not used here)."""
    require_sip_tools()
    kamailio = Kamailio(
        tmp_path, port=BASE, events_url=live_server.url + reverse("telephony:events"), secret=secret,
        desks="201,202",
    )  # fmt: skip
    phones = []
    try:
        for extension, sip, ctrl, rtp in (("201", 2, 4, 10), ("202", 22, 9, 24)):
            phones.append(
                Baresip(
                    tmp_path, f"desk{extension}", aor=f"sip:{extension}@127.0.0.1:{BASE}", sip_port=BASE + sip,
                    ctrl_port=BASE + ctrl, rtp_ports=(BASE + rtp, BASE + rtp + 5), register=True,
                )
            )  # fmt: skip
        phones.append(
            Baresip(
                tmp_path, "caller", aor=f"sip:+4512345678@127.0.0.1:{BASE}", sip_port=BASE + 6,
                ctrl_port=BASE + 8, rtp_ports=(BASE + 16, BASE + 21),
            )
        )  # fmt: skip
        yield kamailio, *phones
    finally:
        for phone in phones:
            phone.stop()
        kamailio.stop()


def test_every_desk_rings_and_the_one_that_answers_takes_the_call(two_desks, staff_user, leader_user):
    kamailio, desk_201, desk_202, caller = two_desks
    ExtensionFactory(number="201", user=staff_user)
    ExtensionFactory(number="202", user=leader_user)

    caller.command("dial", kamailio.line_uri)
    desk_201.wait_for("CALL_INCOMING")
    desk_202.wait_for("CALL_INCOMING")
    desk_202.command("accept")
    caller.wait_for("CALL_ESTABLISHED")
    desk_201.wait_for("CALL_CLOSED")
    caller.command("hangup")
    desk_202.wait_for("CALL_CLOSED")

    call = _session(CallStatus.ANSWERED)
    assert call.extension == "202"
    assert call.answered_by == leader_user
    assert call.hung_up_by == HungUpBy.CALLER
    assert not desk_201.events_of("CALL_INCOMING")


def test_stopping_the_line_stops_every_kamailio_process_even_after_its_main_process_died(tmp_path):
    # Killed outright (as a stop that timed out used to do), Kamailio's main process leaves its
    # workers running: the stop must end the whole process group.
    require_sip_tools()
    kamailio = Kamailio(tmp_path, port=BASE, events_url="http://127.0.0.1:9/events/", secret="unused")
    members = group_members(kamailio.process_group)
    assert len(members) > 1, "Kamailio forks its workers into its own process group"
    os.kill(kamailio.process.pid, signal.SIGKILL)
    kamailio.process.wait()
    assert group_members(kamailio.process_group), "its workers outlive it"

    kamailio.stop()

    assert group_members(kamailio.process_group) == []
