"""Per-day summaries of contacts, so a figure over a year reads a few thousand rows, not every
contact of the year.

Each local date's contacts are counted into the tables of ``models`` (``ContactDay``,
``HourDay``, ``ReasonDay``, ``PersonDay``, ``WaitDay``, ``Under18Day``, ``ReferralDay``), and
its crisis plans and follow-ups first due into ``PlanDay`` and ``FollowUpDay``. A ``SummaryDay`` row
says whether those counts are still those of the day's contacts: every service that writes what
a day counts bumps its ``changes`` inside its own transaction, by calling the function below named
for what it changed (``contact_changed``, ``persons_changed``, ``referral_changed``,
``plan_changed``, ``follow_up_changed``), and a day is summarised again whenever ``summarised``
lags behind. Figures call ``ensure`` first, which summarises any stale or
missing day up to the period's end, so a figure is as exact as counting the contacts themselves;
the nightly ``refresh`` does that work ahead of the leader's first look.

What changes which day: a contact logged, changed or deleted changes its day before and after,
and the next day of contact after each of its person's before and after (that day's previous day
of contact); its reasons or a referral made at it change its day; a crisis plan changes the day
it was made, a follow-up the day it was first due; a person changed (whether they have a CPR
number, their age, their psychiatry history) changes every day with their contacts, plans or
follow-ups. Bulk loads that mark nothing (demo and benchmark data) ``rebuild`` at the end.

Concurrency: writers bump in their own transaction with an upsert; a summariser locks the days it
counts. Whichever commits first, a write that the counts did not see leaves the day stale.
"""

import contextlib
import contextvars
import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import (
    F,
    Max,
    Min,
    Q,
)
from django.utils import timezone

from contacts.models import Contact
from crisisplans.models import CrisisPlan, FollowUp

from .counting import ONE_DAY, ROLLUPS, TABLES, count_days
from .models import (
    SummaryDay,
    SummaryMonth,
)
from .periods import add_months, local_midnight

# The records counted, by the time that puts them on a day.
DATED = [(Contact, "started_at"), (CrisisPlan, "created_at"), (FollowUp, "first_due_at")]

_fresh_until = contextvars.ContextVar("summaries_fresh_until", default=None)


class Placed(NamedTuple):
    """Where a contact counts: whose it is and when it started."""

    person_id: int | None
    started_at: datetime.datetime | None


def placed(contact):
    """``contact`` as it is now, to pass as ``before`` once a write has moved it."""
    return Placed(contact.person_id, contact.started_at)


def contact_changed(*, before=None, after=None):
    """A contact was logged (``after`` only), changed (both) or deleted (``before`` only), or its
    reasons changed. ``before`` is ``placed(contact)`` taken before the write, ``after`` the
    contact as saved: their days change, and so does the next day of contact after each, whose
    ``PersonDay.previous_day`` the write may have moved."""
    places = [place for place in (before, after) if place is not None]
    _mark([place.started_at for place in places])
    _mark_next_days([(place.person_id, place.started_at) for place in places])


def persons_changed(person_ids):
    """Persons' CPR number, age or psychiatry history changed, or records moved to them: every
    day with their contacts, crisis plans or follow-ups counts them again."""
    _mark(
        [
            *Contact.objects.filter(person_id__in=person_ids).values_list("started_at", flat=True),
            *CrisisPlan.objects.filter(person_id__in=person_ids).values_list("created_at", flat=True),
            *FollowUp.objects.filter(plan__person_id__in=person_ids).values_list("first_due_at", flat=True),
        ]
    )


def referral_changed(referral):
    """A referral was made at a contact or removed from it: the contact's day."""
    _mark([referral.contact.started_at])


def plan_changed(plan):
    """A crisis plan was made or removed: the day it was made."""
    _mark([plan.created_at])


def follow_up_changed(follow_up):
    """A follow-up was made, done or removed: the day it was first due."""
    _mark([follow_up.first_due_at])


