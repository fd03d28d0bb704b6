"""The call session a switchboard's events make: times from the events, any order, no repeats."""

import datetime
import threading

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akuttilbud import phone
from telephony import services
from telephony.models import CallEvent, CallSession, CallStatus, HungUpBy, TelephonySettings
from tests.factories import UserFactory
from tests.helpers import require_postgres

from .factories import ExtensionFactory

T0 = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)


def _at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def record(call_id, event, seconds, *, caller="+4512345678", extension="", event_id=None, **extra):
    return services.record_call_event(
        call_id=call_id,
        event=event,
        at=_at(seconds),
        line="akut",
        caller=caller,
        extension=extension,
        event_id=event_id or f"{call_id}-{event}-{seconds}",
        source="test",
        **extra,
    )


@pytest.mark.django_db
def test_an_answered_call_gets_its_wait_its_staff_member_and_who_hung_up():
    sara = UserFactory(username="sara")
    ExtensionFactory(number="201", user=sara)
    record("c1", "ringing", 0)
    record("c1", "answered", 45, extension="201")
    session = record("c1", "ended", 600, hung_up_by="caller")
    assert session.status == CallStatus.ANSWERED
    assert session.wait == datetime.timedelta(seconds=45)
    assert (session.ringing_at, session.answered_at, session.ended_at) == (_at(0), _at(45), _at(600))
    assert session.answered_by == sara
    assert session.extension == "201"
    assert session.hung_up_by == HungUpBy.CALLER
    assert list(session.events.values_list("kind", flat=True)) == ["ringing", "answered", "ended"]


@pytest.mark.django_db
def test_the_status_follows_the_call_while_it_is_on_the_line():
    assert record("c2", "ringing", 0).status == CallStatus.RINGING
    assert record("c2", "answered", 10, extension="999").status == CallStatus.IN_PROGRESS
    session = CallSession.objects.get(call_id="c2")
    # An extension nobody is mapped to is kept, with no staff member.
    assert session.extension == "999" and session.answered_by is None
    assert record("c2", "ended", 20).status == CallStatus.ANSWERED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([("ringing", 0), ("ended", 30)], CallStatus.ABANDONED),
        ([("ringing", 0), ("voicemail", 60), ("ended", 90)], CallStatus.VOICEMAIL),
        ([("ringing", 0), ("busy", 1)], CallStatus.BUSY_FAILED),
        ([("ringing", 0), ("failed", 1)], CallStatus.BUSY_FAILED),
        ([("outgoing", 0), ("ended", 300)], CallStatus.OUTGOING),
    ],
)
def test_every_kind_of_call_gets_its_final_status(events, status):
    for kind, seconds in events:
        session = record("c3", kind, seconds)
    assert session.status == status
    assert session.ended_at is not None


SCENARIOS = [
    [("ringing", 0, ""), ("answered", 45, "201"), ("ended", 600, "")],
    [("ringing", 0, ""), ("ended", 30, "")],
    [("ringing", 0, ""), ("voicemail", 60, ""), ("ended", 90, "")],
    # Two extensions rang and both reported an answer: the first answer took the call.
    [("ringing", 0, ""), ("answered", 20, "202"), ("answered", 25, "201"), ("ended", 70, "")],
]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(scenario=st.sampled_from(SCENARIOS), data=st.data())
def test_events_in_any_order_give_the_same_call(scenario, data):
    ExtensionFactory(number="201", user=UserFactory(username="sara"))
    ExtensionFactory(number="202", user=UserFactory(username="ali"))
    shuffled = data.draw(st.permutations(scenario))
    CallSession.objects.filter(call_id__in=["in-order", "shuffled"]).delete()
    for call_id, events in (("in-order", scenario), ("shuffled", shuffled)):
        for kind, seconds, extension in events:
            record(call_id, kind, seconds, extension=extension)
    fields = ["status", "ringing_at", "answered_at", "ended_at", "voicemail_at", "extension", "answered_by"]
    in_order, reordered = (
        CallSession.objects.filter(call_id=call_id).values(*fields).get()
        for call_id in ("in-order", "shuffled")
    )
    assert reordered == in_order
    assert in_order["ringing_at"] == _at(0)


