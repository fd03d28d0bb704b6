"""SWEMWBS: the seven items and the raw-to-metric (Rasch) conversion table.

Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, University of
Warwick and University of Edinburgh, 2008, all rights reserved.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

COPYRIGHT = (
    "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, "
    "University of Warwick and University of Edinburgh, 2008, all rights reserved."
)

ITEM_RANGE = (1, 5)
RAW_MIN, RAW_MAX = 7, 35

# Danish is the unofficial wording until the service holds the licensed Danish text.
ITEMS = [
    _("I've been feeling optimistic about the future"),
    _("I've been feeling useful"),
    _("I've been feeling relaxed"),
    _("I've been dealing with problems well"),
    _("I've been thinking clearly"),
    _("I've been feeling close to other people"),
    _("I've been able to make up my own mind about things"),
]

ANSWERS = [
    (1, _("None of the time")),
    (2, _("Rarely")),
    (3, _("Some of the time")),
    (4, _("Often")),
    (5, _("All of the time")),
]

METRIC = {
    7: "7.00",
    8: "9.51",
    9: "11.25",
    10: "12.40",
    11: "13.33",
    12: "14.08",
    13: "14.75",
    14: "15.32",
    15: "15.84",
    16: "16.36",
    17: "16.88",
    18: "17.43",
    19: "17.98",
    20: "18.59",
    21: "19.25",
    22: "19.98",
    23: "20.73",
    24: "21.54",
    25: "22.35",
    26: "23.21",
    27: "24.11",
    28: "25.03",
    29: "26.02",
    30: "27.03",
    31: "28.13",
    32: "29.31",
    33: "30.70",
    34: "32.55",
    35: "35.00",
}

# A change of at least this many metric points counts as an improvement in the dashboard.
MEANINGFUL_CHANGE = Decimal(3)


def metric_score(raw):
    """The metric score for a raw score of 7–35; ``ValueError`` outside the table."""
    try:
        return Decimal(METRIC[raw])
    except KeyError:
        raise ValueError(f"raw SWEMWBS score out of range: {raw}") from None
