"""Per-day summaries of contacts, so a figure over a year reads a few thousand rows, not every
contact of the year.

Each local date's contacts are counted into the tables of ``models`` (``ContactDay``,
``HourDay``, ``ReasonDay``, ``PersonDay``, ``WaitDay``, ``Under18Day``, ``ReferralDay``), and
its crisis plans and follow-ups first due into ``PlanDay`` and ``FollowUpDay``. A ``SummaryDay`` row
says whether those counts are still those of the day's contacts: every write that touches a
day's contacts bumps its ``changes`` (``reporting.signals``), and a day is summarised again
whenever ``summarised`` lags behind. Figures call ``ensure`` first, which summarises any stale or
missing day up to the period's end, so a figure is as exact as counting the contacts themselves;
the nightly ``refresh`` does that work ahead of the leader's first look.

Concurrency: writers bump in their own transaction with an upsert; a summariser locks the days it
counts. Whichever commits first, a write that the counts did not see leaves the day stale.
"""

import contextlib
import contextvars
import datetime
from collections import Counter

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from akuttilbud import database
from akuttilbud.cpr import age
from contacts.models import Channel, Contact, Direction
from crisisplans.models import CrisisPlan, FollowUp
from partners.models import Referral

from .models import (
    ContactDay,
    ContactMonth,
    FollowUpDay,
    HourDay,
    PersonDay,
    PersonMonth,
    PlanDay,
    ReasonDay,
    ReferralDay,
    SummaryDay,
    SummaryMonth,
    Under18Day,
    WaitDay,
    WaitKind,
    WaitMonth,
)
from .periods import add_months, local_midnight

TABLES = [ContactDay, HourDay, ReasonDay, PersonDay, WaitDay, Under18Day, ReferralDay, PlanDay, FollowUpDay]
ROLLUPS = [ContactMonth, PersonMonth, WaitMonth]
ONE_DAY = datetime.timedelta(days=1)

CONTACT_FIELDS = ["day", "channel", "direction", "caller_role", "acuteness", "anonymous", "lacks_cpr"]
WAITED = Q(channel=Channel.PHONE, direction=Direction.INCOMING) | Q(channel=Channel.WALK_IN)
# The records counted, by the time that puts them on a day.
DATED = [(Contact, "started_at"), (CrisisPlan, "created_at"), (FollowUp, "first_due_at")]

_fresh_until = contextvars.ContextVar("summaries_fresh_until", default=None)


def changed(instants):
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


def changed_next_days(person_instants):
    """For each ``(person id, instant)``, mark the person's next local date of contact after the
    instant's: when a contact of theirs was added, moved or removed there, that day's
    ``PersonDay.previous_day`` may have changed."""
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
    changed(instants)


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
    """Forget every count and summarise again: after data was written around the signals
    (bulk loads of demo or benchmark data)."""
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
        for model in TABLES:
            model.objects.filter(day__in=stale).delete()
        for first, last in _runs(stale):
            _count(first, last + ONE_DAY)
        SummaryDay.objects.filter(day__in=stale).update(summarised=F("changes"))
        _roll_up(stale[0].replace(day=1))


def _roll_up(month):
    """Rebuild the month's rollups from its days' rows. Under the month's lock, taken after the
    days' own: a summariser counting other days of the month waits, then rolls up what both
    wrote."""
    SummaryMonth.objects.bulk_create([SummaryMonth(month=month)], ignore_conflicts=True)
    SummaryMonth.objects.select_for_update().filter(month=month).exists()
    days = {"day__gte": month, "day__lt": add_months(month, 1)}
    for model in ROLLUPS:
        model.objects.filter(month=month).delete()
    for model, source, fields, total, counted in [
        (
            ContactMonth,
            ContactDay,
            ["channel", "direction", "caller_role", "acuteness", "anonymous", "lacks_cpr"],
            Sum("contacts"),
            "contacts",
        ),
        (PersonMonth, PersonDay, ["previous_day", "psychiatry_contact"], Count("id"), "persons"),
        (WaitMonth, WaitDay, ["kind", "wait_us"], Sum("contacts"), "contacts"),
    ]:
        rows = source.objects.filter(**days).values(*fields).annotate(total=total).order_by()
        _insert(
            model, ["month", *fields, counted], ((month, *row) for row in rows.values_list(*fields, "total"))
        )


def _insert(model, fields, rows):
    """Write tuples into a summary table (``database.copy_rows_in``)."""
    rows = list(rows)
    if rows:
        columns = [model._meta.get_field(name).column for name in fields]
        database.copy_rows_in(model._meta.db_table, columns, rows)


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


def _runs(days):
    """Sorted dates as ``(first, last)`` runs of consecutive dates."""
    runs = []
    for day in days:
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return runs


