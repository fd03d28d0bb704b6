"""Every answered call becomes exactly one contact: described at the desk, or saved undescribed."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from reporting.figures import contacts_by_channel
from reporting.periods import Period
from telephony import desk, services
from telephony.models import CallSession, TelephonySettings
from telephony.tasks import save_undescribed_calls_task
from tests.factories import PersonFactory, UserFactory
from tests.helpers import require_postgres, with_token

from .factories import ExtensionFactory

pytestmark = pytest.mark.django_db


def record(call_id, event, at, *, caller="+4512345678", extension=""):
    return services.record_call_event(
        call_id=call_id,
        event=event,
        at=at,
        line="akut",
        caller=caller,
        extension=extension,
        event_id=f"{call_id}-{event}-{at.timestamp()}",
        source="test",
    )


def _answered(call_id, extension="201", *, ago=120, wait=40):
    rang = timezone.now() - datetime.timedelta(seconds=ago)
    record(call_id, "ringing", rang)
    return record(call_id, "answered", rang + datetime.timedelta(seconds=wait), extension=extension)


@pytest.fixture
def desk_phone(staff_user):
    ExtensionFactory(number="201", user=staff_user)
    return staff_user


def _quick_log(client, **data):
    return client.post(
        reverse("contacts:quick_log"),
        with_token({"summary": "Ringede om natten", "acuteness": "2", "channel": "phone", **data}),
    )


def test_an_answered_call_shows_at_once_on_the_board_of_whoever_answered(client, desk_phone):
    call = _answered("c1")
    client.force_login(desk_phone)
    page = client.get(reverse("telephony:board_calls")).content.decode()
    assert f'data-call="{call.pk}"' in page
    assert f'data-timer-since="{timezone.localtime(call.answered_at).isoformat()}' in page
    assert f"{reverse('contacts:quick_log')}?call={call.pk}" in page
    assert "…5678" in page and "12345678" not in page
    client.force_login(UserFactory(username="mads"))
    assert f'data-call="{call.pk}"' not in client.get(reverse("telephony:board_calls")).content.decode()


def test_the_board_loads_the_calls_section(staff_client):
    page = staff_client.get(reverse("contacts:board")).content.decode()
    assert f'hx-get="{reverse("telephony:board_calls")}"' in page


def test_the_quick_log_of_a_call_is_prefilled_with_its_times_and_saves_one_contact(staff_client, desk_phone):
    call = _answered("c2")
    page = staff_client.get(reverse("contacts:quick_log"), {"call": call.pk}).content.decode()
    assert f'name="call" value="{call.pk}"' in page
    assert f'data-timer-since="{call.answered_at.isoformat(timespec="seconds")}"' in page
    _quick_log(staff_client, call=str(call.pk))
    # A second tab, or the form saved again with a fresh token: still the one contact.
    _quick_log(staff_client, call=str(call.pk))
    contact = Contact.objects.get()
    call.refresh_from_db()
    assert call.contact == contact
    assert (contact.started_at, contact.answered_at, contact.ended_at) == (
        call.ringing_at,
        call.answered_at,
        None,
    )
    assert (
        contact.staff == desk_phone and contact.channel == "phone" and contact.summary == "Ringede om natten"
    )
    # The end arrives from the line afterwards and completes the contact.
    ended = record("c2", "ended", timezone.now())
    contact.refresh_from_db()
    assert contact.ended_at == ended.ended_at


def test_a_quick_log_saved_while_a_call_is_live_on_the_extension_attaches_to_it(staff_client, desk_phone):
    call = _answered("c3")
    page = staff_client.get(reverse("contacts:quick_log")).content.decode()
    assert f'name="call" value="{call.pk}"' in page
    # Opened before the call was answered: the form carries no call, and still attaches.
    _quick_log(staff_client)
    call.refresh_from_db()
    assert Contact.objects.get() == call.contact
    assert call.contact.started_at == call.ringing_at


def test_a_quick_log_without_a_phone_system_makes_a_contact_as_before(staff_client):
    response = _quick_log(staff_client)
    assert Contact.objects.count() == 1
    assert response.url == reverse("contacts:board")
    assert not CallSession.objects.exists()


def test_a_call_described_with_the_caller_found_under_who_is_tied_to_them(staff_client, desk_phone):
    caller = PersonFactory(name="Ole Testmand")
    call = _answered("c5")
    _quick_log(staff_client, call=str(call.pk), who="Ole", person=str(caller.pk))
    call.refresh_from_db()
    assert call.contact.person == caller


def test_a_call_asked_for_that_was_described_already_is_not_described_twice(staff_client, desk_phone):
    call = _answered("c4")
    _quick_log(staff_client, call=str(call.pk))
    record("c4", "ended", timezone.now())
    response = _quick_log(staff_client, call=str(call.pk))
    assert Contact.objects.count() == 1
    assert response.url == reverse("contacts:board")


def _ended_call(call_id, minutes_ago):
    end = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    record(call_id, "ringing", end - datetime.timedelta(minutes=5))
    record(call_id, "answered", end - datetime.timedelta(minutes=4), extension="201")
    return record(call_id, "ended", end)


def test_a_call_nobody_described_in_time_is_saved_with_its_times_and_shown_as_not_described(
    staff_client, desk_phone
):
    TelephonySettings.objects.update_or_create(pk=1, defaults={"undescribed_after_minutes": 30})
    old = _ended_call("old", 31)
    recent = _ended_call("recent", 10)
    page = staff_client.get(reverse("telephony:board_calls")).content.decode()
    assert f"?call={recent.pk}" in page and f"?call={old.pk}" in page
    assert save_undescribed_calls_task.delay().get() == 1
    assert save_undescribed_calls_task.delay().get() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert recent.contact is None
    assert old.contact_undescribed
    contact = old.contact
    assert (contact.started_at, contact.answered_at, contact.ended_at, contact.staff) == (
        old.ringing_at,
        old.answered_at,
        old.ended_at,
        desk_phone,
    )
    page = staff_client.get(reverse("telephony:board_calls")).content.decode()
    assert "ikke beskrevet" in page
    assert reverse("contacts:contact_detail", args=[contact.pk]) in page
    # Once the shift writes its line, the board lets it go.
    contact.summary = "Ringede om søvn"
    contact.save()
    assert "ikke beskrevet" not in staff_client.get(reverse("telephony:board_calls")).content.decode()


def test_the_board_calls_section_takes_a_bounded_number_of_queries(
    staff_client, desk_phone, django_assert_max_num_queries
):
    for number in range(5):
        _answered(f"live-{number}")
        _ended_call(f"done-{number}", 40)
    desk.save_undescribed_calls(now=timezone.now())
    with django_assert_max_num_queries(10):
        staff_client.get(reverse("telephony:board_calls"))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_save_each_undescribed_call_once():
    require_postgres()
    ExtensionFactory(number="201", user=UserFactory(username="sara"))
    for number in range(20):
        _ended_call(f"race-{number}", 45)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            desk.save_undescribed_calls(now=timezone.now())
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Contact.objects.count() == 20
    assert CallSession.objects.filter(contact__isnull=True).count() == 0


def test_the_dashboard_counts_each_answered_call_once_however_it_became_a_contact(staff_client, desk_phone):
    described = _answered("described", ago=3600)
    _quick_log(staff_client, call=str(described.pk))
    _quick_log(staff_client, call=str(described.pk))
    record("described", "ended", timezone.now() - datetime.timedelta(minutes=50))
    _ended_call("left", 45)
    for _run in range(2):
        desk.save_undescribed_calls(now=timezone.now())
    today = timezone.localdate()
    figures = contacts_by_channel(
        Period(today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))
    )
    answered = CallSession.objects.filter(status="answered").count()
    assert answered == 2
    assert figures[("phone", "in")] == answered
