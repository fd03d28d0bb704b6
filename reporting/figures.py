"""The dashboard's figures, each a function of a ``Period`` (local dates, ``[start, end)``).

Figures about contacts read the per-day counts of ``summaries`` (brought up to date first, so
they count exactly what the contacts hold); the rest count their records in the database
(``values().annotate()``, conditional ``Count``). Every function runs a fixed number of queries
however much data the period holds. Local-time buckets (day, hour, due date) pass the Copenhagen
zone to the database functions, which gives the same answer on SQLite and PostgreSQL, across
daylight-saving changes too.
"""

import datetime
import math
from collections import Counter
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractIsoWeekDay,
    Round,
    RowNumber,
)
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from contacts.models import (
    CHANNELS_NEEDING_CPR,
    Channel,
    NotificationDecision,
    PsychiatryContact,
    Reason,
)
from crisisplans.models import FollowUpStatus, Occasion, WellbeingScore
from crisisplans.swemwbs import MEANINGFUL_CHANGE

from . import queries, summaries
from .models import (
    ContactDay,
    ContactMonth,
    CostCategory,
    FollowUpDay,
    HourDay,
    PersonDay,
    PersonMonth,
    PlanDay,
    ReasonDay,
    ReferralDay,
    Under18Day,
    WaitDay,
    WaitKind,
    WaitMonth,
)
from .periods import Period, add_months

MICROSECOND = datetime.timedelta(microseconds=1)

# The national evaluation's running cost per contact and per unique user, 2016 (DKK).
NATIONAL_COST_PER_CONTACT = 1_800
NATIONAL_COST_PER_CITIZEN = 13_700

# Follow-ups the citizen did not want, or whose plan was cancelled, were never owed.
NOT_OWED_FOLLOW_UP = [FollowUpStatus.NOT_WANTED, FollowUpStatus.CANCELLED]


def _local_zone():
    return timezone.get_default_timezone()


def _share(part, whole):
    return part / whole if whole else None


def _days(model, period):
    """The period's rows of a summary table, counted up to date first."""
    summaries.ensure(period.end)
    return model.objects.filter(day__gte=period.start, day__lt=period.end)


# A day table and its monthly rollup, each with what it counts.
CONTACTS = [(ContactDay, Sum("contacts")), (ContactMonth, Sum("contacts"))]
CITIZENS = [(PersonDay, Count("id")), (PersonMonth, Sum("persons"))]
WAITS = [(WaitDay, Sum("contacts")), (WaitMonth, Sum("contacts"))]


def _grouped(period, sources, fields, condition=None, **expressions):
    """``{(values of fields): count}`` over the period: its whole months from the rollup, the
    days outside them from the day table. ``expressions`` are computed fields to group by too."""
    summaries.ensure(period.end)
    counts = Counter()
    for (model, total), where in zip(sources, summaries.split(period), strict=True):
        rows = (
            model.objects.filter(where, condition or Q())
            .annotate(**expressions)
            .values(*fields)
            .annotate(total=total)
            .order_by()
        )
        for row in rows.values_list(*fields, "total"):
            counts[row[:-1]] += row[-1]
    return counts


def contact_counts(period):
    """Contacts in the period by channel, direction, caller role, acuteness and whether anonymous:
    ``{(channel, direction, caller_role, acuteness, anonymous): count}``.

    Counted once for the overview, channel, caller-role, acuteness and walk-in figures; each sums
    the cells it needs.
    """
    return dict(_grouped(period, CONTACTS, ["channel", "direction", "caller_role", "acuteness", "anonymous"]))


def _sum_by(counts, position):
    totals = {}
    for key, count in counts.items():
        totals[key[position]] = totals.get(key[position], 0) + count
    return totals


def _citizens(period):
    """``{(psychiatry contact, first time): persons}`` of the persons with a contact in the
    period, each counted on their first day in it: the one whose previous day of contact lies
    before the period (or that has none, their first contact ever)."""
    return _grouped(
        period,
        CITIZENS,
        ["psychiatry_contact", "first"],
        Q(previous_day__isnull=True) | Q(previous_day__lt=period.start),
        first=ExpressionWrapper(Q(previous_day__isnull=True), output_field=BooleanField()),
    )


def person_counts(period):
    """Persons with a contact in the period: how many, how many had a contact before it, and how
    many by previous contact with psychiatry."""
    citizens = _citizens(period)
    return {
        "unique_persons": sum(citizens.values()),
        "repeat_persons": sum(persons for (_psychiatry, first), persons in citizens.items() if not first),
        **{
            f"psychiatry_{choice.value}": sum(
                persons for (psychiatry, _first), persons in citizens.items() if psychiatry == choice.value
            )
            for choice in PsychiatryContact
        },
    }


