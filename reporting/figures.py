"""The dashboard's figures, each a function of a ``Period`` (local dates, ``[start, end)``).

Counting happens in the database (``values().annotate()``, conditional ``Count``), so every
function runs a fixed number of queries however much data the period holds. Local-time buckets
(hour, weekday, month, due date) pass the Copenhagen zone to the database functions, which
gives the same answer on SQLite and PostgreSQL, across daylight-saving changes too.
"""

import datetime
import math
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncMonth
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from contacts.models import (
    Channel,
    Contact,
    Direction,
    NotificationDecision,
    Person,
    PsychiatryContact,
    Reason,
)
from crisisplans.models import FollowUpStatus, Occasion, WellbeingScore
from crisisplans.swemwbs import MEANINGFUL_CHANGE

from . import queries
from .models import CostCategory
from .people import age
from .periods import Period, add_months

# The national evaluation's running cost per contact and per unique user, 2016 (DKK).
NATIONAL_COST_PER_CONTACT = 1_800
NATIONAL_COST_PER_CITIZEN = 13_700

# Follow-ups the citizen did not want, or whose plan was cancelled, were never owed.
NOT_OWED_FOLLOW_UP = [FollowUpStatus.NOT_WANTED, FollowUpStatus.CANCELLED]


def _local_zone():
    return timezone.get_default_timezone()


def _share(part, whole):
    return part / whole if whole else None


