"""Every dashboard figure for a period beside the previous one, in the sections the page shows them.

The rules behind each number are in ``figures``, ``care_figures`` and ``line_figures``; the table
layout is ``figure.Figure``.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from akuttilbud.models import ServiceSettings
from contacts.models import Acuteness, CallerRole, Channel, Direction, PsychiatryContact
from partners.models import ReferralDirection

from . import care_figures, figures, summaries
from .figure import Figure, percent, period_label
from .line_figures import line_figures

WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


def _compare(key, title, current, previous, labelled_values, chart=""):
    """A figure whose rows come from ``labelled_values(result)`` for each period."""
    figure = Figure(key, title, [period_label(current[0]), period_label(previous[0])], chart=chart)
    now_rows = labelled_values(current[1])
    before_rows = dict(labelled_values(previous[1]))
    for label, value in now_rows:
        figure.add(label, value, before_rows.get(label))
    return figure


def _union_keys(*dicts):
    keys = []
    for counts in dicts:
        keys.extend(key for key in counts if key not in keys)
    return keys


SECTIONS = [
    (
        gettext_lazy("Volume and who uses the service"),
        [
            "overview",
            "channels",
            "first_time",
            "psychiatry",
            "caller_roles",
            "acuteness",
            "reasons",
            "heatmap",
            "trend",
        ],
    ),
    (gettext_lazy("Wait and availability"), ["calls", "calls_by_hour", "waits", "beds"]),
    (gettext_lazy("Courses"), ["plans", "follow_ups", "under_18", "lacking_cpr", "referrals"]),
    (gettext_lazy("Well-being and cost"), ["wellbeing", "costs"]),
]


def build(period):
    """Every dashboard figure for ``period`` beside the previous period of equal length."""
    # The cost figure reaches furthest: to the end of the period's last month.
    with summaries.fresh(period.whole_months().end):
        return _build(period)


def _build(period):
    previous = period.previous()
    service_settings = ServiceSettings.load()
    result = {}

    def both(function, *args, **kwargs):
        return (period, function(period, *args, **kwargs)), (previous, function(previous, *args, **kwargs))

    # The figures that count contacts or persons share one query of each per period.
    counts = {key: figures.contact_counts(key) for key in (period, previous)}
    persons = {key: figures.person_counts(key) for key in (period, previous)}

    def shared(function, *names):
        shares = {"counts": counts, "persons": persons}
        return tuple(
            (key, function(key, **{name: shares[name][key] for name in names})) for key in (period, previous)
        )

    overview = shared(figures.contact_overview, "counts", "persons")
    result["overview"] = _compare(
        "overview",
        _("Contacts and citizens"),
        *overview,
        lambda totals: [
            (_("Contacts"), totals["total"]),
            (_("Anonymous contacts"), totals["anonymous"]),
            (_("Anonymous share (%)"), percent(totals["anonymous_share"])),
            (_("Unique citizens"), totals["unique_persons"]),
            (_("First-time citizens"), totals["first_time_persons"]),
            (_("Repeat citizens"), totals["repeat_persons"]),
        ],
    )
    result["first_time"] = _compare(
        "first_time",
        _("First-time and repeat citizens"),
        *overview,
        lambda totals: [
            (_("First-time"), totals["first_time_persons"]),
            (_("Repeat"), totals["repeat_persons"]),
        ],
        chart="bar",
    )

    result["psychiatry"] = _compare(
        "psychiatry",
        _("Citizens by previous contact with psychiatry"),
        *shared(figures.psychiatry_contact, "persons"),
        lambda counts: [(choice.label, counts.get(choice.value, 0)) for choice in PsychiatryContact],
        chart="bar",
    )

    channels = shared(figures.contacts_by_channel, "counts")
    channel_keys = sorted(
        _union_keys(channels[0][1], channels[1][1]),
        key=lambda key: (list(Channel.values).index(key[0]), list(Direction.values).index(key[1])),
    )
    result["channels"] = _compare(
        "channels",
        _("Contacts by channel and direction"),
        *channels,
        lambda counts: [
            (f"{Channel(channel).label} – {Direction(direction).label}", counts.get((channel, direction), 0))
            for channel, direction in channel_keys
        ],
        chart="bar",
    )

    result["caller_roles"] = _compare(
        "caller_roles",
        _("Who made contact"),
        *shared(figures.caller_roles, "counts"),
        lambda counts: [(role.label, counts.get(role.value, 0)) for role in CallerRole],
        chart="bar",
    )
    result["acuteness"] = _compare(
        "acuteness",
        _("Acuteness"),
        *shared(figures.acuteness, "counts"),
        lambda counts: [
            *[(level.label, counts.get(level.value, 0)) for level in Acuteness],
            (_("Not assessed"), counts.get(None, 0)),
        ],
        chart="bar",
    )
    result["reasons"] = _compare(
        "reasons", _("Reasons for contact"), *both(figures.reasons), lambda rows: list(rows), chart="bar"
    )

    heatmap = Figure(
        "heatmap",
        _("Contacts by weekday and hour (local time)"),
        [f"{hour:02d}" for hour in range(24)],
        chart="heatmap",
        note=_("This period only."),
    )
    for weekday, hours in zip(WEEKDAYS, figures.heatmap(period), strict=True):
        heatmap.add(weekday, *hours)
    result["heatmap"] = heatmap

    result.update(line_figures(period, previous, service_settings))
    # The phone's waits come from the line's calls (above): a quick-logged call is answered the
    # moment its form opened, so its "wait" would measure nothing.
    wait_labels = {
        "walk_in": _("Walk-in"),
        "call_back": _("Call-back"),
    }
    result["waits"] = _compare(
        "waits",
        _("Waiting time against the service goals"),
        *both(figures.waits, service_settings),
        lambda waits: [
            row
            for kind, label in wait_labels.items()
            for row in (
                (_("%(kind)s: goal (minutes)") % {"kind": label}, waits[kind]["goal_minutes"]),
                (_("%(kind)s: measured") % {"kind": label}, waits[kind]["count"]),
                (
                    _("%(kind)s: within goal (%%)") % {"kind": label},
                    percent(waits[kind]["share_within_goal"]),
                ),
                (_("%(kind)s: median (minutes)") % {"kind": label}, waits[kind]["median_minutes"]),
                (_("%(kind)s: 90th percentile (minutes)") % {"kind": label}, waits[kind]["p90_minutes"]),
            )
        ],
    )
    result["beds"] = _compare(
        "beds",
        _("Beds and meals"),
        *both(care_figures.beds, service_settings),
        lambda beds: [
            (_("Bed nights"), beds["bed_nights"]),
            (_("Bed capacity (beds × days)"), beds["capacity"]),
            (_("Occupancy (%)"), percent(beds["occupancy"])),
            (_("Meals"), beds["meals"]),
        ],
    )
    result["plans"] = _compare(
        "plans",
        _("Crisis plans per walk-in"),
        *shared(figures.plans_per_walk_in, "counts"),
        lambda plans: [
            (_("Crisis plans"), plans["plans"]),
            (_("Walk-ins"), plans["walk_ins"]),
            (_("Crisis plans per walk-in"), plans["ratio"]),
        ],
    )
    result["follow_ups"] = _compare(
        "follow_ups",
        _("Follow-ups"),
        *both(care_figures.follow_ups),
        lambda follow_ups: [
            (_("Follow-ups due"), follow_ups["owed"]),
            (_("Done on time"), follow_ups["on_time"]),
            (_("Done on time (%)"), percent(follow_ups["on_time_share"])),
            (_("Citizen reached"), follow_ups["reached"]),
            (_("Citizen reached (%)"), percent(follow_ups["reached_share"])),
        ],
    )
    result["under_18"] = _compare(
        "under_18",
        _("Contacts with citizens under 18"),
        *both(figures.under_18),
        lambda under_18: [
            (_("Contacts under 18"), under_18["contacts"]),
            (_("With a notification decision"), under_18["with_decision"]),
            (_("Municipality notified"), under_18["notified"]),
        ],
    )
    result["lacking_cpr"] = _compare(
        "lacking_cpr",
        _("Records lacking a required CPR number"),
        *both(figures.lacking_cpr),
        lambda lacking: [
            (_("Walk-ins and outreach"), lacking["contacts"]),
            (_("Overnight stays"), lacking["stays"]),
            (_("Crisis plans"), lacking["plans"]),
            (_("Follow-ups"), lacking["follow_ups"]),
        ],
        chart="bar",
    )
    referrals = both(care_figures.referrals)
    referral_keys = _union_keys(referrals[0][1], referrals[1][1])
    result["referrals"] = _compare(
        "referrals",
        _("Referrals by partner kind"),
        *referrals,
        lambda counts: [
            (f"{kind} – {ReferralDirection(direction).label}", counts.get((kind, direction), 0))
            for kind, direction in referral_keys
        ],
        chart="bar",
    )
    result["wellbeing"] = _compare(
        "wellbeing",
        _("Well-being (SWEMWBS) before and after"),
        *both(care_figures.wellbeing),
        lambda wellbeing: [
            (_("Citizens with both scores"), wellbeing["pairs"]),
            (_("Mean metric score at contact"), wellbeing["mean_at_contact"]),
            (_("Mean metric score at follow-up"), wellbeing["mean_at_follow_up"]),
            (_("Mean change"), wellbeing["mean_change"]),
            (_("Change (%)"), wellbeing["percent_change"]),
            (_("Improved by 3 points or more"), wellbeing["improved"]),
            (_("Improved by 3 points or more (%)"), percent(wellbeing["improved_share"])),
        ],
    )
    costs = both(figures.costs)
    result["costs"] = _compare(
        "costs",
        _("Running cost (DKK)"),
        *costs,
        lambda costs: [
            (_("Running costs"), costs["running"]),
            (_("Establishment costs (not included)"), costs["establishment"]),
            (_("Contacts"), costs["contacts"]),
            (_("Unique citizens"), costs["citizens"]),
            (_("Cost per contact"), costs["per_contact"]),
            (_("Cost per unique citizen"), costs["per_citizen"]),
            (_("National figure per contact (2016)"), costs["national_per_contact"]),
            (_("National figure per unique user (2016)"), costs["national_per_citizen"]),
        ],
    )
    result["costs"].note = _(
        "Costs are entered per month, so this figure covers the whole months %(months)s."
    ) % {"months": f"{costs[0][1]['first_month']:%m.%Y}–{costs[0][1]['last_month']:%m.%Y}"}
    trend = Figure("trend", _("Contacts per month, last 12 months"), [_("Contacts")], chart="line")
    for month, count in figures.monthly_trend(period):
        trend.add(f"{month:%m.%Y}", count)
    result["trend"] = trend
    return result