def _mark(instants):
    """Mark the local dates of ``instants`` (aware datetimes) as needing a new count."""
    days = sorted({timezone.localdate(instant) for instant in instants if instant is not None})
    if not days:
        return
    table = connection.ops.quote_name(SummaryDay._meta.db_table)
    # An upsert, not UPDATE: a day no summariser has seen yet may be counted concurrently, and the
    # insert makes the two meet on the same row (one waits for the other's commit).
    upsert = (
        f"INSERT INTO {table} (day, changes, summarised) VALUES (%s, 1, NULL) "  # noqa: S608 (the model's table)
        f"ON CONFLICT (day) DO UPDATE SET changes = {table}.changes + 1"
    )
    with connection.cursor() as cursor:
        cursor.executemany(upsert, [(day,) for day in days])


def _mark_next_days(person_instants):
    """For each ``(person id, instant)``, mark the person's next local date of contact after the
    instant's."""
    instants = []
    for person_id, instant in set(person_instants):
        if person_id is None or instant is None:
            continue
        next_day = local_midnight(timezone.localdate(instant) + ONE_DAY)
        instants.append(
            Contact.objects.filter(person_id=person_id, started_at__gte=next_day)
            .order_by("started_at")
            .values_list("started_at", flat=True)
            .first()
        )
    _mark(instants)


def ensure(end):
    """Summarise every stale or missing day from the first counted record's local date up to
    ``end``.

    Cheap when nothing changed: four queries. Inside ``fresh(end)`` it does nothing at all.
    """
    done = _fresh_until.get()
    if done is not None and end <= done:
        return
    instants = [
        instant
        for model, field in DATED
        for instant in model.objects.aggregate(first=Min(field), last=Max(field)).values()
        if instant is not None
    ]
    if not instants:
        return
    first = timezone.localdate(min(instants))
    stop = min(end, timezone.localdate(max(instants)) + ONE_DAY)
    if stop <= first:
        return
    days = SummaryDay.objects.filter(day__gte=first, day__lt=stop)
    if days.filter(summarised=F("changes")).count() == (stop - first).days:
        return
    fresh = set(days.filter(summarised=F("changes")).values_list("day", flat=True))
    day = first
    stale = []
    while day < stop:
        if day not in fresh:
            stale.append(day)
        day += ONE_DAY
    summarise(stale)


@contextlib.contextmanager
def fresh(end):
    """Bring the summaries up to ``end`` once for every figure read inside the block."""
    ensure(end)
    token = _fresh_until.set(end)
    try:
        yield
    finally:
        _fresh_until.reset(token)


def summarise(days):
    """Count the contacts of ``days`` (local dates) into the summary tables, a month at a time."""
    by_month = {}
    for day in sorted(days):
        by_month.setdefault(day.replace(day=1), []).append(day)
    for month_days in by_month.values():
        _summarise_batch(month_days)


def refresh(today=None):
    """The nightly job: every stale or missing day up to and including today. Returns how many
    days it counted."""
    today = today or timezone.localdate()
    before = SummaryDay.objects.filter(summarised=F("changes")).count()
    ensure(today + ONE_DAY)
    return SummaryDay.objects.filter(summarised=F("changes")).count() - before


def rebuild():
    """Forget every count and summarise again: after data was written in bulk without marking
    its days (demo and benchmark data)."""
    with transaction.atomic():
        for model in [SummaryDay, SummaryMonth, *TABLES, *ROLLUPS]:
            model.objects.all().delete()
    ensure(timezone.localdate() + ONE_DAY)


def _summarise_batch(days):
    with transaction.atomic():
        SummaryDay.objects.bulk_create([SummaryDay(day=day) for day in days], ignore_conflicts=True)
        locked = SummaryDay.objects.select_for_update().filter(day__in=days).order_by("day")
        stale = [
            day
            for day, changes, summarised in locked.values_list("day", "changes", "summarised")
            if summarised != changes
        ]
        if not stale:
            return
        count_days(stale)
        SummaryDay.objects.filter(day__in=stale).update(summarised=F("changes"))


def split(period):
    """The period as ``(days, months)``: the filter for its days outside whole calendar months
    (for the day tables) and the filter for its whole months (for the rollups)."""
    first_whole = period.start if period.start.day == 1 else add_months(period.start.replace(day=1), 1)
    end_whole = period.end.replace(day=1)
    if first_whole >= end_whole:
        return Q(day__gte=period.start, day__lt=period.end), Q(pk__in=[])
    return (
        Q(day__gte=period.start, day__lt=first_whole) | Q(day__gte=end_whole, day__lt=period.end),
        Q(month__gte=first_whole, month__lt=end_whole),
    )
