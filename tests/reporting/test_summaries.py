"""The per-day summaries count exactly what the contacts hold, through every kind of write.

Each step changes the data the way the app does (its services: contact edits, reasons,
referrals, plans, follow-ups, identification, merge, retention; or a write no service makes,
such as a deletion, followed by the mark it calls for), then compares the whole dashboard read
through the summaries with the dashboard counted from scratch (every summary forgotten first).
Each step must also change some figure, so a summary left stale would show. Every write service
on its own: ``test_summary_marks``.
"""

import datetime
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F

from akuttilbud.models import ServiceSettings
from akuttilbud.percentiles import nearest_rank
from contacts.models import Channel, Contact, NotificationDecision, Reason
from contacts.retention import apply_retention
from contacts.services import contacts as contact_services
from contacts.services import persons as person_services
from crisisplans import services as plan_services
from crisisplans.models import FollowUp, FollowUpStatus
from partners.models import Partner, Referral, ReferralDirection
from partners.services import add_referral
from reporting import dashboard, figures, summaries
from reporting.models import SummaryDay
from reporting.periods import Period
from reporting.tasks import refresh_summaries_task
from telephony.models import TelephonySettings
from tests.factories import ContactFactory, PersonFactory, UserFactory

from .dataset import PERIOD, build, utc
from .recount import all_fresh as _all_fresh
from .recount import counted_from_scratch as _counted_from_scratch
from .recount import figures as _figures


@pytest.fixture
def records(db):
    return build()


def test_figures_stay_exact_through_every_kind_of_write(records):
    staff = UserFactory()
    eve = PersonFactory(nickname="Eve", birth_year=2011)
    figures = _figures()
    assert _all_fresh()
    assert figures == _counted_from_scratch()

    def step(change):
        nonlocal figures
        change()
        through_summaries = _figures()
        assert through_summaries != figures, change.__name__
        assert through_summaries == _counted_from_scratch(), change.__name__
        figures = through_summaries

    def logged_afterwards_for_an_earlier_day():
        ContactFactory(started_at=utc(2026, 10, 26, 12, 0), person=eve, channel=Channel.WALK_IN)

    def earlier_contact_for_a_citizen_first_seen_in_the_period():
        records["bo_first"] = ContactFactory(started_at=utc(2026, 10, 10, 12, 0), person=records["bo"])

    def first_contact_deleted():
        contact = records["bo_first"]
        contact.delete()
        summaries.contact_changed(before=contact)

    def earlier_contact_inside_the_period():
        records["cai_first"] = ContactFactory(
            started_at=utc(2026, 10, 26, 18, 0), person=records["cai"], channel=Channel.WALK_IN
        )

    def update_contact(name, data, reasons=None):
        contact = Contact.objects.get(pk=records[name].pk)
        contact_services.update_contact(contact=contact, user=staff, data=data, reasons=reasons)

    def contact_moved_to_another_person():
        update_contact("cai_first", {"person": records["bo"]})

    def moved_to_another_day_and_channel():
        update_contact(
            "c2",
            {
                "started_at": utc(2026, 10, 29, 12, 0),
                "answered_at": utc(2026, 10, 29, 12, 7),
                "ended_at": utc(2026, 10, 29, 12, 40),
                "channel": Channel.WALK_IN,
            },
        )

    def reasons_changed():
        update_contact("c4", {}, reasons=[])
        update_contact("c5", {}, reasons=[*records["c5"].reasons.all(), Reason.objects.get(name="Ensomhed")])

    def reason_given_to_a_contact_without_reasons():
        update_contact("c9", {}, reasons=[Reason.objects.get(name="Angst")])

    def referral_made():
        add_referral(
            contact=records["c5"],
            partner=Partner.objects.order_by("pk").first(),
            direction=ReferralDirection.OUT,
            user=staff,
        )

    def referral_removed():
        referral = Referral.objects.filter(contact=records["c4"]).first()
        referral.delete()
        summaries.referral_changed(referral)

    def crisis_plan_made():
        plan_services.create_plan(
            person=records["cai"],
            contact=None,
            user=staff,
            now=utc(2026, 10, 29, 9, 0),
            wants_follow_up=False,
        )

    def follow_up_done():
        plan_services.record_follow_up(
            follow_up=FollowUp.objects.get(pk=records["f5"].pk),
            outcome=FollowUpStatus.REACHED,
            note="",
            user=staff,
            now=utc(2026, 11, 1, 9, 0),
        )

    def follow_up_first_due_moved():
        follow_up = FollowUp.objects.get(pk=records["f2"].pk)
        summaries.follow_up_changed(follow_up)
        follow_up.first_due_at = utc(2026, 9, 26, 10, 0)
        follow_up.save()
        summaries.follow_up_changed(follow_up)

    def walk_in_identified():
        person_services.identify_person(person=records["cai"], cpr="0101151238", user=staff)

    def notification_decided():
        update_contact("c3", {"notification_decision": NotificationDecision.NOT_NEEDED})

    def persons_merged():
        person_services.merge_persons(keep=records["ann"], remove=eve, user=staff)

    def contact_deleted():
        contact = Contact.objects.get(pk=records["c6"].pk)
        contact.delete()
        summaries.contact_changed(before=contact)

    def identifying_data_removed_by_retention():
        assert apply_retention(now=utc(2040, 1, 1, 0, 0), dry_run=False, years=5)

    for change in [
        logged_afterwards_for_an_earlier_day,
        earlier_contact_for_a_citizen_first_seen_in_the_period,
        first_contact_deleted,
        earlier_contact_inside_the_period,
        contact_moved_to_another_person,
        moved_to_another_day_and_channel,
        reasons_changed,
        reason_given_to_a_contact_without_reasons,
        referral_made,
        referral_removed,
        crisis_plan_made,
        follow_up_done,
        follow_up_first_due_moved,
        walk_in_identified,
        notification_decided,
        persons_merged,
        contact_deleted,
        identifying_data_removed_by_retention,
    ]:
        step(change)


