import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent, ServiceSettings
from contacts.models import Channel, Contact, Direction
from contacts.services import callbacks as callback_services
from contacts.services import contacts as contact_services
from contacts.services import notes as note_services
from tests.factories import CallbackFactory, ContactFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2025, 3, 14, 12, 0, tzinfo=datetime.UTC)


def test_wait_runs_from_start_to_answer_and_duration_from_answer_to_end():
    contact = ContactFactory(
        started_at=NOON,
        answered_at=NOON + datetime.timedelta(seconds=95),
        ended_at=NOON + datetime.timedelta(minutes=20),
    )
    assert contact.wait == datetime.timedelta(seconds=95)
    assert contact.duration == datetime.timedelta(minutes=20, seconds=-95)


def test_unanswered_contact_has_no_wait_and_duration_counts_from_start():
    contact = ContactFactory(started_at=NOON, answered_at=None, ended_at=NOON + datetime.timedelta(minutes=3))
    assert contact.wait is None
    assert contact.duration == datetime.timedelta(minutes=3)


def test_answer_before_start_is_refused(staff_user):
    with pytest.raises(ValidationError):
        contact_services.log_contact(
            user=staff_user,
            data={"started_at": NOON, "answered_at": NOON - datetime.timedelta(minutes=1)},
        )


def _contact_on(day, **kwargs):
    started = timezone.make_aware(datetime.datetime.combine(day, datetime.time(20, 0)))
    return ContactFactory(started_at=started, **kwargs)


def test_cpr_under_18_is_judged_at_the_contacts_date_birthday_the_day_after():
    person = PersonFactory(cpr="1503074321")  # born 15 March 2007 (7th digit 4)
    assert _contact_on(datetime.date(2025, 3, 14), person=person).is_under_18()
    assert not _contact_on(datetime.date(2025, 3, 15), person=person).is_under_18()


def test_a_contact_from_years_ago_stays_under_18_although_the_person_is_adult_today():
    person = PersonFactory(cpr="1503074321")
    assert _contact_on(datetime.date(2020, 6, 1), person=person).is_under_18()


def test_stated_age_raises_the_flag_when_the_cpr_is_unknown():
    assert _contact_on(datetime.date(2025, 3, 14), stated_age=16).is_under_18()
    assert not _contact_on(datetime.date(2025, 3, 14), stated_age=18).is_under_18()
    assert not _contact_on(datetime.date(2025, 3, 14)).is_under_18()


def test_cpr_wins_over_a_stated_age():
    person = PersonFactory(cpr="0101801234")
    assert not _contact_on(datetime.date(2025, 3, 14), person=person, stated_age=15).is_under_18()


def test_anonymous_contact_is_saved_without_a_person(staff_user):
    contact = contact_services.log_contact(
        user=staff_user, data={"channel": Channel.PHONE, "summary": "Ringede"}
    )
    assert contact.person is None
    assert contact.staff == staff_user
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(contact.pk)).exists()


def test_quick_log_sets_answered_to_the_key_press_and_ended_to_now(staff_user):
    pressed = timezone.now() - datetime.timedelta(minutes=7)
    contact = contact_services.quick_log(
        user=staff_user, channel=Channel.PHONE, acuteness=2, summary="Angst", answered_at=pressed
    )
    assert contact.answered_at == pressed
    assert contact.duration >= datetime.timedelta(minutes=7)
    assert contact.acuteness == 2


def test_walk_in_is_waiting_until_the_conversation_starts(staff_user):
    arrived = timezone.now() - datetime.timedelta(minutes=12)
    contact = contact_services.register_arrival(user=staff_user, nickname="Lone", arrived_at=arrived)
    assert contact.person.nickname == "Lone"
    assert contact.lacks_required_cpr
    assert list(Contact.objects.waiting()) == [contact]
    assert contact.minutes_waiting(timezone.now()) == 12
    started = contact_services.start_conversation(contact=contact, user=staff_user)
    assert started.wait >= datetime.timedelta(minutes=12)
    assert not Contact.objects.waiting().exists()


def test_walk_in_without_cpr_is_counted_as_lacking_it(staff_user):
    contact_services.register_arrival(user=staff_user, name="Ukendt")
    identified = PersonFactory(cpr="0101901234")
    contact_services.register_arrival(user=staff_user, person=identified)
    ContactFactory(channel=Channel.PHONE)
    assert Contact.objects.lacking_cpr().count() == 1


def test_callback_is_due_by_the_service_goal(staff_user):
    settings_row = ServiceSettings.load()
    settings_row.goal_call_back_hours = 3
    settings_row.save()
    callback = callback_services.register_callback(
        kind="voicemail", received_at=NOON, phone="20 30 40 50", user=staff_user
    )
    assert callback.due_at == NOON + datetime.timedelta(hours=3)
    assert callback.is_overdue(NOON + datetime.timedelta(hours=3, minutes=1))
    assert not callback.is_overdue(NOON + datetime.timedelta(hours=2))


def test_completing_a_callback_logs_the_outgoing_call(staff_user):
    person = PersonFactory(nickname="Bo")
    callback = CallbackFactory(person=person)
    done = callback_services.complete_callback(callback=callback, user=staff_user, summary="Ringet op")
    assert done.done_at is not None
    contact = done.contact
    assert contact.direction == Direction.OUTGOING
    assert contact.channel == Channel.PHONE
    assert contact.person == person
    assert contact.staff == staff_user
    with pytest.raises(ValidationError):
        callback_services.complete_callback(callback=callback, user=UserFactory())


def test_shift_note_is_audited_and_listed_for_24_hours(staff_user):
    from contacts.models import ShiftNote

    note = note_services.add_shift_note(text="Seng 2 skal redes", user=staff_user)
    assert list(ShiftNote.objects.recent(timezone.now())) == [note]
    assert not ShiftNote.objects.recent(timezone.now() + datetime.timedelta(hours=25)).exists()
