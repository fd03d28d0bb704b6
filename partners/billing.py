"""The inter-municipal billing statement: what a neighbouring municipality owes for a month.

What is billed, each rule once:
- The municipality billed is the citizen's municipality recorded on the contact or stay when it
  was tied to the person (``Contact.municipality``, ``Stay.municipality``): a later move does not
  move what was billed.
- A contact is billed on the local date it started, a night on the local date it starts on (a
  stay from 30 October to 2 November bills 30 and 31 October to October, 1 November to
  November), each at the prices of the inter-municipal agreement in force on that date. Days no
  agreement covers are not billed, and a month two agreements share is priced day by day.
- The agreement says which contacts it pays for (``Agreement.bills_contact``): by default the
  citizen's own incoming contacts within the target group.
- Billing needs the CPR number, so contacts and nights of citizens without one are counted apart
  as what cannot be billed.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from akuttilbud.spreadsheet import csv_line
from contacts.models import Contact, Stay

from .models import Agreement

ZERO = Decimal("0.00")


class NoAgreement(Exception):
    """The municipality has no inter-municipal agreement in force in the month."""


@dataclass
class StatementRow:
    person_id: int
    cpr: str
    name: str
    contacts: int = 0
    bed_nights: int = 0
    amount: Decimal = ZERO

    @property
    def written_cpr(self):
        """``DDMMYY-SSSS``, as CPR numbers are written; a spreadsheet keeps it as text."""
        return f"{self.cpr[:6]}-{self.cpr[6:]}"


@dataclass
class Tally:
    """Contacts and nights counted apart from the rows, with what they would have cost."""

    contacts: int = 0
    bed_nights: int = 0
    amount: Decimal = ZERO


@dataclass
class Statement:
    municipality: object
    month: datetime.date
    agreements: list
    counted_until: datetime.datetime
    open_stays: int = 0
    rows: list = field(default_factory=list)
    # Citizens without a CPR number: priced, but cannot be billed.
    unbillable: Tally = field(default_factory=Tally)
    # Contacts the agreement in force does not pay for, and contacts and nights on days no
    # agreement covers: not priced.
    not_paid_for_contacts: int = 0
    uncovered: Tally = field(default_factory=Tally)

    @property
    def month_label(self):
        return f"{self.month:%Y-%m}"

    @property
    def total_contacts(self):
        return sum(row.contacts for row in self.rows)

    @property
    def total_bed_nights(self):
        return sum(row.bed_nights for row in self.rows)

    @property
    def total_amount(self):
        return sum((row.amount for row in self.rows), ZERO)


def month_bounds(month):
    """First and last local date of the month, and its start and end as aware datetimes."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))
    return first, following - datetime.timedelta(days=1), start, end


def agreements_for(municipality, month):
    """The inter-municipal agreements in force on some day of the month, earliest first."""
    first, last, _start, _end = month_bounds(month)
    agreements = list(
        Agreement.objects.inter_municipal_for(municipality)
        .overlapping(first, last)
        .select_related("partner")
        .order_by("valid_from", "pk")
    )
    if not agreements:
        raise NoAgreement(municipality.code)
    return agreements


def _in_force(agreements, day):
    """The agreement covering ``day``; of two that overlap, the one that started later."""
    covering = [agreement for agreement in agreements if agreement.covers(day)]
    return max(covering, key=lambda agreement: (agreement.valid_from, agreement.pk), default=None)


def _price(amount):
    return (amount or ZERO).quantize(Decimal("0.01"))


def build_statement(*, municipality, month, now=None):
    """The statement for ``municipality`` and the month holding ``month``; raises ``NoAgreement``.

    An open stay counts its nights up to the month's end or ``now``, whichever is earlier; a
    check-out booked ahead does not bill nights that have not yet come.
    """
    now = now or timezone.now()
    agreements = agreements_for(municipality, month)
    first, last, start, end = month_bounds(month)
    counted_until = min(end, now)
    # A night is billed once it has begun and its date has passed, booked or not.
    last_counted = timezone.localdate(counted_until) - datetime.timedelta(days=1)
    statement = Statement(
        municipality=municipality, month=first, agreements=agreements, counted_until=counted_until
    )
    rows = {}

    def tally_for(person):
        """The person's row, or the no-CPR tally when the person cannot be billed."""
        if not person.has_cpr:
            return statement.unbillable
        if person.pk not in rows:
            rows[person.pk] = StatementRow(
                person_id=person.pk, cpr=person.decrypted_cpr(), name=person.name or person.nickname
            )
        return rows[person.pk]

    contacts = (
        Contact.objects.in_period(start, end).filter(municipality=municipality).select_related("person")
    )
    for contact in contacts:
        agreement = _in_force(agreements, timezone.localdate(contact.started_at))
        if agreement is None:
            statement.uncovered.contacts += 1
        elif not agreement.bills_contact(contact):
            statement.not_paid_for_contacts += 1
        else:
            tally = tally_for(contact.person)
            tally.contacts += 1
            tally.amount += _price(agreement.price_per_contact)

    stays = Stay.objects.overlapping(start, end).filter(municipality=municipality).select_related("person")
    for stay in stays:
        if stay.check_out is None:
            statement.open_stays += 1
        for night in stay.nights(until=counted_until):
            if not first <= night <= last_counted:
                continue
            agreement = _in_force(agreements, night)
            if agreement is None:
                statement.uncovered.bed_nights += 1
                continue
            tally = tally_for(stay.person)
            tally.bed_nights += 1
            tally.amount += _price(agreement.price_per_bed_night)

    statement.rows = sorted(rows.values(), key=lambda row: (row.name.casefold(), row.person_id))
    return statement


def audit_statement(statement, *, route, request=None, user=None):
    """Producing a statement discloses every listed citizen, so each is linked to the event
    (never the numbers)."""
    audit(
        AuditAction.BILLING_STATEMENT,
        request=request,
        user=user,
        obj=statement.agreements[-1],
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
        lines.append(csv_line([row.written_cpr, row.name, row.contacts, row.bed_nights, f"{row.amount:.2f}"]))
    totals = [
        (_("Total"), statement.total_contacts, statement.total_bed_nights, statement.total_amount),
        (
            _("Cannot be billed (no CPR number)"),
            statement.unbillable.contacts,
            statement.unbillable.bed_nights,
            statement.unbillable.amount,
        ),
    ]
    for label, contacts, bed_nights, amount in totals:
        lines.append(csv_line(["", label, contacts, bed_nights, f"{amount:.2f}"]))
    return "".join(lines)
