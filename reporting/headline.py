"""The dashboard's opening row: six figures a leader reads first, each beside the previous period.

Every value is one the detail below shows too (taken from the same results and rounded by the
same ``plain``), so the headline and the tables cannot disagree.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .figure import percent, plain


@dataclass
class HeadlineFigure:
    key: str
    label: str
    unit: str
    current: object
    previous: object
    # What stands in place of a missing current or previous value.
    current_missing: str = ""
    previous_missing: str = ""
    # floatformat's argument: counts and kroner whole, shares and points with one decimal, so a
    # figure and the one beside it always read alike (70,0 % beside 55,6 %, not 70 %).
    places: str = "1g"


def _missing(result, key):
    """Why a figure has no value: the cost figures say whether costs or whole months are missing."""
    if key != "costs":
        return _("not measured")
    if not result["months"]:
        return _("no whole month over")
    if result["running"] is None:
        return _("no costs registered")
    return _("not measured")


def headline(*, overview, calls, beds, follow_ups, wellbeing, costs):
    """The six headline figures from the ``(period, result)`` pairs of the detail figures."""
    service_level = next((row for row in calls.rows if row[0] == _("Service level (%)")), [None, None, None])

    def item(key, label, unit, pair, value, places="1g"):
        (_now_period, now), (_before_period, before) = pair
        return HeadlineFigure(
            key,
            label,
            unit,
            plain(value(now)),
            plain(value(before)),
            _missing(now, key),
            _missing(before, key),
            places,
        )

    return [
        item("contacts", _("Contacts"), "", overview, lambda totals: totals["total"], places="g"),
        HeadlineFigure(
            "phone",
            _("Phone answered within the goal"),
            "%",
            service_level[1],
            service_level[2],
            _("not measured"),
            _("not measured"),
        ),
        item("beds", _("Bed occupancy"), "%", beds, lambda beds: percent(beds["occupancy"])),
        item(
            "follow_ups",
            _("Follow-ups on time"),
            "%",
            follow_ups,
            lambda follow_ups: percent(follow_ups["on_time_share"]),
        ),
        item(
            "wellbeing",
            _("SWEMWBS change"),
            _("points"),
            wellbeing,
            lambda wellbeing: wellbeing["mean_change"],
        ),
        item(
            "costs", _("Cost per contact"), _("DKK"), costs, lambda costs: costs["per_contact"], places="0g"
        ),
    ]
