"""A dashboard figure laid out as a table: one row per label, one column per period.

Each ``Figure`` feeds the visible table, the chart (through the JSON data island) and the
figure's CSV download, so the three always show the same numbers.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats


@dataclass
class Figure:
    key: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    chart: str = ""
    note: str = ""

    def heat_rows(self):
        """Rows with each count's shade (0–4, relative to the largest count) for the heatmap."""
        largest = max((value for row in self.rows for value in row[1:]), default=0)
        return [
            (row[0], [(value, math.ceil(4 * value / largest) if largest else 0) for value in row[1:]])
            for row in self.rows
        ]

    def add(self, label, *values):
        self.rows.append([str(label), *(plain(value) for value in values)])

    def chart_data(self):
        return {
            "key": self.key,
            "type": self.chart,
            "labels": [row[0] for row in self.rows],
            "series": [
                {"label": str(column), "data": [row[index + 1] for row in self.rows]}
                for index, column in enumerate(self.columns)
            ],
        }


def plain(value):
    """Numbers as the table and chart show them: money and counts whole, others to 1 decimal."""
    if isinstance(value, Decimal):
        return round(float(value), 1)
    if isinstance(value, float):
        return round(value, 1)
    return value


def percent(share):
    return None if share is None else share * 100


def period_label(period):
    return f"{formats.date_format(period.start, 'd.m.Y')}–{formats.date_format(period.last_day, 'd.m.Y')}"
