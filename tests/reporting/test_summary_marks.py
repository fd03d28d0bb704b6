"""Every service that writes what the summaries count marks the days it changed.

Each case reads the whole dashboard (so every day is summarised and fresh), calls one write
service as the app does, and compares the dashboard read through the summaries with the
dashboard counted from scratch: a day the service forgot to mark would still show the old
count. Where the write changes a figure, that is asserted too, so the comparison can fail.
"""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from akuttilbud import cpr
from bench import load_data
from contacts.models import Callback, CallerRole, Channel, Contact, Direction, PsychiatryContact, Reason
from contacts.retention import apply_retention
from contacts.services import callbacks as callback_services
from contacts.services import contacts as contact_services
from contacts.services import persons as person_services
from contacts.services import stays as stay_services
from crisisplans import services as plan_services
from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus, Occasion
from partners.models import Partner, ReferralDirection
from partners.services import add_referral
from reporting.periods import Period
from telephony import desk
from telephony import services as telephony_services
from telephony.models import TelephonySettings
from tests.factories import CallbackFactory, UserFactory
from tests.telephony.factories import ExtensionFactory

from .dataset import build, utc
from .recount import all_fresh, counted_from_scratch, figures

# Inside the week under test, so that writes dated "now" count in it.
# After the dataset's last follow-up falls due: a period judges only follow-ups due by yesterday.
NOW = utc(2026, 11, 2, 12, 0)


def _call(call_id, event, at, extension=""):
    return telephony_services.record_call_event(
        call_id=call_id,
        event=event,
        at=at,
        line="akut",
        caller="+4512345678",
        extension=extension,
        event_id=f"{call_id}-{event}",
        source="test",
    )


def _answered_call(call_id, rang):
    _call(call_id, "ringing", rang)
    _call(call_id, "answered", rang + datetime.timedelta(seconds=50), extension="201")
    return _call(call_id, "ended", rang + datetime.timedelta(minutes=6))


# Each case prepares what it needs, yields, then makes the one write under test.


def contact_logged_for_an_earlier_day(records, staff):
    yield
    contact_services.log_contact(
        user=staff,
        data={
            "channel": Channel.PHONE,
            "direction": Direction.INCOMING,
            "caller_role": CallerRole.CITIZEN,
            "person": records["bo"],
            "started_at": utc(2026, 10, 26, 9, 0),
            "answered_at": utc(2026, 10, 26, 9, 3),
        },
        reasons=[Reason.objects.get(name="Ensomhed")],
    )


def call_quick_logged(records, staff):
    yield
    contact_services.quick_log(user=staff, channel=Channel.PHONE, acuteness=1, summary="Ringede", now=NOW)


def walk_in_arrived_as_a_new_person(records, staff):
    yield
    contact_services.register_arrival(user=staff, nickname="Stær", stated_age=16, arrived_at=NOW)


def walk_in_arrived_earlier_than_their_first_visit(records, staff):
    yield
    contact_services.register_arrival(user=staff, person=records["cai"], arrived_at=utc(2026, 10, 26, 18, 0))


def conversation_started(records, staff):
    contact = contact_services.register_arrival(
        user=staff, person=records["bo"], arrived_at=utc(2026, 10, 29, 20, 0)
    )
    yield
    contact_services.start_conversation(contact=contact, user=staff, now=utc(2026, 10, 29, 20, 25))


def contact_moved_to_another_day_and_channel(records, staff):
    yield
    contact_services.update_contact(
        contact=Contact.objects.get(pk=records["c4"].pk),
        user=staff,
        data={
            "started_at": utc(2026, 10, 29, 12, 0),
            "answered_at": utc(2026, 10, 29, 12, 7),
            "ended_at": utc(2026, 10, 29, 12, 40),
            "channel": Channel.PHONE,
        },
    )