def test_a_write_leaves_only_its_own_days_to_count_again(records):
    _figures()
    contact_services.update_contact(
        contact=Contact.objects.get(pk=records["c4"].pk),
        user=UserFactory(),
        data={"started_at": utc(2026, 10, 26, 9, 0)},
    )
    stale = SummaryDay.objects.exclude(summarised=F("changes")).values_list("day", flat=True)
    assert sorted(stale) == [datetime.date(2026, 10, 26), datetime.date(2026, 10, 27)]


def test_a_new_person_changes_no_day(records):
    _figures()
    PersonFactory(name="Eva")
    assert _all_fresh()


def test_refresh_counts_every_stale_or_missing_day_up_to_today(records):
    # From the first contact (1 September) to the last (1 November, local): 62 days.
    assert summaries.refresh(datetime.date(2026, 11, 20)) == 62
    assert summaries.refresh(datetime.date(2026, 11, 20)) == 0
    contact_services.update_contact(contact=records["c5"], user=records["c5"].staff, data={})
    assert summaries.refresh(datetime.date(2026, 11, 20)) == 1
    assert SummaryDay.objects.filter(summarised=F("changes")).count() == 62


def test_dashboard_after_the_refresh_only_reads(records, django_assert_max_num_queries):
    summaries.refresh(datetime.date(2026, 11, 20))
    ServiceSettings.load()
    TelephonySettings.load()
    with django_assert_max_num_queries(60) as queries:
        dashboard.build(PERIOD)
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC))
def test_refresh_command_and_task(records):
    output = io.StringIO()
    call_command("refresh_summaries", stdout=output)
    assert "62 days counted" in output.getvalue()
    assert refresh_summaries_task() == 0
    # A contact today: the 19 days since the last one are counted (empty) up to today.
    ContactFactory(started_at=utc(2026, 11, 20, 9, 0))
    assert refresh_summaries_task() == 19


@pytest.mark.parametrize(
    "period",
    [
        Period(datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)),
        Period(datetime.date(2026, 8, 15), datetime.date(2026, 11, 20)),
    ],
    ids=["whole month", "months and days"],
)
def test_months_and_days_together_count_what_the_contacts_hold(records, period):
    ContactFactory(
        started_at=utc(2026, 8, 20, 10, 0), person=records["bo"], answered_at=utc(2026, 8, 20, 10, 2)
    )
    contacts = list(
        Contact.objects.filter(started_at__gte=period.start_at, started_at__lt=period.end_at).select_related(
            "person"
        )
    )
    expected = Counter(
        (contact.channel, contact.direction, contact.caller_role, contact.acuteness, contact.person is None)
        for contact in contacts
    )
    assert figures.contact_counts(period) == expected
    persons = {contact.person for contact in contacts if contact.person}
    earlier = set(
        Contact.objects.filter(person__in=persons, started_at__lt=period.start_at).values_list(
            "person", flat=True
        )
    )
    counts = figures.person_counts(period)
    assert (counts["unique_persons"], counts["repeat_persons"]) == (len(persons), len(earlier))
    assert counts["psychiatry_yes"] == sum(1 for person in persons if person.psychiatry_contact == "yes")
    phone_waits = Counter(
        (contact.answered_at - contact.started_at) // datetime.timedelta(microseconds=1)
        for contact in contacts
        if contact.channel == Channel.PHONE and contact.direction == "in" and contact.answered_at
    )
    waits = figures.waits(period)["phone"]
    assert waits["count"] == sum(phone_waits.values())
    assert waits["median_minutes"] == nearest_rank(sorted(phone_waits.items()), 50) / 10**6 / 60
