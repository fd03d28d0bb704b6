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


ITEM_FIELDS = [f"item_{number}" for number in range(1, len(ITEMS) + 1)]


def clean_answers(answers):
    """The seven answers as whole numbers 1–5, from a mapping ``item_1``..``item_7`` or a sequence.

    Raises ``ValidationError`` naming each missing or invalid item, so a form or an API caller
    can show the message beside the right question.
    """
    from django.core.exceptions import ValidationError

    if not isinstance(answers, dict):
        answers = dict(zip(ITEM_FIELDS, list(answers or []), strict=False))
    errors = {}
    cleaned = []
    for number, field in enumerate(ITEM_FIELDS, start=1):
        value = answers.get(field)
        if value is None or value == "":
            errors[field] = _("Answer statement %(number)s: all seven answers are needed for a score.") % {
                "number": number
            }
            continue
        answer = _whole_number(value)
        if answer is None or not ITEM_RANGE[0] <= answer <= ITEM_RANGE[1]:
            errors[field] = _("Statement %(number)s must be answered with a number from 1 to 5.") % {
                "number": number
            }
            continue
        cleaned.append(answer)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _whole_number(value):
    """``value`` as an int when it is one (3 or "3"), else ``None`` (3.5, "tre", True)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None
