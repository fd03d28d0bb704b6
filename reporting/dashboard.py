"""Every dashboard figure for a period beside the previous one, in the sections the page shows them.

The rules behind each number are in ``figures``, ``care_figures`` and ``line_figures``; the table
layout is ``figure.Figure``.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from akuttilbud.models import ServiceSettings
from contacts.models import Acuteness, CallerRole, Channel, Direction, PsychiatryContact
from partners.models import ReferralDirection

from . import care_figures, figures, summaries
from .figure import Figure, percent, period_label
from .headline import headline
from .line_figures import line_figures
from .periods import Period

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


@dataclass
class Dashboard:
    """The figures of ``period`` beside ``previous``, as counted at ``as_of``: ``period`` is the
    ``chosen`` one up to today.

    A period that is not over (``complete`` false) is counted up to now: contacts up to now,
    nights and follow-up deadlines up to last midnight, costs over the whole months that are
    over; the previous period is cut to as many days, so the two compare like with like.
    """

    chosen: Period
    period: Period
    previous: Period
    complete: bool
    as_of: datetime.datetime
    figures: dict
    headline: Figure


def build(period, now=None):
    """Every dashboard figure for ``period`` beside the previous period, as of ``now``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    complete = period.is_over(today)
    counted = period.begun_by(today)
    previous = period.previous() if complete else period.previous().first_days(counted.days)
    # The cost figure reaches furthest: to the end of the period's last month.
    with summaries.fresh(period.whole_months().end):
        figures_by_key, headline = _build(counted, previous, today, complete)
    return Dashboard(period, counted, previous, complete, now, figures_by_key, headline)


def _build(period, previous, today, complete):
    service_settings = ServiceSettings.load()
    result = {}

    def both(function, *args, cut=None):
        return tuple((key, function(cut(key) if cut else key, *args)) for key in (period, previous))

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

    # Nights and follow-up deadlines count once they have passed: last night is the latest.
    def ended(of):
        return of.ended_by(today)

    beds = both(care_figures.beds, service_settings, today, cut=ended)
    result["beds"] = _compare(
        "beds",
        _("Beds and meals"),
        *beds,
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
    follow_ups = both(care_figures.follow_ups, cut=ended)
    result["follow_ups"] = _compare(
        "follow_ups",
        _("Follow-ups"),
        *follow_ups,
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
    wellbeing = both(care_figures.wellbeing)
    result["wellbeing"] = _compare(
        "wellbeing",
        _("Well-being (SWEMWBS) before and after"),
        *wellbeing,
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
    costs = both(figures.costs, today)
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
    result["costs"].note = cost_note(costs[0][1])
    if not complete:
        result["beds"].note = _("Nights up to last night: tonight is not over.")
        result["follow_ups"].note = _(
            "Follow-ups due up to yesterday: one due today can still be done on time."
        )
    trend = Figure("trend", _("Contacts per month, last 12 months"), [_("Contacts")], chart="line")
    for month, count in figures.monthly_trend(period):
        trend.add(f"{month:%m.%Y}", count)
    result["trend"] = trend
    return result, headline(
        overview=overview,
        calls=result["calls"],
        beds=beds,
        follow_ups=follow_ups,
        wellbeing=wellbeing,
        costs=costs,
    )


def cost_note(costs):
    """What the cost figure covers: the whole months that are over, and any without costs."""
    months = costs["months"]
    if not months:
        return _("No whole month of the period is over yet: costs are entered per month.")
    if costs["running"] is None:
        return _("No costs registered for %(months)s.") % {"months": month_span(months)}
    note = _(
        "Costs are entered per month, so this figure covers the whole months that are over: %(months)s."
    ) % {"months": month_span(months)}
    if costs["missing_months"]:
        note += " " + _("No costs registered for %(months)s: the cost figures are too low.") % {
            "months": ", ".join(f"{month:%m.%Y}" for month in costs["missing_months"])
        }
    return note


def month_span(months):
    if len(months) == 1:
        return f"{months[0]:%m.%Y}"
    return f"{months[0]:%m.%Y}–{months[-1]:%m.%Y}"
