"""The phone line's figures on the dashboard, from its calls counted per day
(``telephony.call_summary``) and its call-backs (``telephony.service_level``)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from telephony import call_summary
from telephony.models import TelephonySettings
from telephony.service_level import callbacks_kept

from .figure import Figure, percent, period_label


def line_figures(period, previous, service_settings):
    """The phone line's service level from its call sessions, for the period beside the
    previous one, and for each hour of the day in the period (``telephony.service_level``)."""
    goal = datetime.timedelta(minutes=service_settings.goal_phone_wait_minutes)
    grace = datetime.timedelta(seconds=TelephonySettings.load().grace_seconds)

    now, hours = call_summary.service_level_by_hour(period.start, period.end, goal=goal, grace=grace)
    before = call_summary.service_level(previous.start, previous.end, goal=goal, grace=grace)
    moment = timezone.now()
    kept_now = callbacks_kept(period.start_at, period.end_at, now=moment)
    kept_before = callbacks_kept(previous.start_at, previous.end_at, now=moment)
    no_line = not now.offered and not before.offered
    overview = Figure(
        "calls",
        _("Phone calls from the line against the goal (%(minutes)d min)")
        % {"minutes": service_settings.goal_phone_wait_minutes},
        [period_label(period), period_label(previous)],
        note=_("No phone line reported calls in these periods: phone waits are not measured.")
        if no_line
        else "",
    )
    for label, value in (
        (_("Calls offered"), lambda level: level.offered),
        (_("Answered"), lambda level: level.answered),
        (_("Answered within the goal"), lambda level: level.answered_within_goal),
        (_("Service level (%)"), lambda level: percent(level.service_level)),
        (_("Abandoned"), lambda level: level.abandoned),
        (_("Abandon rate (%)"), lambda level: percent(level.abandon_rate)),
        (_("Hung up within the grace time"), lambda level: level.short_abandons),
        (_("Voicemail"), lambda level: level.voicemail),
        (_("Busy or failed"), lambda level: level.busy_failed),
        (_("Median wait (seconds)"), lambda level: level.median_wait_seconds),
        (_("Wait, 90th percentile (seconds)"), lambda level: level.p90_wait_seconds),
        (_("Longest wait (seconds)"), lambda level: level.longest_wait_seconds),
    ):
        overview.add(label, value(now), value(before))
    for label, value in (
        (_("Missed calls owed a call-back"), lambda kept: kept.owed),
        (_("Called back within the promised time"), lambda kept: kept.kept),
        (_("Called back within the promised time (%)"), lambda kept: percent(kept.share)),
    ):
        overview.add(label, value(kept_now), value(kept_before))
    by_hour = Figure(
        "calls_by_hour",
        _("Phone calls by hour of the day (local time)"),
        [_("Calls offered"), _("Answered within the goal"), _("Abandoned")],
        chart="bar",
        note=_("This period only."),
    )
    for hour in range(24):
        level = hours.get(hour)
        by_hour.add(
            f"{hour:02d}",
            *((level.offered, level.answered_within_goal, level.abandoned) if level else (0, 0, 0)),
        )
    return {"calls": overview, "calls_by_hour": by_hour}
