"""How the records of local dates are counted into the summary tables of ``models``.

``summaries`` decides which days are stale and locks them; ``count_days`` counts them afresh:
contacts into ``ContactDay``, ``HourDay``, ``ReasonDay``, ``PersonDay``, ``WaitDay`` and
``Under18Day``, referrals into ``ReferralDay``, crisis plans and follow-ups first due into
``PlanDay`` and ``FollowUpDay``, then the month's rollups (``ContactMonth``, ``PersonMonth``,
``WaitMonth``) from its days.
"""

import datetime
from collections import Counter

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
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
    ContactCounts,
    ContactDay,
    ContactMonth,
    FollowUpDay,
    HourDay,
    PersonDay,
    PersonMonth,
    PlanDay,
    ReasonDay,
    ReferralDay,
    SummaryMonth,
    Under18Day,
    WaitCounts,
    WaitDay,
    WaitKind,
    WaitMonth,
)
from .periods import add_months, local_midnight

TABLES = [ContactDay, HourDay, ReasonDay, PersonDay, WaitDay, Under18Day, ReferralDay, PlanDay, FollowUpDay]
ROLLUPS = [ContactMonth, PersonMonth, WaitMonth]
ONE_DAY = datetime.timedelta(days=1)

CONTACT_FIELDS = ["day", "channel", "direction", "caller_role", "acuteness", "anonymous", "lacks_cpr"]
# Waits are the citizen's: an outgoing call or walk-in (staff's own initiative) has none.
WAITED = Q(channel__in=[Channel.PHONE, Channel.WALK_IN], direction=Direction.INCOMING)


def count_days(days):
    """Count the sorted local dates ``days`` of one month (locked by the caller) afresh into
    every day table, then roll their month up again."""
    for model in TABLES:
        model.objects.filter(day__in=days).delete()
    for first, last in _runs(days):
        _count(first, last + ONE_DAY)
    _roll_up(days[0].replace(day=1))


def _attributes(counts, counted):
    """The fields of a day-and-month base (``ContactCounts``) other than the count itself."""
    return [field.name for field in counts._meta.fields if field.name != counted]


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
        (ContactMonth, ContactDay, _attributes(ContactCounts, "contacts"), Sum("contacts"), "contacts"),
        (PersonMonth, PersonDay, ["previous_day", "psychiatry_contact"], Count("id"), "persons"),
        (WaitMonth, WaitDay, _attributes(WaitCounts, "contacts"), Sum("contacts"), "contacts"),
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
