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

    def is_whole_months(self):
        return self.start.day == 1 and self.end.day == 1

    def previous(self):
        """The period just before this one: as many calendar months for whole months, else as
        many days."""
        if self.is_whole_months():
            count = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(add_months(self.start, -count), self.start)
        return Period(self.start - datetime.timedelta(days=self.days), self.start)

    def first_days(self, count):
        """The period's first ``count`` days."""
        return Period(self.start, min(self.end, self.start + datetime.timedelta(days=count)))

    def is_over(self, today):
        return self.end <= today

    def begun_by(self, today):
        """The days of the period that have begun by the local date ``today``, today included:
        what a contact can have happened on by now."""
        return Period(self.start, max(self.start, min(self.end, today + datetime.timedelta(days=1))))

    def ended_by(self, today):
        """The days of the period that have ended before ``today``: the nights slept and the
        follow-up deadlines passed."""
        return Period(self.start, max(self.start, min(self.end, today)))

    def months(self):
        """First days of every month the period touches, oldest first."""
        months = []
        month = first_of_month(self.start)
        while self.start < self.end and month < self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def whole_months(self):
        """The period widened to the whole calendar months it touches (none for an empty one)."""
        months = self.months()
        if not months:
            return self
        return Period(months[0], add_months(months[-1], 1))

    def months_over(self, today):
        """The whole calendar months the period touches that have ended before ``today``."""
        months = [month for month in self.months() if add_months(month, 1) <= today]
        if not months:
            return Period(self.start, self.start)
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
