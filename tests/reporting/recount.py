"""The whole dashboard read through the per-day summaries, and counted again from scratch."""

import datetime

from django.db.models import F

from reporting import dashboard, summaries
from reporting.models import SummaryDay, SummaryMonth
from reporting.periods import Period

from .dataset import PERIOD

# Wide enough to hold every dated record of the dataset, the week under test inside it, and one
# starting with that week: a citizen's first day in it hangs on their day of contact before it.
PERIODS = [
    PERIOD,
    Period(datetime.date(2026, 8, 1), datetime.date(2026, 12, 1)),
    Period(PERIOD.start, datetime.date(2026, 12, 1)),
]


def figures(periods=PERIODS):
    """Every figure's rows of every period, through the summaries as they stand."""
    return {
        (period, key): figure.rows
        for period in periods
        for key, figure in dashboard.build(period).figures.items()
    }


def counted_from_scratch(periods=PERIODS):
    """``figures`` with every summary forgotten first, so each day is counted afresh."""
    for model in [SummaryDay, SummaryMonth, *summaries.TABLES, *summaries.ROLLUPS]:
        model.objects.all().delete()
    return figures(periods)


def all_fresh():
    return not SummaryDay.objects.exclude(summarised=F("changes")).exists()
