"""Missed calls become call-backs at once, and the line closes them when the caller is reached."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent, ServiceSettings
from contacts.models import Callback, CallbackClosure, CallbackKind
from telephony import services
from telephony.models import CallSession, TelephonySettings
from tests.factories import PersonFactory, UserFactory
from tests.helpers import with_token

from .factories import ExtensionFactory

pytestmark = pytest.mark.django_db

NUMBER = "+4512345678"


@pytest.fixture(autouse=True)
def _settings_rows():
    ServiceSettings.objects.update_or_create(
        pk=ServiceSettings.load().pk, defaults={"goal_call_back_hours": 2}
    )
    TelephonySettings.objects.update_or_create(pk=1, defaults={"grace_seconds": 5})


BASE = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=30)


def _t(seconds):
    return BASE + datetime.timedelta(seconds=seconds)


def record(call_id, event, seconds, *, caller=NUMBER, extension=""):
    return services.record_call_event(
        call_id=call_id,
        event=event,
        at=_t(seconds),
        line="akut",
        caller=caller,
        extension=extension,
        event_id=f"{call_id}-{event}-{seconds}",
        source="test",
    )


def test_a_caller_who_gives_up_after_the_grace_time_is_owed_a_call_back_by_the_goal():
    record("m1", "ringing", 0)
    session = record("m1", "ended", 6)
    callback = Callback.objects.get()
    assert session.callback == callback
    assert callback.kind == CallbackKind.MISSED_CALL
    assert callback.decrypted_phone() == NUMBER
    assert callback.received_at == session.ringing_at
    assert callback.due_at == session.ringing_at + datetime.timedelta(hours=2)
    assert callback.done_at is None


def test_a_short_abandon_and_a_withheld_number_get_no_call_back():
    record("short", "ringing", 0)
    record("short", "ended", 5)
    record("hidden", "ringing", 0, caller="withheld")
    hidden = record("hidden", "ended", 90, caller="withheld")
    assert hidden.status == "abandoned" and hidden.caller_withheld
    assert not Callback.objects.exists()


def test_a_voicemail_makes_a_voicemail_call_back_in_any_order():
    record("v1", "ended", 70)
    record("v1", "ringing", 0)
    record("v1", "voicemail", 40)
    assert Callback.objects.get().kind == CallbackKind.VOICEMAIL
    record("v2", "ringing", 0, caller="+4587654321")
    record("v2", "voicemail", 3, caller="+4587654321")
    assert Callback.objects.for_number("+4587654321").get().kind == CallbackKind.VOICEMAIL


def test_a_caller_who_tries_again_is_owed_one_call_back_not_two():
    record("r1", "ringing", 0)
    first = record("r1", "ended", 30)
    record("r2", "ringing", 100)
    second = record("r2", "ended", 130)
    assert Callback.objects.count() == 1
    assert first.callback_id == second.callback_id


def test_the_call_back_closes_itself_when_the_number_gets_through_and_says_so(staff_client, staff_user):
    ExtensionFactory(number="201", user=staff_user)
    record("miss", "ringing", 0)
    record("miss", "ended", 30)
    record("again", "ringing", 600)
    record("again", "answered", 620, extension="201")
    callback = Callback.objects.get()
    assert callback.done_at == _t(620) and callback.done_by == staff_user
    assert callback.closed_by == CallbackClosure.GOT_THROUGH
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="contacts.callback", object_id=str(callback.pk)
    ).exists()
    page = staff_client.get(reverse("telephony:board_calls")).content.decode()
    assert "Lukket: den, der ringede, kom igennem" in page
    board = staff_client.get(reverse("contacts:board_section", args=["callbacks"])).content.decode()
    assert NUMBER not in board


def test_an_answer_sent_without_the_number_closes_the_call_back_by_the_number_the_call_rang_with():
    record("miss", "ringing", 0)
    record("miss", "ended", 30)
    record("again", "ringing", 600)
    record("again", "answered", 620, caller="", extension="201")
    assert Callback.objects.get().closed_by == CallbackClosure.GOT_THROUGH


def test_another_numbers_answer_leaves_the_call_back_open():
    record("miss", "ringing", 0)
    record("miss", "ended", 30)
    record("other", "ringing", 600, caller="+4587654321")
    record("other", "answered", 620, caller="+4587654321", extension="201")
    assert Callback.objects.get().done_at is None


def test_calling_the_number_back_from_the_line_closes_the_call_back():
    record("miss", "ringing", 0)
    record("miss", "ended", 30)
    record("out", "outgoing", 900, extension="201")
    callback = Callback.objects.get()
    assert callback.closed_by == CallbackClosure.CALLED_OUT
    assert callback.done_at == _t(900)


def test_a_call_that_got_through_before_the_missed_one_closes_nothing():
    record("later-miss", "ringing", 600)
    record("later-miss", "ended", 630)
    # An earlier answered call's events arrive late.
    record("earlier", "ringing", 0)
    record("earlier", "answered", 10, extension="201")
    assert Callback.objects.get().done_at is None


def test_a_missed_call_with_its_call_back_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    record("q", "ringing", 0)
    # The line, the event's id, the locked session, the event, the settings, the open call-backs,
    # the call-back and its audit (with their savepoints, and PostgreSQL's lock of the audit
    # chain), the session.
    with django_assert_max_num_queries(18):
        record("q", "ended", 30)
    # A call whose first event is its voicemail: the session is made as well.
    with django_assert_max_num_queries(20):
        record("q2", "voicemail", 30, caller="+4587654321")
    assert Callback.objects.count() == 2


def test_an_answer_that_closes_call_backs_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    for number in range(3):
        record(f"m{number}", "ringing", number)
        record(f"m{number}", "ended", 30 + number)
    Callback.objects.exclude(pk=Callback.objects.first().pk).update(done_at=None)
    ExtensionFactory(number="201", user=UserFactory(username="mads"))
    record("got", "ringing", 100)
    with django_assert_max_num_queries(16):
        record("got", "answered", 110, extension="201")
    assert not Callback.objects.open().exists()


def test_the_call_back_form_takes_the_promised_time_and_a_citizen_found_by_name(staff_client):
    person = PersonFactory(name="Jonas Holm", cpr="0101901234")
    PersonFactory(name="Anne Berg")
    promised = timezone.localtime() + datetime.timedelta(hours=1)
    typed = {
        "kind": "voicemail",
        "phone": "12 34 56 78",
        "due_at": promised.strftime("%Y-%m-%d %H:%M"),
        "person_term": "jonas",
        "note": "Ring efter kl. 21",
    }
    found = staff_client.post(reverse("contacts:callback_add"), with_token({**typed, "find_person": "1"}))
    page = found.content.decode()
    assert not Callback.objects.exists()
    assert "Jonas Holm" in page and "Anne Berg" not in page
    assert 'value="Ring efter kl. 21"' in page and 'value="12 34 56 78"' in page
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()
    staff_client.post(reverse("contacts:callback_add"), with_token({**typed, "person": str(person.pk)}))
    callback = Callback.objects.get()
    assert callback.person == person
    assert callback.decrypted_phone() == NUMBER
    assert timezone.localtime(callback.due_at).strftime("%H:%M") == promised.strftime("%H:%M")


def test_the_call_back_form_without_a_promised_time_is_due_by_the_goal(staff_client):
    staff_client.post(
        reverse("contacts:callback_add"), with_token({"kind": "missed_call", "phone": "12345678"})
    )
    callback = Callback.objects.get()
    assert callback.due_at == callback.received_at + datetime.timedelta(hours=2)
    assert callback.person is None


def test_a_promised_time_before_the_call_is_refused_keeping_what_was_typed(staff_client):
    response = staff_client.post(
        reverse("contacts:callback_add"),
        with_token(
            {
                "kind": "missed_call",
                "phone": "12345678",
                "received_at": "2026-03-07 21:00",
                "due_at": "2026-03-07 20:00",
                "note": "Husk",
            }
        ),
    )
    assert not Callback.objects.exists()
    page = response.content.decode()
    assert "Det lovede tidspunkt skal ligge efter" in page and 'value="Husk"' in page


def test_no_session_of_a_withheld_caller_keeps_a_number():
    record("w", "ringing", 0, caller="anonymous")
    assert not CallSession.objects.get().has_phone


def test_an_answer_reported_after_the_end_closes_the_call_back_the_end_made():
    record("late", "ringing", 0)
    record("late", "ended", 300)
    assert Callback.objects.open().count() == 1
    session = record("late", "answered", 30, extension="201")
    assert session.status == "answered"
    assert Callback.objects.get().closed_by == CallbackClosure.GOT_THROUGH