def contact_given_to_another_person(records, staff):
    # Ann's next day of contact after it (1 November) then follows her day before (24 October).
    yield
    contact_services.update_contact(
        contact=Contact.objects.get(pk=records["c1"].pk), user=staff, data={"person": records["bo"]}
    )


def stated_age_changed(records, staff):
    yield
    contact_services.update_contact(
        contact=Contact.objects.get(pk=records["c3"].pk), user=staff, data={"stated_age": 40}
    )


def reasons_changed(records, staff):
    yield
    contact_services.update_contact(
        contact=Contact.objects.get(pk=records["c5"].pk),
        user=staff,
        data={},
        reasons=[Reason.objects.get(name="Ensomhed")],
    )


def anonymous_contact_linked_to_a_person(records, staff):
    yield
    person_services.link_person(
        contact=Contact.objects.get(pk=records["c2"].pk), person=records["cai"], user=staff
    )


def person_created_for_an_anonymous_contact(records, staff):
    yield
    person_services.create_person(
        user=staff,
        data={"name": "Dina Dam"},
        cpr=cpr.parse("0101121236"),
        contact=Contact.objects.get(pk=records["c3"].pk),
    )


def person_changed(records, staff):
    yield
    person_services.update_person(
        person=records["cai"],
        user=staff,
        data={"birth_year": 2012, "psychiatry_contact": PsychiatryContact.YES},
    )


def person_identified(records, staff):
    yield
    person_services.identify_person(person=records["cai"], cpr=cpr.parse("0101151238"), user=staff)


def persons_merged(records, staff):
    yield
    person_services.merge_persons(keep=records["bo"], remove=records["cai"], user=staff)


def call_back_made(records, staff):
    callback = CallbackFactory(received_at=utc(2026, 10, 29, 8, 0), person=records["bo"])
    yield
    callback_services.complete_callback(callback=Callback.objects.get(pk=callback.pk), user=staff, now=NOW)


def stay_booked(records, staff):
    yield
    stay_services.book_stay(person=records["cai"], bed=4, check_in=utc(2026, 10, 29, 18, 0), user=staff)


def stay_checked_out(records, staff):
    stay = stay_services.book_stay(
        person=records["cai"], bed=4, check_in=utc(2026, 10, 26, 18, 0), user=staff
    )
    yield
    stay_services.check_out_stay(stay=stay, check_out=utc(2026, 10, 27, 8, 0), user=staff)


def plan_made_with_a_follow_up(records, staff):
    yield
    plan_services.create_plan(
        person=records["cai"], contact=records["c5"], user=staff, now=utc(2026, 10, 28, 18, 30)
    )


def plan_no_longer_wants_its_follow_up(records, staff):
    yield
    plan_services.update_plan(plan=records["f5"].plan, user=staff, now=NOW, wants_follow_up=False)


def plan_closed(records, staff):
    yield
    plan_services.close_plan(plan=records["f5"].plan, user=staff, now=NOW)


def follow_up_reached(records, staff):
    yield
    plan_services.record_follow_up(
        follow_up=FollowUp.objects.get(pk=records["f5"].pk),
        outcome=FollowUpStatus.REACHED,
        note="",
        user=staff,
        now=utc(2026, 10, 31, 23, 45),
    )


def follow_up_not_reached_yet(records, staff):
    yield
    plan_services.record_follow_up(
        follow_up=FollowUp.objects.get(pk=records["f5"].pk),
        outcome=FollowUpStatus.NOT_REACHED,
        note="",
        user=staff,
        now=utc(2026, 10, 31, 23, 45),
    )


def wellbeing_scored(records, staff):
    yield
    plan_services.record_wellbeing_score(
        person=records["cai"], occasion=Occasion.FOLLOW_UP, answers=[4] * 7, user=staff, now=NOW
    )


def referral_made(records, staff):
    yield
    add_referral(
        contact=records["c5"],
        partner=Partner.objects.order_by("pk").first(),
        direction=ReferralDirection.OUT,
        user=staff,
    )


