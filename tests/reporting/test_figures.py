"""Every dashboard figure against values counted by hand from ``dataset.py``.

Run on SQLite and on PostgreSQL: the local-time bucketing must agree on both.
"""

import datetime
from collections import Counter
from decimal import Decimal

import pytest

from akuttilbud.percentiles import nearest_rank
from reporting import care_figures, figures
from reporting.periods import Period

from .dataset import PERIOD, build, utc


@pytest.fixture
def dataset(db):
    return build()


def _pairs(values):
    return sorted(Counter(values).items())


def test_nearest_rank_percentile():
    assert nearest_rank([], 50) is None
    assert nearest_rank(_pairs([5]), 90) == 5
    assert nearest_rank(_pairs([4, 1, 3, 2]), 50) == 2
    assert nearest_rank(_pairs([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 90) == 9
    assert nearest_rank(_pairs([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 90) == 10
    # Repeated values count once each: the 5th of [1, 1, 1, 2, 2, 9] is 2, the 6th is 9.
    assert nearest_rank([(1, 3), (2, 2), (9, 1)], 80) == 2
    assert nearest_rank([(1, 3), (2, 2), (9, 1)], 90) == 9
    assert nearest_rank([(1, 3), (2, 2), (9, 1)], 50) == 1


def test_contact_overview_counts_local_period_across_daylight_saving(dataset):
    overview = figures.contact_overview(PERIOD)
    assert overview["total"] == 7
    assert overview["anonymous"] == 3
    assert overview["anonymous_share"] == pytest.approx(3 / 7)
    assert overview["unique_persons"] == 3
    assert overview["repeat_persons"] == 1
    assert overview["first_time_persons"] == 2


def test_previous_period_holds_the_contact_just_before_local_midnight(dataset):
    previous = PERIOD.previous()
    assert previous == Period(datetime.date(2026, 10, 18), datetime.date(2026, 10, 25))
    overview = figures.contact_overview(previous)
    assert overview["total"] == 1
    assert overview["repeat_persons"] == 1


def test_unique_persons_by_previous_contact_with_psychiatry(dataset):
    assert figures.psychiatry_contact(PERIOD) == {"unknown": 2, "yes": 1}


def test_contacts_by_channel_and_direction(dataset):
    assert figures.contacts_by_channel(PERIOD) == {
        ("phone", "in"): 3,
        ("phone", "out"): 1,
        ("walk_in", "in"): 2,
        ("outreach", "out"): 1,
    }


def test_caller_roles_and_acuteness(dataset):
    assert figures.caller_roles(PERIOD) == {"citizen": 6, "relative": 1}
    assert figures.acuteness(PERIOD) == {1: 1, 2: 2, 3: 3, None: 1}


def test_reasons_count_each_reason_of_contacts_in_period(dataset):
    counts = dict(figures.reasons(PERIOD))
    assert counts["Ensomhed"] == 1
    assert counts["Angst"] == 2
    assert sum(counts.values()) == 3


def test_heatmap_buckets_by_local_weekday_and_hour(dataset):
    grid = figures.heatmap(PERIOD)
    expected = {(7, 0): 1, (7, 2): 2, (2, 16): 1, (3, 18): 1, (6, 23): 1, (4, 11): 1}
    actual = {
        (weekday + 1, hour): count
        for weekday, hours in enumerate(grid)
        for hour, count in enumerate(hours)
        if count
    }
    assert actual == expected


def test_waits_against_service_goals(dataset):
    waits = figures.waits(PERIOD)
    assert waits["phone"] == {
        "count": 3,
        "goal_minutes": 2,
        "within_goal": 2,
        "share_within_goal": pytest.approx(2 / 3),
        "median_minutes": pytest.approx(2),
        "p90_minutes": pytest.approx(3),
    }
    assert waits["walk_in"]["count"] == 2
    assert waits["walk_in"]["within_goal"] == 1
    assert waits["walk_in"]["median_minutes"] == pytest.approx(10)
    assert waits["walk_in"]["p90_minutes"] == pytest.approx(20)
    assert waits["call_back"]["count"] == 2
    assert waits["call_back"]["goal_minutes"] == 120
    assert waits["call_back"]["share_within_goal"] == pytest.approx(0.5)
    assert waits["call_back"]["median_minutes"] == pytest.approx(90)
    assert waits["call_back"]["p90_minutes"] == pytest.approx(180)


def test_bed_occupancy_counts_only_nights_inside_the_period(dataset):
    beds = care_figures.beds(PERIOD, today=dataset["today"])
    assert beds == {"bed_nights": 4, "capacity": 28, "occupancy": pytest.approx(4 / 28), "meals": 5}
    previous = care_figures.beds(PERIOD.previous(), today=dataset["today"])
    assert previous["bed_nights"] == 2
    assert previous["meals"] == 4


def test_open_stay_counts_nights_up_to_today(dataset):
    dataset["s2"].check_out = None
    dataset["s2"].save()
    assert care_figures.beds(PERIOD, today=datetime.date(2026, 10, 31))["bed_nights"] == 3


def test_plans_per_walk_in(dataset):
    assert figures.plans_per_walk_in(PERIOD) == {"plans": 3, "walk_ins": 2, "ratio": 1.5}


def test_follow_ups_on_time_by_local_first_due_date(dataset):
    follow_ups = care_figures.follow_ups(PERIOD)
    assert follow_ups["owed"] == 3
    assert follow_ups["on_time"] == 2
    assert follow_ups["reached"] == 2
    assert follow_ups["on_time_share"] == pytest.approx(2 / 3)
    assert follow_ups["reached_share"] == pytest.approx(2 / 3)


def test_under_18_contacts_and_notification_decisions(dataset):
    assert figures.under_18(PERIOD) == {"contacts": 2, "with_decision": 1, "notified": 1}


def test_under_18_for_a_period_starting_on_29_february(db):
    assert figures.under_18(Period(datetime.date(2028, 2, 29), datetime.date(2028, 3, 1)))["contacts"] == 0


def test_records_lacking_a_required_cpr(dataset):
    assert figures.lacking_cpr(PERIOD) == {"contacts": 2, "stays": 1, "plans": 1, "follow_ups": 1}


def test_referrals_by_partner_kind_and_direction(dataset):
    assert care_figures.referrals(PERIOD) == {
        ("Politiet", "out"): 1,
        ("Regionspsykiatrien", "out"): 1,
        ("Regionspsykiatrien", "in"): 1,
    }


def test_wellbeing_pairs_first_contact_score_with_first_later_follow_up(dataset):
    wellbeing = care_figures.wellbeing(PERIOD)
    before = (Decimal("15.32") + Decimal("18.59")) / 2
    after = Decimal("19.25")
    assert wellbeing["pairs"] == 2
    assert wellbeing["mean_at_contact"] == pytest.approx(float(before))
    assert wellbeing["mean_at_follow_up"] == pytest.approx(float(after))
    assert wellbeing["mean_change"] == pytest.approx(float(after - before))
    assert wellbeing["percent_change"] == pytest.approx(float((after - before) / before * 100))
    assert wellbeing["improved"] == 1
    assert wellbeing["improved_share"] == pytest.approx(0.5)


def test_wellbeing_without_pairs_is_empty(db):
    assert care_figures.wellbeing(PERIOD)["pairs"] == 0


def test_running_cost_per_contact_and_citizen_over_the_periods_months(dataset):
    costs = figures.costs(PERIOD, dataset["today"])
    assert costs["months"] == [datetime.date(2026, 10, 1)]
    assert costs["missing_months"] == []
    assert costs["running"] == Decimal("100000.00")
    assert costs["establishment"] == Decimal("50000.00")
    assert costs["contacts"] == 8
    assert costs["citizens"] == 3
    assert costs["per_contact"] == Decimal("12500")
    assert costs["per_citizen"] == pytest.approx(Decimal("100000") / 3)
    assert (costs["national_per_contact"], costs["national_per_citizen"]) == (1800, 13700)


def test_monthly_trend_buckets_by_local_month(dataset):
    trend = figures.monthly_trend(PERIOD)
    assert len(trend) == 12
    assert trend[0] == (datetime.date(2025, 11, 1), 0)
    assert trend[-2] == (datetime.date(2026, 9, 1), 1)
    assert trend[-1] == (datetime.date(2026, 10, 1), 8)
    november = figures.monthly_trend(Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)))
    assert november[-1] == (datetime.date(2026, 11, 1), 1)


def test_contact_at_local_midnight_of_the_end_date_belongs_to_the_next_period(dataset):
    next_week = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 8))
    assert figures.contact_overview(next_week)["total"] == 1
    assert dataset["c7"].started_at == utc(2026, 10, 31, 23, 30)
