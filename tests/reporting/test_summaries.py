"""The per-day summaries count exactly what the contacts hold, through every kind of write.

Each step changes the data the way the app does (form saves, reasons, identification, merge,
deletion, retention), then compares the whole dashboard read through the summaries with the
dashboard counted from scratch (every summary forgotten first). Each step must also change
some figure, so a summary left stale would show.
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
from contacts.services import persons as person_services
from crisisplans.models import FollowUp, FollowUpStatus
from partners.models import Partner, Referral
from reporting import dashboard, figures, summaries
from reporting.models import SummaryDay, SummaryMonth
from reporting.periods import Period
from reporting.tasks import refresh_summaries_task
from telephony.models import TelephonySettings
from tests.factories import ContactFactory, PersonFactory, UserFactory

from .dataset import PERIOD, build, utc
from .factories import CrisisPlanFactory, ReferralFactory

# Wide enough to hold every dated record of the dataset, and the week under test inside it.
PERIODS = [PERIOD, Period(datetime.date(2026, 8, 1), datetime.date(2026, 12, 1))]


def _figures():
    return {
        (period, key): figure.rows for period in PERIODS for key, figure in dashboard.build(period).items()
    }


def _counted_from_scratch():
    for model in [SummaryDay, SummaryMonth, *summaries.TABLES, *summaries.ROLLUPS]:
        model.objects.all().delete()
    return _figures()


def _all_fresh():
    return not SummaryDay.objects.exclude(summarised=F("changes")).exists()


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
        records["bo_first"].delete()

    def earlier_contact_inside_the_period():
        records["cai_first"] = ContactFactory(
            started_at=utc(2026, 10, 26, 18, 0), person=records["cai"], channel=Channel.WALK_IN
        )

    def contact_moved_to_another_person():
        contact = Contact.objects.get(pk=records["cai_first"].pk)
        contact.person = records["bo"]
        contact.save()

    def moved_to_another_day_and_channel():
        contact = Contact.objects.get(pk=records["c2"].pk)
        contact.started_at = utc(2026, 10, 29, 12, 0)
        contact.answered_at = utc(2026, 10, 29, 12, 7)
        contact.ended_at = utc(2026, 10, 29, 12, 40)
        contact.channel = Channel.WALK_IN
        contact.save()

    def reasons_changed():
        records["c4"].reasons.clear()
        records["c5"].reasons.add(Reason.objects.get(name="Ensomhed"))

    def reason_given_from_the_reasons_side():
        Reason.objects.get(name="Angst").contact_set.add(records["c9"])

    def referral_made():
        ReferralFactory(
            contact=records["c5"], partner=Partner.objects.order_by("pk").first(), created_by=staff
        )

    def referral_removed():
        Referral.objects.filter(contact=records["c4"]).first().delete()

    def crisis_plan_made():
        CrisisPlanFactory(person=records["cai"], created_at=utc(2026, 10, 29, 9, 0), created_by=staff)

    def follow_up_done():
        follow_up = FollowUp.objects.get(pk=records["f5"].pk)
        follow_up.status = FollowUpStatus.REACHED
        follow_up.completed_at = utc(2026, 11, 1, 9, 0)
        follow_up.save()

    def follow_up_first_due_moved():
        follow_up = FollowUp.objects.get(pk=records["f2"].pk)
        follow_up.first_due_at = utc(2026, 9, 26, 10, 0)
        follow_up.save()

    def walk_in_identified():
        person_services.identify_person(person=records["cai"], cpr="0101151238", user=staff)

    def notification_decided():
        records["c3"].notification_decision = NotificationDecision.NOT_NEEDED
        records["c3"].save()

    def persons_merged():
        person_services.merge_persons(keep=records["ann"], remove=eve, user=staff)

    def contact_deleted():
        Contact.objects.filter(pk=records["c6"].pk).delete()

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
        reason_given_from_the_reasons_side,
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
    contact = Contact.objects.get(pk=records["c4"].pk)
    contact.started_at = utc(2026, 10, 26, 9, 0)
    contact.save()
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
    records["c5"].save()
    assert summaries.refresh(datetime.date(2026, 11, 20)) == 1
    assert SummaryDay.objects.filter(summarised=F("changes")).count() == 62


def test_dashboard_after_the_refresh_only_reads(records, django_assert_max_num_queries):
    summaries.refresh(datetime.date(2026, 11, 20))
    ServiceSettings.load()
    TelephonySettings.load()
    with django_assert_max_num_queries(57) as queries:
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