def contact_overview(period, counts=None, persons=None):
    """Total contacts, anonymous ones, unique persons and how many of them were first-time.

    A person is first-time when their first contact ever falls in the period, i.e. they have
    no contact before its start.
    """
    counts = contact_counts(period) if counts is None else counts
    persons = person_counts(period) if persons is None else persons
    anonymous = _sum_by(counts, 4)
    totals = {
        "total": sum(counts.values()),
        "anonymous": anonymous.get(True, 0),
        "unique_persons": persons["unique_persons"],
        "repeat_persons": persons["repeat_persons"],
    }
    totals["first_time_persons"] = totals["unique_persons"] - totals["repeat_persons"]
    totals["anonymous_share"] = _share(totals["anonymous"], totals["total"])
    return totals


def psychiatry_contact(period, persons=None):
    """Unique persons with a contact in the period by previous contact with psychiatry."""
    persons = person_counts(period) if persons is None else persons
    counts = {choice.value: persons[f"psychiatry_{choice.value}"] for choice in PsychiatryContact}
    return {value: count for value, count in counts.items() if count}


def contacts_by_channel(period, counts=None):
    """``{(channel, direction): count}`` for the channels and directions that occurred."""
    counts = contact_counts(period) if counts is None else counts
    totals = {}
    for (channel, direction, *_rest), count in counts.items():
        totals[(channel, direction)] = totals.get((channel, direction), 0) + count
    return totals


def caller_roles(period, counts=None):
    """``{caller role: count}``."""
    return _sum_by(contact_counts(period) if counts is None else counts, 2)


def acuteness(period, counts=None):
    """``{level 1–3 or None (not assessed): count}``."""
    return _sum_by(contact_counts(period) if counts is None else counts, 3)


def reasons(period):
    """``[(reason name, count)]`` for every reason in the leader's order, zero counts included.

    A contact with several reasons counts once under each.
    """
    counts = dict(
        _days(ReasonDay, period)
        .values("reason_id")
        .annotate(count=Sum("contacts"))
        .order_by()
        .values_list("reason_id", "count")
    )
    return [(name, counts.get(reason_id, 0)) for reason_id, name in Reason.objects.values_list("pk", "name")]


def heatmap(period):
    """Contacts by local weekday and hour: ``grid[weekday - 1][hour]``, Monday = 1."""
    rows = (
        _days(HourDay, period)
        .annotate(weekday=ExtractIsoWeekDay("day"))
        .values("weekday", "hour")
        .annotate(count=Sum("contacts"))
        .order_by()
    )
    grid = [[0] * 24 for _weekday in range(7)]
    for row in rows:
        grid[row["weekday"] - 1][row["hour"]] = row["count"]
    return grid


def _wait_summary(counts, goal):
    """Share within ``goal`` (a timedelta, inclusive), median and 90th percentile in minutes, of
    ``counts``: ``[(wait in microseconds, how many)]`` in ascending order of wait."""
    goal_us = goal // MICROSECOND
    total = sum(count for _wait, count in counts)
    within = sum(count for wait, count in counts if wait <= goal_us)
    return {
        "count": total,
        "goal_minutes": goal.total_seconds() / 60,
        "within_goal": within,
        "share_within_goal": _share(within, total),
        "median_minutes": _minutes(nearest_rank(counts, 50)),
        "p90_minutes": _minutes(nearest_rank(counts, 90)),
    }


def nearest_rank(counts, percent):
    """The nearest-rank percentile of ``counts``, ascending ``(value, how many)`` pairs: the
    smallest value with at least ``percent`` % of values at or below it, i.e. the value at rank
    ⌈percent/100 × n⌉ (``None`` when empty). The median is the 50th percentile by this rule (the
    lower middle value when n is even)."""
    total = sum(count for _value, count in counts)
    if not total:
        return None
    rank = max(1, math.ceil(percent / 100 * total))
    seen = 0
    for value, count in counts:
        seen += count
        if seen >= rank:
            return value
    raise AssertionError(rank)


def _minutes(microseconds):
    return None if microseconds is None else microseconds / 10**6 / 60