def _count(first, end):
    """Count the contacts of local dates ``[first, end)`` into every summary table."""
    zone = timezone.get_default_timezone()
    contacts = Contact.objects.filter(
        started_at__gte=local_midnight(first), started_at__lt=local_midnight(end)
    ).annotate(day=TruncDate("started_at", tzinfo=zone))

    by_attributes = (
        contacts.annotate(
            anonymous=ExpressionWrapper(Q(person__isnull=True), output_field=BooleanField()),
            lacks_cpr=ExpressionWrapper(
                Q(person__isnull=True) | Q(person__cpr_index__isnull=True), output_field=BooleanField()
            ),
        )
        .values(*CONTACT_FIELDS)
        .annotate(count=Count("id"))
        .order_by()
        .values_list(*CONTACT_FIELDS, "count")
    )
    _insert(ContactDay, [*CONTACT_FIELDS, "contacts"], by_attributes)

    by_hour = (
        contacts.annotate(hour=ExtractHour("started_at", tzinfo=zone))
        .values("day", "hour")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("day", "hour", "count")
    )
    _insert(HourDay, ["day", "hour", "contacts"], by_hour)

    links = (
        Contact.reasons.through.objects.filter(
            contact__started_at__gte=local_midnight(first), contact__started_at__lt=local_midnight(end)
        )
        .annotate(day=TruncDate("contact__started_at", tzinfo=zone))
        .values("day", "reason_id")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("day", "reason_id", "count")
    )
    _insert(ReasonDay, ["day", "reason_id", "contacts"], links)

    by_person = (
        contacts.filter(person__isnull=False)
        .values("day", "person_id", "person__psychiatry_contact")
        .annotate(count=Count("id"))
        .order_by("person_id", "day")
    )
    # Each person's last day of contact before the run; within it, their rows follow each other.
    before = dict(
        Contact.objects.filter(
            person_id__in=contacts.values("person_id"), started_at__lt=local_midnight(first)
        )
        .values("person_id")
        .annotate(last=Max("started_at"))
        .order_by()
        .values_list("person_id", "last")
    )
    person_days = []
    last_person_id = last_day = None
    for day, person_id, psychiatry, count in by_person.values_list(
        "day", "person_id", "person__psychiatry_contact", "count"
    ):
        if person_id == last_person_id:
            previous_day = last_day
        else:
            previous_day = timezone.localdate(before[person_id]) if person_id in before else None
        person_days.append((day, person_id, count, previous_day, psychiatry))
        last_person_id, last_day = person_id, day
    _insert(PersonDay, ["day", "person_id", "contacts", "previous_day", "psychiatry_contact"], person_days)

    by_wait = (
        contacts.filter(WAITED, answered_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField()),
            kind=Case(
                When(channel=Channel.WALK_IN, then=Value(WaitKind.WALK_IN)),
                default=Value(WaitKind.PHONE),
                output_field=CharField(),
            ),
        )
        .values("day", "kind", "wait")
        .annotate(count=Count("id"))
        .order_by()
    )
    _insert(
        WaitDay,
        ["day", "kind", "wait_us", "contacts"],
        (
            (day, kind, wait // datetime.timedelta(microseconds=1), count)
            for day, kind, wait, count in by_wait.values_list("day", "kind", "wait", "count")
        ),
    )

    referrals = (
        Referral.objects.filter(
            contact__started_at__gte=local_midnight(first), contact__started_at__lt=local_midnight(end)
        )
        .annotate(day=TruncDate("contact__started_at", tzinfo=zone))
        .values("day", "partner_id", "direction")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("day", "partner_id", "direction", "count")
    )
    _insert(ReferralDay, ["day", "partner", "direction", "referrals"], referrals)

    _count_plans(first, end, zone)

    _insert(
        Under18Day,
        ["day", "notification_decision", "contacts"],
        ((day, decision, count) for (day, decision), count in _under_18(contacts, first).items()),
    )


def _count_plans(first, end, zone):
    """Crisis plans by the day they were made, follow-ups by the day first due."""
    lacks_cpr = ExpressionWrapper(Q(person__cpr_index__isnull=True), output_field=BooleanField())
    plans = (
        CrisisPlan.objects.filter(created_at__gte=local_midnight(first), created_at__lt=local_midnight(end))
        .annotate(day=TruncDate("created_at", tzinfo=zone), lacks_cpr=lacks_cpr)
        .values("day", "lacks_cpr")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("day", "lacks_cpr", "count")
    )
    _insert(PlanDay, ["day", "lacks_cpr", "plans"], plans)
    follow_ups = (
        FollowUp.objects.filter(first_due_at__gte=local_midnight(first), first_due_at__lt=local_midnight(end))
        .annotate(
            day=TruncDate("first_due_at", tzinfo=zone),
            done_day=TruncDate("completed_at", tzinfo=zone),
        )
        .annotate(
            on_time=ExpressionWrapper(
                Q(completed_at__isnull=False) & Q(done_day__lte=F("day")), output_field=BooleanField()
            ),
            lacks_cpr=ExpressionWrapper(Q(plan__person__cpr_index__isnull=True), output_field=BooleanField()),
        )
        .values("day", "status", "on_time", "lacks_cpr")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("day", "status", "on_time", "lacks_cpr", "count")
    )
    _insert(FollowUpDay, ["day", "status", "on_time", "lacks_cpr", "follow_ups"], follow_ups)


def _under_18(contacts, first):
    """``{(local date, notification decision): contacts}`` with a citizen under 18 that day.

    Only contacts that could be under 18 are fetched; the exact age is taken in Python by the
    rule of ``Contact.is_under_18``.
    """
    # A generous bound (any 29 February included); the exact age is decided below.
    oldest_birth_date = first - datetime.timedelta(days=19 * 366)
    candidates = contacts.filter(
        Q(person__birth_date__gt=oldest_birth_date)
        | Q(person__birth_date__isnull=True, person__birth_year__gte=first.year - 19)
        | Q(person__birth_date__isnull=True, person__birth_year__isnull=True, stated_age__lt=18)
    ).values_list("day", "person__birth_date", "person__birth_year", "stated_age", "notification_decision")
    counts = Counter()
    for day, birth_date, birth_year, stated_age, decision in candidates:
        years = age(day, birth_date=birth_date, birth_year=birth_year, stated_age=stated_age)
        if years is not None and years < 18:
            counts[day, decision] += 1
    return counts
