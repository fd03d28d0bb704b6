"""Reporting periods: half-open ranges of local dates, [start, end)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def local_midnight(day):
    """The aware instant a local date begins in Europe/Copenhagen (23 or 25 hours on DST days)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def first_of_month(day):
    return day.replace(day=1)


def add_months(month, count):
    """The first day of the month ``count`` months after ``month`` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local dates from ``start`` up to, not including, ``end``."""

    start: datetime.date
    end: datetime.date

    @property
    def start_at(self):
        return local_midnight(self.start)

    @property
    def end_at(self):
        return local_midnight(self.end)

    @property
    def last_day(self):
        return self.end - datetime.timedelta(days=1)

    @property
    def days(self):
        return (self.end - self.start).days

    def previous(self):
        """The period of equal length just before this one."""
        return Period(self.start - datetime.timedelta(days=self.days), self.start)

    def months(self):
        """First days of every month the period touches, oldest first."""
        months = []
        month = first_of_month(self.start)
        while month < self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def whole_months(self):
        """The period widened to the whole calendar months it touches."""
        months = self.months()
        return Period(months[0], add_months(months[-1], 1))

    @classmethod
    def inclusive(cls, first_day, last_day):
        """From the first to the last day shown to users, both included."""
        return cls(first_day, last_day + datetime.timedelta(days=1))


PRESETS = {
    "last_30_days": _("Last 30 days"),
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
    "this_year": _("This year"),
}
DEFAULT_PRESET = "last_30_days"


def preset_period(name, today):
    """The period a preset names, seen from the local date ``today``."""
    if name == "last_30_days":
        return Period(today - datetime.timedelta(days=29), today + datetime.timedelta(days=1))
    month = first_of_month(today)
    if name == "this_month":
        return Period(month, add_months(month, 1))
    if name == "last_month":
        return Period(add_months(month, -1), month)
    if name == "this_quarter":
        quarter = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return Period(quarter, add_months(quarter, 3))
    if name == "this_year":
        return Period(datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 1, 1))
    raise ValueError(f"unknown preset: {name}")