def waits(period, service_settings=None):
    """Wait against each service goal, over the waits that ended (answered or called back).

    phone: incoming calls, answered − started; walk-in: answered − arrived (both from the daily
    ``WaitDay`` counts, exact to the microsecond); call-backs: called back − received, from the
    call-backs themselves.
    """
    service_settings = service_settings or ServiceSettings.load()
    goals = {
        WaitKind.PHONE: datetime.timedelta(minutes=service_settings.goal_phone_wait_minutes),
        WaitKind.WALK_IN: datetime.timedelta(minutes=service_settings.goal_walk_in_wait_minutes),
        "call_back": datetime.timedelta(hours=service_settings.goal_call_back_hours),
    }
    counts = {kind: [] for kind in WaitKind.values}
    for (kind, wait), count in sorted(_grouped(period, WAITS, ["kind", "wait_us"]).items()):
        counts[kind].append((wait, count))
    call_back_wait = ExpressionWrapper(F("done_at") - F("received_at"), output_field=DurationField())
    call_backs = (
        queries.callbacks(period)
        .filter(done_at__isnull=False)
        .annotate(wait=call_back_wait)
        .values("wait")
        .annotate(count=Count("id"))
        .order_by("wait")
        .values_list("wait", "count")
    )
    counts["call_back"] = [(wait // MICROSECOND, count) for wait, count in call_backs]
    return {str(kind): _wait_summary(counts[kind], goal) for kind, goal in goals.items()}


def nights_in_period(check_in, check_out, period, today, zone=None):
    """Nights of one stay inside the period: local dates slept (check-in's date up to, not
    including, check-out's date; an open stay up to ``today``), clipped to the period."""
    zone = zone or _local_zone()
    first = max(check_in.astimezone(zone).date(), period.start)
    last = min(check_out.astimezone(zone).date() if check_out else today, period.end)
    return max(0, (last - first).days)


def beds(period, service_settings=None, today=None):
    """Bed nights in the period ÷ (beds × days), counting only nights inside the period for
    stays crossing its edges; meals are those of stays checked in during the period."""
    service_settings = service_settings or ServiceSettings.load()
    today = today or timezone.localdate()
    zone, start_at, end_at = _local_zone(), period.start_at, period.end_at
    stays = queries.stays(period).values_list("check_in", "check_out", "meals")
    bed_nights = 0
    meals = 0
    for check_in, check_out, stay_meals in stays:
        bed_nights += nights_in_period(check_in, check_out, period, today, zone)
        if start_at <= check_in < end_at:
            meals += stay_meals
    capacity = service_settings.beds * period.days
    return {
        "bed_nights": bed_nights,
        "capacity": capacity,
        "occupancy": _share(bed_nights, capacity),
        "meals": meals,
    }


def plans_per_walk_in(period, counts=None):
    """Crisis plans made in the period ÷ walk-ins in the period."""
    plans = _days(PlanDay, period).aggregate(count=Coalesce(Sum("plans"), 0))["count"]
    walk_ins = _sum_by(contact_counts(period) if counts is None else counts, 0).get(Channel.WALK_IN, 0)
    return {"plans": plans, "walk_ins": walk_ins, "ratio": _share(plans, walk_ins)}


def follow_ups(period):
    """Follow-ups first due in the period that were owed (not declined up front, not cancelled):
    how many were done on or before their local first-due date, and how many reached the citizen.
    """
    owed = _days(FollowUpDay, period).exclude(status__in=NOT_OWED_FOLLOW_UP)
    totals = owed.aggregate(
        owed=Coalesce(Sum("follow_ups"), 0),
        on_time=Coalesce(Sum("follow_ups", filter=Q(on_time=True)), 0),
        reached=Coalesce(Sum("follow_ups", filter=Q(status=FollowUpStatus.REACHED)), 0),
    )
    totals["on_time_share"] = _share(totals["on_time"], totals["owed"])
    totals["reached_share"] = _share(totals["reached"], totals["owed"])
    return totals


def under_18(period):
    """Contacts with a citizen under 18 at the contact's local date (the rule of
    ``Contact.is_under_18``, applied when the day was summarised), and how many of them have a
    notification decision (and how many were notified)."""
    counts = dict(
        _days(Under18Day, period)
        .values("notification_decision")
        .annotate(count=Sum("contacts"))
        .order_by()
        .values_list("notification_decision", "count")
    )
    return {
        "contacts": sum(counts.values()),
        "with_decision": sum(
            count for decision, count in counts.items() if decision != NotificationDecision.UNDECIDED
        ),
        "notified": counts.get(NotificationDecision.NOTIFIED, 0),
    }


def lacking_cpr(period):
    """Records that need an identified person but whose person has no CPR number (or, for a
    walk-in or outreach, no person at all)."""
    return {
        "contacts": sum(
            _grouped(
                period, CONTACTS, ["lacks_cpr"], Q(channel__in=CHANNELS_NEEDING_CPR, lacks_cpr=True)
            ).values()
        ),
        "stays": queries.stays(period).filter(person__cpr_index__isnull=True).count(),
        "plans": _days(PlanDay, period)
        .filter(lacks_cpr=True)
        .aggregate(count=Coalesce(Sum("plans"), 0))["count"],
        "follow_ups": _days(FollowUpDay, period)
        .filter(lacks_cpr=True)
        .aggregate(count=Coalesce(Sum("follow_ups"), 0))["count"],
    }


def referrals(period):
    """``{(partner kind name, direction): count}``."""
    rows = (
        _days(ReferralDay, period)
        .values("partner__kind__name", "direction")
        .annotate(count=Sum("referrals"))
        .order_by("partner__kind__position", "partner__kind__name", "direction")
    )
    return {(row["partner__kind__name"], row["direction"]): row["count"] for row in rows}


def wellbeing(period):
    """SWEMWBS before and after: each person's first at-contact score in the period paired with
    their first follow-up score recorded after it. Means are of metric scores; improved means a
    rise of at least ``MEANINGFUL_CHANGE`` metric points. % change is the change of the means
    relative to the mean at contact.
    """
    first_at_contact = (
        queries.wellbeing_scores(period)
        .filter(occasion=Occasion.CONTACT)
        .annotate(rank=Window(RowNumber(), partition_by=F("person_id"), order_by=[F("recorded_at"), F("id")]))
        .filter(rank=1)
    )
    first_follow_up = WellbeingScore.objects.filter(
        occasion=Occasion.FOLLOW_UP, person_id=OuterRef("person_id"), recorded_at__gt=OuterRef("recorded_at")
    ).order_by("recorded_at", "id")
    # Whole hundredths: exact where SQLite holds decimals as floating point. The pairs are
    # summed in the database: one row leaves it, not one per citizen.
    hundredths = (
        first_at_contact.annotate(after=Subquery(first_follow_up.values("metric_score")[:1]))
        .annotate(
            before_hundredths=Cast(Round(F("metric_score") * 100), IntegerField()),
            after_hundredths=Cast(Round(F("after") * 100), IntegerField()),
        )
        .order_by()
    )
    paired = Q(after_hundredths__isnull=False)
    totals = hundredths.aggregate(
        pairs=Count("after_hundredths"),
        before=Coalesce(Sum("before_hundredths", filter=paired), 0),
        after=Coalesce(Sum("after_hundredths"), 0),
        improved=Count(
            "after_hundredths",
            filter=Q(after_hundredths__gte=F("before_hundredths") + int(MEANINGFUL_CHANGE * 100)),
        ),
    )
    count = totals["pairs"]
    if not count:
        return {
            "pairs": 0,
            "mean_at_contact": None,
            "mean_at_follow_up": None,
            "mean_change": None,
            "percent_change": None,
            "improved": 0,
            "improved_share": None,
        }
    mean_before = Decimal(totals["before"]) / 100 / count
    mean_after = Decimal(totals["after"]) / 100 / count
    improved = totals["improved"]
    return {
        "pairs": count,
        "mean_at_contact": float(mean_before),
        "mean_at_follow_up": float(mean_after),
        "mean_change": float(mean_after - mean_before),
        "percent_change": float((mean_after - mean_before) / mean_before * 100),
        "improved": improved,
        "improved_share": improved / count,
    }


def costs(period):
    """Running cost per contact and per unique citizen over the whole months the period touches
    (costs are entered per month, so contacts are counted over the same months). Establishment
    costs are shown apart and left out, as the national evaluation did."""
    months = period.whole_months()
    entries = queries.costs(period)
    running = entries.running().aggregate(total=Sum("amount"))["total"] or Decimal(0)
    establishment = entries.filter(category=CostCategory.ESTABLISHMENT).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
    counts = {
        "contacts": sum(_grouped(months, CONTACTS, ["anonymous"]).values()),
        "citizens": sum(_citizens(months).values()),
    }
    return {
        "first_month": months.start,
        "last_month": add_months(months.end, -1),
        "running": running,
        "establishment": establishment,
        "contacts": counts["contacts"],
        "citizens": counts["citizens"],
        "per_contact": running / counts["contacts"] if counts["contacts"] else None,
        "per_citizen": running / counts["citizens"] if counts["citizens"] else None,
        "national_per_contact": NATIONAL_COST_PER_CONTACT,
        "national_per_citizen": NATIONAL_COST_PER_CITIZEN,
    }


def monthly_trend(period):
    """``[(first day of month, contacts)]`` for the 12 months ending with the period's last month."""
    last_month = period.last_day.replace(day=1)
    first_month = add_months(last_month, -11)
    window = Period(first_month, add_months(last_month, 1))
    summaries.ensure(window.end)
    counts = dict(
        ContactMonth.objects.filter(month__gte=window.start, month__lt=window.end)
        .values("month")
        .annotate(count=Sum("contacts"))
        .order_by()
        .values_list("month", "count")
    )
    return [
        (add_months(first_month, index), counts.get(add_months(first_month, index), 0)) for index in range(12)
    ]
