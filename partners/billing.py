"""The inter-municipal billing statement: what a neighbouring municipality owes for a month.

A citizen whose home municipality is the one billed counts with every contact started in the
month and every night slept here in the month. A night belongs to the local date it starts on:
a stay from 30 October to 2 November bills the nights of 30 and 31 October to October and the
night of 1 November to November. Billing needs the CPR number, so contacts and nights of
citizens without one are counted apart as what cannot be billed.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from akuttilbud.spreadsheet import csv_line
from contacts.models import Contact, Stay

from .models import Agreement


class NoAgreement(Exception):
    """The municipality has no inter-municipal agreement in force in the month."""


@dataclass
class StatementRow:
    person_id: int
    cpr: str
    name: str
    contacts: int
    bed_nights: int
    amount: Decimal


@dataclass
class Statement:
    municipality: object
    month: datetime.date
    agreement: Agreement
    counted_until: datetime.datetime
    open_stays: int
    rows: list = field(default_factory=list)
    unbillable_contacts: int = 0
    unbillable_bed_nights: int = 0

    @property
    def month_label(self):
        return f"{self.month:%Y-%m}"

    @property
    def price_per_contact(self):
        return self.agreement.price_per_contact or Decimal("0")

    @property
    def price_per_bed_night(self):
        return self.agreement.price_per_bed_night or Decimal("0")

    @property
    def total_contacts(self):
        return sum(row.contacts for row in self.rows)

    @property
    def total_bed_nights(self):
        return sum(row.bed_nights for row in self.rows)

    @property
    def total_amount(self):
        return sum((row.amount for row in self.rows), Decimal("0.00"))

    @property
    def unbillable_amount(self):
        return self.price(self.unbillable_contacts, self.unbillable_bed_nights)

    def price(self, contacts, bed_nights):
        return (contacts * self.price_per_contact + bed_nights * self.price_per_bed_night).quantize(
            Decimal("0.01")
        )


def month_bounds(month):
    """First and last local date of the month, and its start and end as aware datetimes."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    return first, following - datetime.timedelta(days=1), start, end


def agreement_for(municipality, month):
    """The inter-municipal agreement in force in the month (the latest starting, if several)."""
    first, last, _start, _end = month_bounds(month)
    agreement = (
        Agreement.objects.inter_municipal_for(municipality)
        .overlapping(first, last)
        .select_related("partner")
        .order_by("-valid_from", "-pk")
        .first()
    )
    if agreement is None:
        raise NoAgreement(municipality.code)
    return agreement


def build_statement(*, municipality, month, now=None):
    """The statement for ``municipality`` and the month holding ``month``; raises ``NoAgreement``.

    An open stay counts its nights up to the month's end or ``now``, whichever is earlier; a
    check-out booked ahead does not bill nights that have not yet come.
    """
    now = now or timezone.now()
    agreement = agreement_for(municipality, month)
    first, last, start, end = month_bounds(month)
    counted_until = min(end, now)
    # A night is billed once it has begun and its date has passed, booked or not.
    last_counted = timezone.localdate(counted_until) - datetime.timedelta(days=1)
    statement = Statement(
        municipality=municipality,
        month=first,
        agreement=agreement,
        counted_until=counted_until,
        open_stays=0,
    )

    contacts_by_person = defaultdict(int)
    nights_by_person = defaultdict(int)
    people = {}
    contacts = (
        Contact.objects.in_period(start, end)
        .filter(person__home_municipality=municipality)
        .select_related("person")
    )
    for contact in contacts:
        contacts_by_person[contact.person_id] += 1
        people[contact.person_id] = contact.person
    stays = (
        Stay.objects.overlapping(start, end)
        .filter(person__home_municipality=municipality)
        .select_related("person")
    )
    for stay in stays:
        if stay.check_out is None:
            statement.open_stays += 1
        nights = [night for night in stay.nights(until=counted_until) if first <= night <= last_counted]
        nights_by_person[stay.person_id] += len(nights)
        people[stay.person_id] = stay.person

    for person_id, person in people.items():
        contact_count = contacts_by_person[person_id]
        night_count = nights_by_person[person_id]
        if not contact_count and not night_count:
            continue
        if not person.has_cpr:
            statement.unbillable_contacts += contact_count
            statement.unbillable_bed_nights += night_count
            continue
        statement.rows.append(
            StatementRow(
                person_id=person_id,
                cpr=person.decrypted_cpr(),
                name=person.name or person.nickname,
                contacts=contact_count,
                bed_nights=night_count,
                amount=statement.price(contact_count, night_count),
            )
        )
    statement.rows.sort(key=lambda row: (row.name.casefold(), row.person_id))
    return statement


def audit_statement(statement, *, route, request=None, user=None):
    """Producing a statement lists CPR numbers, so it is audited as one event linked to every
    citizen on it (never the numbers)."""
    audit(
        AuditAction.BILLING_STATEMENT,
        request=request,
        user=user,
        obj=statement.agreement,
        person_ids=[row.person_id for row in statement.rows],
        detail={
            "municipality": statement.municipality.code,
            "month": statement.month_label,
            "rows": len(statement.rows),
            "route": route,
        },
    )


def statement_csv(statement):
    """The statement as comma-separated UTF-8 text: one row per citizen, then the totals."""
    lines = [csv_line([_("CPR number"), _("Name"), _("Contacts"), _("Bed nights"), _("Amount (DKK)")])]
    for row in statement.rows:
        lines.append(csv_line([row.cpr, row.name, row.contacts, row.bed_nights, f"{row.amount:.2f}"]))
    totals = [
        (_("Total"), statement.total_contacts, statement.total_bed_nights, statement.total_amount),
        (
            _("Cannot be billed (no CPR number)"),
            statement.unbillable_contacts,
            statement.unbillable_bed_nights,
            statement.unbillable_amount,
        ),
    ]
    for label, contacts, bed_nights, amount in totals:
        lines.append(csv_line(["", label, contacts, bed_nights, f"{amount:.2f}"]))
    return "".join(lines)
