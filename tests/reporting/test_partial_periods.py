"""Periods that are not over count what has happened by now; missing costs show no figure.

Local time is Europe/Copenhagen (UTC+1 in November and December 2026).
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contacts.models import Channel, Direction
from crisisplans.models import FollowUpStatus
from reporting import dashboard, figures
from reporting.models import CostCategory
from reporting.periods import Period
from tests.factories import ContactFactory, PersonFactory, StayFactory

from .dataset import utc
from .factories import CostEntryFactory, CrisisPlanFactory, FollowUpFactory

DECEMBER = Period(datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
NOVEMBER = Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
DASHBOARD = reverse("reporting:dashboard")


def _follow_up(first_due_at, completed_at=None):
    return FollowUpFactory(
        plan=CrisisPlanFactory(created_at=first_due_at - datetime.timedelta(days=5)),
        first_due_at=first_due_at,
        completed_at=completed_at,
        status=FollowUpStatus.REACHED if completed_at else FollowUpStatus.OPEN,
    )


@pytest.fixture
def autumn(db):
    """Contacts, follow-ups, a stay and costs around 1 December 2026."""
    for started_at in [
        utc(2026, 11, 1, 9, 0),
        utc(2026, 11, 2, 9, 0),
        utc(2026, 11, 5, 9, 0),
        utc(2026, 11, 30, 12, 0),
        utc(2026, 12, 1, 9, 0),
        utc(2026, 12, 2, 9, 0),
    ]:
        ContactFactory(started_at=started_at, person=PersonFactory())
    # Due 1 December: one done that day, one not done.
    _follow_up(utc(2026, 12, 1, 10, 0), completed_at=utc(2026, 12, 1, 15, 0))
    _follow_up(utc(2026, 12, 1, 11, 0))
    # Due 2 December in the morning, not done yet: still within its day.
    _follow_up(utc(2026, 12, 2, 8, 0))
    # Falling due later in December.
    for day in (10, 20, 30):
        _follow_up(utc(2026, 12, day, 10, 0))
    # Due in November, done a day late.
    _follow_up(utc(2026, 11, 20, 10, 0), completed_at=utc(2026, 11, 21, 10, 0))
    # Checked in 30 November and still in bed 1.
    StayFactory(bed=1, check_in=utc(2026, 11, 30, 17, 0), check_out=None)
    for month, amount in [(NOVEMBER.start, "150000.00"), (DECEMBER.start, "99999.00")]:
        CostEntryFactory(month=month, category=CostCategory.SALARIES, amount=Decimal(amount))


@time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC))
def test_a_month_under_way_counts_what_has_happened_by_now(autumn):
    board = dashboard.build(DECEMBER)
    assert not board.complete
    assert board.period == Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 3))
    # The previous month cut to as many days: 1–2 November.
    assert board.previous == Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 3))
    headline = {item.key: item for item in board.headline}
    assert (headline["contacts"].current, headline["contacts"].previous) == (2, 2)
    # Only the two due 1 December are judged: the one due this morning can still be done today.
    follow_ups = board.figures["follow_ups"].rows
    assert follow_ups[0][1:] == [2, 0]
    assert follow_ups[1][1:] == [1, 0]
    assert headline["follow_ups"].current == 50
    # One night has passed (1 December), out of 4 beds.
    beds = board.figures["beds"].rows
    assert beds[0][1] == 1
    assert beds[1][1] == 4
    assert headline["beds"].current == 25
    # December is not over: no cost figure; November, whole and over, has one.
    assert headline["costs"].current is None
    assert headline["costs"].current_missing == "ingen hel måned er slut"
    assert board.figures["costs"].rows[0][1:] == [None, 150000.0]
    assert headline["costs"].previous == 37500.0


@time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC))
def test_on_the_first_day_of_the_month_no_night_or_deadline_has_passed(autumn):
    board = dashboard.build(DECEMBER)
    assert board.period == Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 2))
    assert board.previous == Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 2))
    headline = {item.key: item for item in board.headline}
    assert (headline["contacts"].current, headline["contacts"].previous) == (1, 1)
    assert board.figures["beds"].rows[1][1] == 0
    assert headline["beds"].current is None
    assert board.figures["follow_ups"].rows[0][1] == 0
    assert headline["follow_ups"].current is None


@time_machine.travel(datetime.datetime(2026, 12, 31, 19, 0, tzinfo=datetime.UTC))
def test_on_the_last_day_of_the_month_it_is_still_not_over(autumn):
    board = dashboard.build(DECEMBER)
    assert not board.complete
    assert board.period == DECEMBER
    # November has 30 days: the previous period is the whole of it.
    assert board.previous == NOVEMBER
    # Nights 1–30 December have passed; tonight's has not.
    assert board.figures["beds"].rows[:2] == [
        ["Sengenætter", 30, 1],
        ["Sengekapacitet (senge × dage)", 120, 120],
    ]
    # Due up to 30 December: the two of 1 December, the one of 2 December and those of the 10th,
    # 20th and 30th.
    assert board.figures["follow_ups"].rows[0][1] == 6
    assert board.figures["costs"].rows[0][1] is None


@time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC))
def test_a_period_entirely_in_the_past_is_counted_whole(autumn):
    board = dashboard.build(NOVEMBER)
    assert board.complete
    assert board.period == NOVEMBER
    # The previous period of a calendar month is the calendar month before it.
    assert board.previous == Period(datetime.date(2026, 10, 1), datetime.date(2026, 11, 1))
    headline = {item.key: item for item in board.headline}
    assert headline["contacts"].current == 4
    # 30 November's night of the open stay is inside November: 1 of 4 × 30.
    assert board.figures["beds"].rows[:2] == [
        ["Sengenætter", 1, 0],
        ["Sengekapacitet (senge × dage)", 120, 124],
    ]
    assert board.figures["follow_ups"].rows[0][1:] == [1, 0]
    assert headline["follow_ups"].current == 0
    assert headline["costs"].current == 37500.0
    # October has no cost entries: no cost figure, never 0.
    assert headline["costs"].previous is None
    assert headline["costs"].previous_missing == "ingen udgifter registreret"


@time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC))
def test_the_page_says_the_period_is_not_over(leader_client, autumn):
    content = leader_client.get(DASHBOARD, {"preset": "this_month"}).content.decode()
    assert "Perioden er ikke slut: tal til og med i dag kl. 13:00." in content
    assert "Den forrige periode sammenlignes over lige så mange dage (2 dage)." in content
    assert "Ingen hel måned i perioden er slut endnu" in content
    over = leader_client.get(DASHBOARD, {"preset": "last_month"}).content.decode()
    assert "Perioden er ikke slut" not in over
    assert "Forrige periode: ingen udgifter registreret" in over


@time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC))
def test_a_period_without_cost_entries_shows_no_cost_figure(leader_client, db):
    ContactFactory(started_at=utc(2026, 11, 3, 9, 0))
    response = leader_client.get(DASHBOARD, {"preset": "last_month"})
    costs = next(item for item in response.context["headline"] if item.key == "costs")
    assert (costs.current, costs.previous) == (None, None)
    content = response.content.decode()
    assert "ingen udgifter registreret" in content
    assert "0 kr" not in content


@time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC))
def test_a_month_without_costs_inside_the_period_is_named(db):
    CostEntryFactory(month=NOVEMBER.start, category=CostCategory.RENT, amount=Decimal("1000.00"))
    costs = figures.costs(
        Period(datetime.date(2026, 10, 1), datetime.date(2026, 12, 1)), datetime.date(2026, 12, 2)
    )
    assert costs["missing_months"] == [datetime.date(2026, 10, 1)]
    assert costs["running"] == Decimal("1000.00")


@time_machine.travel(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC))
def test_a_custom_period_that_has_not_begun_is_a_form_error(leader_client, db):
    response = leader_client.get(DASHBOARD, {"preset": "custom", "start": "2026-12-10", "end": "2026-12-20"})
    assert response.status_code == 200
    assert "Perioden er ikke begyndt endnu." in response.content.decode()


def test_walk_in_waits_count_incoming_walk_ins_only(db):
    ContactFactory(
        channel=Channel.WALK_IN, started_at=utc(2026, 11, 3, 9, 0), answered_at=utc(2026, 11, 3, 9, 5)
    )
    ContactFactory(
        channel=Channel.WALK_IN,
        direction=Direction.OUTGOING,
        started_at=utc(2026, 11, 3, 10, 0),
        answered_at=utc(2026, 11, 3, 12, 0),
    )
    walk_ins = figures.waits(NOVEMBER)["walk_in"]
    assert walk_ins["count"] == 1
    assert walk_ins["median_minutes"] == pytest.approx(5)
