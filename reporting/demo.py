"""Demo costs: one entry per running category for every month of the demo period, plus a single
establishment cost, so the dashboard can show cost per contact and per citizen."""

import datetime
from decimal import Decimal

from django.utils import timezone

from . import summaries
from .models import CostCategory, CostEntry
from .periods import add_months, first_of_month

# The contacts demo covers about three months up to today.
DEMO_DAYS = 91

MONTHLY = {
    CostCategory.SALARIES: (Decimal("610000"), "Løn til vagtteam og leder"),
    CostCategory.RENT: (Decimal("42000"), "Husleje og drift af lokaler"),
    CostCategory.TRAINING: (Decimal("9000"), "Supervision og kurser"),
    CostCategory.COMMUNICATION: (Decimal("6500"), "Telefoni, foldere og hjemmeside"),
    CostCategory.MEALS: (Decimal("7500"), "Forplejning til overnattende"),
    CostCategory.OTHER: (Decimal("5000"), "Diverse"),
}
ESTABLISHMENT = (Decimal("350000"), "Indretning af lokaler og senge")


def seed(*, rng, users, stdout):
    today = timezone.localdate()
    month = first_of_month(today - datetime.timedelta(days=DEMO_DAYS))
    leader = users["leader"]
    created = 0
    if not CostEntry.objects.filter(category=CostCategory.ESTABLISHMENT).exists():
        amount, note = ESTABLISHMENT
        CostEntry.objects.create(
            month=month, category=CostCategory.ESTABLISHMENT, amount=amount, note=note, created_by=leader
        )
        created += 1
    while month <= today:
        for category, (base, note) in MONTHLY.items():
            if CostEntry.objects.filter(month=month, category=category).exists():
                continue
            # A little monthly variation, in whole hundreds.
            amount = (base * Decimal(rng.uniform(0.9, 1.1)) / 100).quantize(Decimal(1)) * 100
            CostEntry.objects.create(
                month=month, category=category, amount=amount, note=note, created_by=leader
            )
            created += 1
        month = add_months(month, 1)
    stdout.write(f"reporting: {created} cost entries added")
    # The other apps' demo data went in before this (reporting comes after them in
    # INSTALLED_APPS) by bulk_create and plain saves, which mark no days: count every day afresh.
    summaries.rebuild()
