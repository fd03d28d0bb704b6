"""The line's service level from its call sessions, each figure defined once.

The definitions are the call centres' common ones (``docs/telephony.md``):

- *offered*: incoming calls that reached the line (rang or queued); a busy or failed call never
  rang through and is counted apart;
- *answered* and the *wait* (answered − ringing); *answered within the goal* when the wait is at
  most the service's goal for the phone;
- *abandoned*: the caller hung up before an answer. A *short abandon* hung up within the grace
  time (misdials, pocket calls) and is left out of the rates, shown apart;
- *voicemail*: the caller left a message instead of waiting;
- *service level* = answered within the goal ÷ (offered − short abandons); *abandon rate* =
  abandoned beyond the grace time ÷ (offered − short abandons);
- the *median* and *90th percentile* (both by nearest rank, as every figure of the app) and the
  *longest* wait of the answered calls.

Every duration is taken in whole seconds, rounded down, as the exports give it, so a figure
rebuilt from the files is the same.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from akuttilbud.expressions import WholeSeconds
from akuttilbud.percentiles import nearest_rank

from .models import CallStatus


@dataclass(frozen=True)
class ServiceLevel:
    offered: int
    answered: int
    answered_within_goal: int
    abandoned: int
    short_abandons: int
    voicemail: int
    busy_failed: int
    median_wait_seconds: int | None
    p90_wait_seconds: int | None
    longest_wait_seconds: int | None

    @property
    def counted(self):
        """The calls the rates are taken over: offered, short abandons left out."""
        return self.offered - self.short_abandons

    @property
    def service_level(self):
        return self.answered_within_goal / self.counted if self.counted else None

    @property
    def abandon_rate(self):
        return self.abandoned / self.counted if self.counted else None


def _seconds(delta):
    return int(delta.total_seconds())


def _with_seconds(calls):
    """Incoming calls with their wait and, unanswered, how long the caller held on."""
    return calls.incoming().annotate(
        wait_s=WholeSeconds("answered_at", "ringing_at"), held_s=WholeSeconds("ended_at", "ringing_at")
    )


def counts(*, goal, grace):
    """The counting aggregates, for ``aggregate`` over a whole period or per group (an hour)."""
    abandoned = Q(status=CallStatus.ABANDONED)
    busy_failed = Q(status=CallStatus.BUSY_FAILED)
    return {
        "offered": Count("pk", filter=~busy_failed),
        "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "answered_within_goal": Count("pk", filter=Q(wait_s__lte=_seconds(goal))),
        "abandoned": Count("pk", filter=abandoned & Q(held_s__gte=_seconds(grace))),
        "short_abandons": Count("pk", filter=abandoned & Q(held_s__lt=_seconds(grace))),
        "voicemail": Count("pk", filter=Q(status=CallStatus.VOICEMAIL)),
        "busy_failed": Count("pk", filter=busy_failed),
    }


def _level(groups, names):
    """A ``ServiceLevel`` from count groups, each with its wait in whole seconds (or none)."""
    totals = dict.fromkeys(names, 0)
    waits = Counter()
    for group in groups:
        for name in names:
            totals[name] += group[name]
        if group["wait_s"] is not None:
            waits[group["wait_s"]] += group["answered"]
    waits = sorted(waits.items())
    return ServiceLevel(
        **totals,
        median_wait_seconds=nearest_rank(waits, 50),
        p90_wait_seconds=nearest_rank(waits, 90),
        longest_wait_seconds=waits[-1][0] if waits else None,
    )


def service_level(calls, *, goal, grace):
    """The service level of ``calls`` (a ``CallSession`` queryset; outgoing calls are left
    out); ``goal`` and ``grace`` are timedeltas, compared in whole seconds as the waits are.

    One query and one pass over the calls whatever their number: the counts grouped by the wait
    in whole seconds give both the totals and the distribution the percentiles are read from.
    """
    names = counts(goal=goal, grace=grace)
    return _level(_with_seconds(calls).values("wait_s").annotate(**names).order_by(), names)


def service_level_by_hour(calls, *, goal, grace):
    """``service_level`` over all of ``calls``, and for each local hour of the day they rang in
    (``{hour: ServiceLevel}`` for the hours with calls), from the same single pass."""
    names = counts(goal=goal, grace=grace)
    groups = list(
        _with_seconds(calls)
        .annotate(hour=ExtractHour("ringing_at", tzinfo=timezone.get_current_timezone()))
        .values("hour", "wait_s")
        .annotate(**names)
        .order_by()
    )
    hours = sorted({group["hour"] for group in groups})
    return _level(groups, names), {
        hour: _level([group for group in groups if group["hour"] == hour], names) for hour in hours
    }