def call_described_at_the_desk(records, staff):
    ExtensionFactory(number="201", user=staff)
    session = _answered_call("described", utc(2026, 10, 29, 21, 0))
    yield
    desk.log_call(user=staff, session=session, channel=Channel.PHONE, acuteness=2, summary="Ringede")


def undescribed_call_saved(records, staff):
    ExtensionFactory(number="201", user=staff)
    TelephonySettings.objects.update_or_create(pk=1, defaults={"undescribed_after_minutes": 30})
    _answered_call("undescribed", utc(2026, 10, 29, 21, 0))
    yield
    assert len(desk.save_undescribed_calls(now=NOW)) == 1


def identifying_data_removed_by_retention(records, staff):
    yield
    assert apply_retention(now=utc(2040, 1, 1, 0, 0), dry_run=False, years=5)


# Writes that change no figure: they must still leave the summaries as a recount has them.
CHANGE_NO_FIGURE = {follow_up_not_reached_yet}

WRITES = [
    contact_logged_for_an_earlier_day,
    call_quick_logged,
    walk_in_arrived_as_a_new_person,
    walk_in_arrived_earlier_than_their_first_visit,
    conversation_started,
    contact_moved_to_another_day_and_channel,
    contact_given_to_another_person,
    stated_age_changed,
    reasons_changed,
    anonymous_contact_linked_to_a_person,
    person_created_for_an_anonymous_contact,
    person_changed,
    person_identified,
    persons_merged,
    call_back_made,
    stay_booked,
    stay_checked_out,
    plan_made_with_a_follow_up,
    plan_no_longer_wants_its_follow_up,
    plan_closed,
    follow_up_reached,
    follow_up_not_reached_yet,
    wellbeing_scored,
    referral_made,
    call_described_at_the_desk,
    undescribed_call_saved,
    identifying_data_removed_by_retention,
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("write", WRITES, ids=[write.__name__ for write in WRITES])
def test_every_write_service_leaves_the_summaries_as_a_full_recount(db, write):
    records = build()
    staff = UserFactory()
    steps = write(records, staff)
    next(steps)
    before = figures()
    assert all_fresh()
    with pytest.raises(StopIteration):
        next(steps)
    through_summaries = figures()
    if write not in CHANGE_NO_FIGURE:
        assert through_summaries != before
    assert through_summaries == counted_from_scratch()


def _recent():
    today = timezone.localdate()
    return [Period(today - datetime.timedelta(days=120), today + datetime.timedelta(days=1))]


def test_demo_data_is_counted_as_a_full_recount_has_it(db):
    call_command("seed_demo", stdout=io.StringIO())
    assert figures(_recent()) == counted_from_scratch(_recent())


# Outside a test transaction: on PostgreSQL the load ends with VACUUM, which cannot run in one.
@pytest.mark.django_db(transaction=True)
def test_benchmark_data_is_counted_afresh_once_generated():
    load_data.generate(contacts=300, seed=3, stdout=io.StringIO())
    assert CrisisPlan.objects.exists()
    assert all_fresh()
    assert figures(_recent()) == counted_from_scratch(_recent())


def test_the_admin_writes_nothing_the_summaries_count(admin_client):
    records = build()
    reason = Reason.objects.get(name="Angst")
    response = admin_client.post(reverse("admin:contacts_reason_delete", args=[reason.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert records["c4"].reasons.filter(pk=reason.pk).exists()
    contact = records["c4"]
    response = admin_client.post(
        reverse("admin:contacts_contact_change", args=[contact.pk]), {"acuteness": 1}
    )
    assert response.status_code == 403
    assert Contact.objects.get(pk=contact.pk).acuteness == 2
    # Renamed or out of use, a reason keeps counting its contacts.
    response = admin_client.post(
        reverse("admin:contacts_reason_change", args=[reason.pk]),
        {"name": "Angst og uro", "position": 1, "active": ""},
    )
    assert response.status_code == 302
    assert records["c4"].reasons.filter(pk=reason.pk).exists()
