"""The costs export: one row per month and category, the month's entries summed."""

from decimal import Decimal

from django.db.models import Sum

from .. import queries
from ..models import CostCategory
from .columns import CHUNK_SIZE


def by_month(period):
    return (
        queries.costs(period)
        .values("month", "category")
        .annotate(amount=Sum("amount"))
        .order_by("month", "category")
    )


def rows(period):
    for entry in by_month(period).iterator(chunk_size=CHUNK_SIZE):
        yield {
            "month": entry["month"].strftime("%Y-%m"),
            "category": entry["category"],
            "amount": Decimal(entry["amount"]).quantize(Decimal("0.01")),
            "running": entry["category"] != CostCategory.ESTABLISHMENT,
        }