@pytest.mark.django_db
def test_a_repeated_event_changes_nothing():
    record("c4", "ringing", 0, event_id="e-1")
    record("c4", "ended", 30, event_id="e-2")
    # The same id again, even with different content, is the same event.
    session = record("c4", "answered", 10, event_id="e-2")
    assert session.status == CallStatus.ABANDONED
    assert CallEvent.objects.filter(session=session).count() == 2


@pytest.mark.django_db
def test_an_event_id_repeated_for_another_call_makes_no_second_call():
    first = record("c5", "ringing", 0, event_id="e-9")
    assert record("other-call", "ringing", 5, event_id="e-9") == first
    assert CallSession.objects.count() == 1


@pytest.mark.django_db
def test_the_number_is_stored_encrypted_with_its_blind_index_and_last_four():
    session = record("c6", "ringing", 0, caller="12 34 56 78")
    assert session.caller_withheld is False
    assert session.phone_last4 == "5678"
    assert session.phone_index == phone.blind_index("+4512345678")
    assert "12345678" not in session.phone_encrypted
    assert session.decrypted_phone() == "+4512345678"


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["withheld", "anonymous", "restricted", "", None, "<script>", "12"])
def test_a_caller_that_is_not_a_number_is_withheld_and_not_kept(caller):
    session = record("c7", "ringing", 0, caller=caller)
    assert session.caller_withheld is True
    assert (session.phone_encrypted, session.phone_index, session.phone_last4) == ("", "", "")


@pytest.mark.django_db
def test_a_number_sent_with_a_later_event_completes_a_withheld_start():
    record("c8", "ringing", 0, caller="withheld")
    session = record("c8", "answered", 5, caller="+46701234567")
    assert session.caller_withheld is False and session.phone_last4 == "4567"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["ringing", "answered", "ended"])
def test_an_unknown_line_is_refused_and_nothing_is_stored(kind):
    with pytest.raises(services.UnknownLine):
        services.record_call_event(
            call_id="c9",
            event=kind,
            at=T0,
            line="no-such-line",
            caller="+4512345678",
            extension="",
            event_id="e-c9",
            source="test",
        )
    assert not CallSession.objects.exists() and not CallEvent.objects.exists()


@pytest.mark.django_db
def test_a_later_event_naming_another_line_than_its_call_is_refused_and_changes_nothing():
    from .factories import LineFactory

    LineFactory(code="anden")
    record("c10", "ringing", 0)

    def answer(line):
        return services.record_call_event(
            call_id="c10",
            event="answered",
            at=_at(5),
            line=line,
            caller="+4512345678",
            extension="201",
            event_id=f"c10-answered-{line}",
            source="test",
        )

    with pytest.raises(services.UnknownLine):
        answer("ukendt")
    assert CallSession.objects.get(call_id="c10").status == CallStatus.RINGING
    # A line that is set up but is not the call's: the call stays on its own line.
    session = answer("anden")
    assert session.line.code == "akut" and session.status == CallStatus.IN_PROGRESS
    assert CallEvent.objects.filter(session=session).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["ringing", "answered", "ended"])
def test_an_event_takes_a_bounded_number_of_queries(django_assert_max_num_queries, kind):
    ExtensionFactory(number="201", user=UserFactory(username="sara"))
    TelephonySettings.load()
    record("c10", "ringing", 0, event_id="first")
    if kind == "ended":
        # An answered call's end (a missed call's, which makes a call-back, is bounded apart).
        record("c10", "answered", 30, extension="201")
    seconds = {"ringing": 1, "answered": 30, "ended": 60}[kind]
    # One more than the session's own: an answer looks up the call-backs the caller is owed.
    with django_assert_max_num_queries(11):
        record("c10", kind, seconds, extension="201")
    with django_assert_max_num_queries(11):
        record(f"new-{kind}", kind, seconds, extension="201")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_events_of_one_call_make_one_session_with_every_event():
    require_postgres()
    ExtensionFactory(number="201", user=UserFactory(username="sara"))
    events = [("ringing", 0, ""), ("answered", 45, "201"), ("ended", 600, "")] * 2
    barrier = threading.Barrier(len(events))
    errors = []

    def send(kind, seconds, extension):
        try:
            barrier.wait()
            # Each event is sent twice at once, with the same id: a switchboard's retry.
            record("race", kind, seconds, extension=extension)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=event) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session = CallSession.objects.get(call_id="race")
    assert session.events.count() == 3
    assert session.status == CallStatus.ANSWERED
    assert (session.answered_at, session.ended_at) == (_at(45), _at(600))