def nearest_rank(values, percent):
    """The nearest-rank percentile: the smallest value with at least ``percent`` % of values at or
    below it, i.e. the value at rank ⌈percent/100 × n⌉ of the sorted list (``None`` when empty).
    The median is the 50th percentile by this rule (the lower middle value when n is even)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def contact_counts(period):
    """Contacts in the period by channel, direction, caller role, acuteness and whether anonymous:
    ``{(channel, direction, caller_role, acuteness, anonymous): count}``.

    One scan of the period's contacts that the overview, channel, caller-role, acuteness and
    walk-in figures share; each sums the cells it needs.
    """
    rows = (
        queries.contacts(period)
        .annotate(anonymous=ExpressionWrapper(Q(person__isnull=True), output_field=BooleanField()))
        .values("channel", "direction", "caller_role", "acuteness", "anonymous")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {
        (row["channel"], row["direction"], row["caller_role"], row["acuteness"], bool(row["anonymous"])): row[
            "count"
        ]
        for row in rows
    }


def _sum_by(counts, position):
    totals = {}
    for key, count in counts.items():
        totals[key[position]] = totals.get(key[position], 0) + count
    return totals


def person_counts(period):
    """Persons with a contact in the period: how many, how many had a contact before it, and how
    many by previous contact with psychiatry. One pass over the period's persons, each looked up
    once in the (person, started_at) index for an earlier contact."""
    earlier = Contact.objects.filter(person=OuterRef("pk"), started_at__lt=period.start_at)
    persons = Person.objects.filter(pk__in=queries.contacts(period).values("person_id"))
    return persons.aggregate(
        unique_persons=Count("pk"),
        repeat_persons=Count("pk", filter=Exists(earlier)),
        **{
            f"psychiatry_{choice.value}": Count("pk", filter=Q(psychiatry_contact=choice.value))
            for choice in PsychiatryContact
        },
    )


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
    links = Contact.reasons.through.objects.filter(
        contact__started_at__gte=period.start_at, contact__started_at__lt=period.end_at
    )
    counts = dict(
        links.values("reason_id").annotate(count=Count("id")).order_by().values_list("reason_id", "count")
    )
    return [(name, counts.get(reason_id, 0)) for reason_id, name in Reason.objects.values_list("pk", "name")]


def heatmap(period):
    """Contacts by local weekday and hour: ``grid[weekday - 1][hour]``, Monday = 1."""
    zone = _local_zone()
    rows = (
        queries.contacts(period)
        .annotate(
            weekday=ExtractIsoWeekDay("started_at", tzinfo=zone),
            hour=ExtractHour("started_at", tzinfo=zone),
        )
        .values("weekday", "hour")
        .annotate(count=Count("id"))
        .order_by()
    )
    grid = [[0] * 24 for _weekday in range(7)]
    for row in rows:
        grid[row["weekday"] - 1][row["hour"]] = row["count"]
    return grid


def _wait_summary(waits, goal):
    """Share within ``goal`` (a timedelta, inclusive), median and 90th percentile in minutes."""
    minutes = [wait.total_seconds() / 60 for wait in waits]
    goal_minutes = goal.total_seconds() / 60
    within = sum(1 for value in minutes if value <= goal_minutes)
    return {
        "count": len(minutes),
        "goal_minutes": goal_minutes,
        "within_goal": within,
        "share_within_goal": _share(within, len(minutes)),
        "median_minutes": nearest_rank(minutes, 50),
        "p90_minutes": nearest_rank(minutes, 90),
    }


class PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc``: the first value whose cumulative share reaches the
    fraction, which is the nearest-rank percentile of ``nearest_rank``."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _minutes(delta):
    return None if delta is None else delta.total_seconds() / 60


def waits(period, service_settings=None):
    """Wait against each service goal, over the waits that ended (answered or called back).

    phone: incoming calls, answered − started; walk-in: answered − arrived; call-backs:
    called back − received. On PostgreSQL the database counts and takes the percentiles; on
    SQLite one query each fetches just the wait values.
    """
    service_settings = service_settings or ServiceSettings.load()
    wait = ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField())
    answered = queries.contacts(period).filter(answered_at__isnull=False).annotate(wait=wait)
    phone_only = Q(channel=Channel.PHONE, direction=Direction.INCOMING)
    walk_in_only = Q(channel=Channel.WALK_IN)
    call_back_wait = ExpressionWrapper(F("done_at") - F("received_at"), output_field=DurationField())
    call_backs = queries.callbacks(period).filter(done_at__isnull=False).annotate(wait=call_back_wait)
    goals = {
        "phone": datetime.timedelta(minutes=service_settings.goal_phone_wait_minutes),
        "walk_in": datetime.timedelta(minutes=service_settings.goal_walk_in_wait_minutes),
        "call_back": datetime.timedelta(hours=service_settings.goal_call_back_hours),
    }
    if connection.vendor != "postgresql":
        return {
            "phone": _wait_summary(
                answered.filter(phone_only).values_list("wait", flat=True), goals["phone"]
            ),
            "walk_in": _wait_summary(
                answered.filter(walk_in_only).values_list("wait", flat=True), goals["walk_in"]
            ),
            "call_back": _wait_summary(call_backs.values_list("wait", flat=True), goals["call_back"]),
        }
    summaries = {}
    for rows, kinds in (
        (answered.filter(phone_only | walk_in_only), {"phone": phone_only, "walk_in": walk_in_only}),
        (call_backs, {"call_back": Q()}),
    ):
        aggregates = {}
        for kind, only in kinds.items():
            aggregates[f"{kind}_count"] = Count("id", filter=only)
            aggregates[f"{kind}_within"] = Count("id", filter=only & Q(wait__lte=goals[kind]))
            for percent in (50, 90):
                aggregates[f"{kind}_p{percent}"] = PercentileDisc(
                    "wait", fraction=percent / 100, filter=only or None, output_field=DurationField()
                )
        result = rows.aggregate(**aggregates)
        for kind in kinds:
            count = result[f"{kind}_count"]
            summaries[kind] = {
                "count": count,
                "goal_minutes": goals[kind].total_seconds() / 60,
                "within_goal": result[f"{kind}_within"],
                "share_within_goal": _share(result[f"{kind}_within"], count),
                "median_minutes": _minutes(result[f"{kind}_p50"]),
                "p90_minutes": _minutes(result[f"{kind}_p90"]),
            }
    return summaries


def nights_in_period(check_in, check_out, period, today):
    """Nights of one stay inside the period: local dates slept (check-in's date up to, not
    including, check-out's date; an open stay up to ``today``), clipped to the period."""
    first = max(timezone.localdate(check_in), period.start)
    last = min(timezone.localdate(check_out) if check_out else today, period.end)
    return max(0, (last - first).days)


def beds(period, service_settings=None, today=None):
    """Bed nights in the period ÷ (beds × days), counting only nights inside the period for
    stays crossing its edges; meals are those of stays checked in during the period."""
    service_settings = service_settings or ServiceSettings.load()
    today = today or timezone.localdate()
    stays = queries.stays(period).values_list("check_in", "check_out", "meals")
    bed_nights = 0
    meals = 0
    for check_in, check_out, stay_meals in stays:
        bed_nights += nights_in_period(check_in, check_out, period, today)
        if period.start_at <= check_in < period.end_at:
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
    plans = queries.plans(period).count()
    walk_ins = _sum_by(contact_counts(period) if counts is None else counts, 0).get(Channel.WALK_IN, 0)
    return {"plans": plans, "walk_ins": walk_ins, "ratio": _share(plans, walk_ins)}


def follow_ups(period):
    """Follow-ups first due in the period that were owed (not declined up front, not cancelled):
    how many were done on or before their local first-due date, and how many reached the citizen.
    """
    zone = _local_zone()
    owed = (
        queries.follow_ups(period)
        .exclude(status__in=NOT_OWED_FOLLOW_UP)
        .annotate(
            due_day=TruncDate("first_due_at", tzinfo=zone),
            done_day=TruncDate("completed_at", tzinfo=zone),
        )
    )
    totals = owed.aggregate(
        owed=Count("id"),
        on_time=Count("id", filter=Q(done_day__lte=F("due_day"))),
        reached=Count("id", filter=Q(status=FollowUpStatus.REACHED)),
    )
    totals["on_time_share"] = _share(totals["on_time"], totals["owed"])
    totals["reached_share"] = _share(totals["reached"], totals["owed"])
    return totals


def under_18(period):
    """Contacts with a citizen under 18 at the contact's local date, and how many of them have a
    notification decision (and how many were notified).

    Only contacts that could be under 18 are fetched; the exact age is taken in Python by the
    rule of ``Contact.is_under_18``.
    """
    # A generous bound (any 29 February included); the exact age is decided below.
    oldest_birth_date = period.start - datetime.timedelta(days=19 * 366)
    candidates = queries.contacts(period).filter(
        Q(person__birth_date__gt=oldest_birth_date)
        | Q(person__birth_date__isnull=True, person__birth_year__gte=period.start.year - 19)
        | Q(person__birth_date__isnull=True, person__birth_year__isnull=True, stated_age__lt=18)
    )
    rows = candidates.values_list(
        "started_at", "person__birth_date", "person__birth_year", "stated_age", "notification_decision"
    )
    totals = {"contacts": 0, "with_decision": 0, "notified": 0}
    for started_at, birth_date, birth_year, stated_age, decision in rows:
        years = age(
            timezone.localdate(started_at),
            birth_date=birth_date,
            birth_year=birth_year,
            stated_age=stated_age,
        )
        if years is None or years >= 18:
            continue
        totals["contacts"] += 1
        totals["with_decision"] += decision != NotificationDecision.UNDECIDED
        totals["notified"] += decision == NotificationDecision.NOTIFIED
    return totals


def lacking_cpr(period):
    """Records that need an identified person but whose person has no CPR number (or, for a
    walk-in or outreach, no person at all)."""
    return {
        "contacts": queries.contacts(period).lacking_cpr().count(),
        "stays": queries.stays(period).filter(person__cpr_index__isnull=True).count(),
        "plans": queries.plans(period).filter(person__cpr_index__isnull=True).count(),
        "follow_ups": queries.follow_ups(period).filter(plan__person__cpr_index__isnull=True).count(),
    }


def referrals(period):
    """``{(partner kind name, direction): count}``."""
    rows = (
        queries.referrals(period)
        .values("partner__kind__name", "direction")
        .annotate(count=Count("id"))
        .order_by("partner__kind__position", "partner__kind__name", "direction")
    )
    return {(row["partner__kind__name"], row["direction"]): row["count"] for row in rows}


def wellbeing(period):
    """SWEMWBS before and after: each person's first at-contact score in the period paired with
    their first follow-up score recorded after it. Means are of metric scores; improved means a
    rise of at least ``MEANINGFUL_CHANGE`` metric points. % change is the change of the means
    relative to the mean at contact.
    """
    at_contact = queries.wellbeing_scores(period).filter(occasion=Occasion.CONTACT)
    first_at_contact = {}
    for person_id, recorded_at, metric in at_contact.order_by("person_id", "recorded_at", "id").values_list(
        "person_id", "recorded_at", "metric_score"
    ):
        first_at_contact.setdefault(person_id, (recorded_at, metric))
    later = WellbeingScore.objects.filter(
        occasion=Occasion.FOLLOW_UP,
        person__in=at_contact.values("person_id"),
        recorded_at__gt=period.start_at,
    ).order_by("person_id", "recorded_at", "id")
    pairs = {}
    for person_id, recorded_at, metric in later.values_list("person_id", "recorded_at", "metric_score"):
        contact_at, contact_metric = first_at_contact[person_id]
        if person_id not in pairs and recorded_at > contact_at:
            pairs[person_id] = (Decimal(contact_metric), Decimal(metric))
    count = len(pairs)
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
    mean_before = sum(before for before, _after in pairs.values()) / count
    mean_after = sum(after for _before, after in pairs.values()) / count
    improved = sum(1 for before, after in pairs.values() if after - before >= MEANINGFUL_CHANGE)
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
    counts = queries.contacts(months).aggregate(contacts=Count("id"), citizens=Count("person", distinct=True))
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
    rows = (
        queries.contacts(window)
        .annotate(month=TruncMonth("started_at", tzinfo=_local_zone()))
        .values("month")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = {row["month"].date(): row["count"] for row in rows}
    return [
        (add_months(first_month, index), counts.get(add_months(first_month, index), 0)) for index in range(12)
    ]
