"""The dashboard's figures, each a function of a ``Period`` (local dates, ``[start, end)``).

Figures about contacts read the per-day counts of ``summaries`` (brought up to date first, so
they count exactly what the contacts hold); the rest count their records in the database
(``values().annotate()``, conditional ``Count``). Every function runs a fixed number of queries
however much data the period holds. Local-time buckets (day, hour, due date) pass the Copenhagen
zone to the database functions, which gives the same answer on SQLite and PostgreSQL, across
daylight-saving changes too.
"""

import datetime
from collections import Counter, namedtuple
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import (
    Coalesce,
    ExtractIsoWeekDay,
)
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from akuttilbud.percentiles import nearest_rank
from contacts.models import (
    CHANNELS_NEEDING_CPR,
    Channel,
    NotificationDecision,
    PsychiatryContact,
    Reason,
)
from crisisplans.models import FollowUpStatus

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


def local_zone():
    return timezone.get_default_timezone()


def share(part, whole):
    return part / whole if whole else None


def summary_days(model, period):
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


# The attributes the contact figures are counted by, in ``contact_counts``' keys.
ContactKey = namedtuple("ContactKey", ["channel", "direction", "caller_role", "acuteness", "anonymous"])


def contact_counts(period):
    """Contacts in the period by channel, direction, caller role, acuteness and whether anonymous:
    ``{(channel, direction, caller_role, acuteness, anonymous): count}``.

    Counted once for the overview, channel, caller-role, acuteness and walk-in figures; each sums
    the cells it needs.
    """
    grouped = _grouped(period, CONTACTS, list(ContactKey._fields))
    return {ContactKey(*key): count for key, count in grouped.items()}


def _sum_by(counts, name):
    """``counts`` summed by one attribute of their ``ContactKey`` (``"channel"``, …)."""
    totals = {}
    for key, count in counts.items():
        value = getattr(key, name)
        totals[value] = totals.get(value, 0) + count
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
    anonymous = _sum_by(counts, "anonymous")
    totals = {
        "total": sum(counts.values()),
        "anonymous": anonymous.get(True, 0),
        "unique_persons": persons["unique_persons"],
        "repeat_persons": persons["repeat_persons"],
    }
    totals["first_time_persons"] = totals["unique_persons"] - totals["repeat_persons"]
    totals["anonymous_share"] = share(totals["anonymous"], totals["total"])
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
    for key, count in counts.items():
        by = (key.channel, key.direction)
        totals[by] = totals.get(by, 0) + count
    return totals


def caller_roles(period, counts=None):
    """``{caller role: count}``."""
    return _sum_by(contact_counts(period) if counts is None else counts, "caller_role")


def acuteness(period, counts=None):
    """``{level 1–3 or None (not assessed): count}``."""
    return _sum_by(contact_counts(period) if counts is None else counts, "acuteness")


def reasons(period):
    """``[(reason name, count)]`` for every reason in the leader's order, zero counts included.

    A contact with several reasons counts once under each.
    """
    counts = dict(
        summary_days(ReasonDay, period)
        .values("reason_id")
        .annotate(count=Sum("contacts"))
        .order_by()
        .values_list("reason_id", "count")
    )
    return [(name, counts.get(reason_id, 0)) for reason_id, name in Reason.objects.values_list("pk", "name")]


def heatmap(period):
    """Contacts by local weekday and hour: ``grid[weekday - 1][hour]``, Monday = 1."""
    rows = (
        summary_days(HourDay, period)
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
        "share_within_goal": share(within, total),
        "median_minutes": _minutes(nearest_rank(counts, 50)),
        "p90_minutes": _minutes(nearest_rank(counts, 90)),
    }


def _minutes(microseconds):
    return None if microseconds is None else microseconds / 10**6 / 60


def waits(period, service_settings=None):
    """Wait against each service goal, over the waits that ended (answered or called back).

    phone: incoming calls, answered − started; walk-in: incoming walk-ins, answered − arrived
    (both from the daily ``WaitDay`` counts, exact to the microsecond); call-backs: called back −
    received, from the call-backs themselves.
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


def plans_per_walk_in(period, counts=None):
    """Crisis plans made in the period ÷ walk-ins in the period."""
    plans = summary_days(PlanDay, period).aggregate(count=Coalesce(Sum("plans"), 0))["count"]
    walk_ins = _sum_by(contact_counts(period) if counts is None else counts, "channel").get(
        Channel.WALK_IN, 0
    )
    return {"plans": plans, "walk_ins": walk_ins, "ratio": share(plans, walk_ins)}


def under_18(period):
    """Contacts with a citizen under 18 at the contact's local date (the rule of
    ``Contact.is_under_18``, applied when the day was summarised), and how many of them have a
    notification decision (and how many were notified)."""
    counts = dict(
        summary_days(Under18Day, period)
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
        "plans": summary_days(PlanDay, period)
        .filter(lacks_cpr=True)
        .aggregate(count=Coalesce(Sum("plans"), 0))["count"],
        "follow_ups": summary_days(FollowUpDay, period)
        .filter(lacks_cpr=True)
        .aggregate(count=Coalesce(Sum("follow_ups"), 0))["count"],
    }


def costs(period, today):
    """Running cost per contact and per unique citizen over the whole calendar months the period
    touches that are over by ``today``. Costs are entered per month, and a month not over has
    not had all its costs, so it is left out, with its contacts. Establishment costs are shown
    apart and left out, as the national evaluation did. No running cost entered in those months
    gives no cost figure (``None``), never 0; months without one are named in ``missing_months``.
    """
    months = period.months_over(today)
    result = {
        "months": months.months(),
        "missing_months": [],
        "running": None,
        "establishment": None,
        "contacts": None,
        "citizens": None,
        "per_contact": None,
        "per_citizen": None,
        "national_per_contact": NATIONAL_COST_PER_CONTACT,
        "national_per_citizen": NATIONAL_COST_PER_CITIZEN,
    }
    if not months.days:
        return result
    entries = queries.costs(months)
    running = dict(
        entries.running()
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("month", "total")
    )
    result["establishment"] = entries.filter(category=CostCategory.ESTABLISHMENT).aggregate(
        total=Sum("amount")
    )["total"]
    result["missing_months"] = [month for month in result["months"] if month not in running]
    if not running:
        return result
    contacts = sum(_grouped(months, CONTACTS, ["anonymous"]).values())
    citizens = sum(_citizens(months).values())
    total = sum(running.values(), Decimal(0))
    return {
        **result,
        "running": total,
        "contacts": contacts,
        "citizens": citizens,
        "per_contact": total / contacts if contacts else None,
        "per_citizen": total / citizens if citizens else None,
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
