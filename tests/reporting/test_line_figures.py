"""The dashboard's phone figures: recomputed from the call sessions, or said to be missing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from reporting import dashboard
from reporting.periods import Period
from telephony import services
from telephony.models import CallSession, CallStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)
PERIOD = Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))


def _call(call_id, day, hour, *events, caller="+4512345678"):
    rang = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 10)))
    for kind, seconds in (("ringing", 0), *events):
        services.record_call_event(
            call_id=call_id,
            event=kind,
            at=rang + datetime.timedelta(seconds=seconds),
            line="akut",
            caller=caller,
            extension="",
            event_id=f"{call_id}-{kind}",
            source="test",
        )


def _rows(figure):
    return {row[0]: row[1:] for row in figure.rows}


def test_the_phone_figures_are_the_line_sessions_own_for_both_periods():
    _call("now-1", datetime.date(2026, 11, 3), 21, ("answered", 30), ("ended", 600))
    _call("now-2", datetime.date(2026, 11, 3), 21, ("answered", 300), ("ended", 900))
    _call("now-3", datetime.date(2026, 11, 20), 2, ("ended", 400))
    _call("now-4", datetime.date(2026, 11, 20), 2, ("ended", 2))
    _call("before-1", datetime.date(2026, 10, 15), 9, ("answered", 10), ("ended", 100))

    figures = dashboard.build(PERIOD).figures

    calls = _rows(figures["calls"])
    assert calls["Opkald i alt"] == [4, 1]
    assert calls["Besvaret inden for målet"] == [1, 1]
    assert calls["Lagt på inden for karenstiden"] == [1, 0]
    # Service level: 1 within the goal ÷ (4 offered − 1 short abandon).
    assert calls["Serviceniveau (%)"][0] == pytest.approx(100 / 3, abs=0.05)
    assert calls["Længste ventetid (sekunder)"] == [300, 10]
    hours = _rows(figures["calls_by_hour"])
    assert hours["21"] == [2, 1, 0]
    assert hours["02"] == [2, 0, 1]
    assert not figures["calls"].note
    # The quick-log phone waits are no longer shown beside them.
    assert not any(label.startswith("Telefon") for label in _rows(figures["waits"]))
    assert CallSession.objects.filter(status=CallStatus.ABANDONED).count() == 2


def test_without_a_line_the_dashboard_says_phone_waits_are_not_measured(leader_client):
    response = leader_client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert "ventetider ved telefon måles ikke" in response.content.decode()
    assert ServiceSettings.load().goal_phone_wait_minutes == 2


def test_missed_calls_called_back_in_time_stand_beside_the_previous_period():
    from contacts.services import callbacks as contact_services
    from tests.factories import UserFactory

    staff = UserFactory()
    _call("now-kept", datetime.date(2026, 11, 3), 21, ("ended", 40), caller="+4520000001")
    _call("now-late", datetime.date(2026, 11, 4), 21, ("ended", 40), caller="+4520000002")
    _call("now-hidden", datetime.date(2026, 11, 4), 22, ("ended", 40), caller="withheld")
    _call("before-kept", datetime.date(2026, 10, 20), 9, ("ended", 40), caller="+4520000003")
    for call_id, late in (("now-kept", 0), ("now-late", 1), ("before-kept", 0)):
        callback = CallSession.objects.get(call_id=call_id).callback
        contact_services.complete_callback(
            callback=callback, user=staff, now=callback.due_at + datetime.timedelta(seconds=late)
        )

    calls = _rows(dashboard.build(PERIOD).figures["calls"])

    assert calls["Ubesvarede opkald med tilbageringning"] == [2, 1]
    assert calls["Ringet op inden for den lovede tid"] == [1, 1]
    assert calls["Ringet op inden for den lovede tid (%)"] == [50.0, 100.0]
