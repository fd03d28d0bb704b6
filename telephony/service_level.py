"""The line's service level, each figure defined once.

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
  *longest* wait of the answered calls;
- *missed calls called back within the promised time*: see ``callbacks_kept``.

Every duration is taken in whole seconds, rounded down, as the exports give it, so a figure
rebuilt from the files is the same.

A call enters the figures as a *tally*: its outcome and its seconds (``tally``). The figures are
sums over tallies (``level``), whether the tallies come from the sessions themselves
(``service_level``, for a few calls or a recount) or from the per-day summary that the dashboard
reads (``call_summary``).
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from akuttilbud.percentiles import nearest_rank
from contacts.models import Callback, CallbackClosure

from .models import GRACE_SECONDS_MAX, CallSession, CallStatus

# The outcome an answered call is tallied under, whether it is still talking or over.
ANSWERED = CallStatus.ANSWERED


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


def whole_seconds(duration):
    """A non-negative timedelta in whole seconds, rounded down (as ``WholeSeconds`` in SQL)."""
    return duration.days * 86400 + duration.seconds


def tally(*, status, ringing_at, answered_at, ended_at):
    """``(outcome, seconds)`` of an incoming call: an answered call (talking still or over) by
    its wait; an abandoned one by how long the caller held on, counted up to the longest grace
    time the settings allow (all that tells a short abandon from a long one); any other by 0."""
    if answered_at is not None:
        return ANSWERED, whole_seconds(answered_at - ringing_at)
    if status == CallStatus.ABANDONED:
        return status, min(whole_seconds(ended_at - ringing_at), GRACE_SECONDS_MAX)
    return status, 0


def level(tallies, waits, *, goal, grace):
    """The ``ServiceLevel`` of ``tallies`` (``(outcome, seconds, calls)`` rows) and ``waits``
    (``{wait in whole seconds: answered calls}``, for the percentiles).

    An answered tally's seconds may be its wait rounded up to whole minutes: with a goal in
    whole minutes, "within the goal" is the same.
    """
    goal_seconds, grace_seconds = whole_seconds(goal), whole_seconds(grace)
    totals = Counter()
    for outcome, seconds, calls in tallies:
        if outcome == CallStatus.BUSY_FAILED:
            totals["busy_failed"] += calls
            continue
        totals["offered"] += calls
        if outcome == ANSWERED:
            totals["answered"] += calls
            totals["answered_within_goal"] += calls if seconds <= goal_seconds else 0
        elif outcome == CallStatus.ABANDONED:
            totals["abandoned" if seconds >= grace_seconds else "short_abandons"] += calls
        elif outcome == CallStatus.VOICEMAIL:
            totals["voicemail"] += calls
    waits = sorted((wait, calls) for wait, calls in waits.items() if calls)
    return ServiceLevel(
        offered=totals["offered"],
        answered=totals["answered"],
        answered_within_goal=totals["answered_within_goal"],
        abandoned=totals["abandoned"],
        short_abandons=totals["short_abandons"],
        voicemail=totals["voicemail"],
        busy_failed=totals["busy_failed"],
        median_wait_seconds=nearest_rank(waits, 50),
        p90_wait_seconds=nearest_rank(waits, 90),
        longest_wait_seconds=waits[-1][0] if waits else None,
    )


def tallies_by_hour(calls):
    """``{local hour: (Counter of (outcome, seconds), Counter of waits)}`` of ``calls``' incoming
    calls, from one query."""
    zone = timezone.get_current_timezone()
    hours = {}
    rows = calls.incoming().values_list("status", "ringing_at", "answered_at", "ended_at").order_by()
    for status, ringing_at, answered_at, ended_at in rows:
        outcome, seconds = tally(
            status=status, ringing_at=ringing_at, answered_at=answered_at, ended_at=ended_at
        )
        tallies, waits = hours.setdefault(ringing_at.astimezone(zone).hour, (Counter(), Counter()))
        tallies[outcome, seconds] += 1
        if outcome == ANSWERED:
            waits[seconds] += 1
    return hours


def merged(*counters):
    total = Counter()
    for counter in counters:
        total.update(counter)
    return total


def as_rows(tallies):
    return [(outcome, seconds, calls) for (outcome, seconds), calls in tallies.items()]


def service_level(calls, *, goal, grace):
    """The service level of ``calls`` (a ``CallSession`` queryset; outgoing calls are left out),
    counted from the sessions; ``goal`` and ``grace`` are timedeltas, compared in whole seconds
    as the waits are. One query; the dashboard reads the summary instead (``call_summary``)."""
    hours = tallies_by_hour(calls).values()
    return level(
        as_rows(merged(*(tallies for tallies, _waits in hours))),
        merged(*(waits for _tallies, waits in hours)),
        goal=goal,
        grace=grace,
    )


def service_level_by_hour(calls, *, goal, grace):
    """``service_level`` over all of ``calls``, and for each local hour of the day they rang in
    (``{hour: ServiceLevel}`` for the hours with calls), from the same single query."""
    hours = tallies_by_hour(calls)
    whole = level(
        as_rows(merged(*(tallies for tallies, _waits in hours.values()))),
        merged(*(waits for _tallies, waits in hours.values())),
        goal=goal,
        grace=grace,
    )
    return whole, {
        hour: level(as_rows(tallies), waits, goal=goal, grace=grace)
        for hour, (tallies, waits) in sorted(hours.items())
    }


@dataclass(frozen=True)
class CallbacksKept:
    owed: int
    kept: int

    @property
    def share(self):
        return self.kept / self.owed if self.owed else None


def callbacks_kept(start, end, *, now):
    """Missed calls called back within the promised time, for the call-backs the line made from
    missed calls received in [``start``, ``end``).

    *Kept*: closed on or before its promised time (``due_at``, which is the service goal's due
    time when nobody promised one) by staff, from the desk or by an outgoing call on the line.
    *Owed*: every such call-back except one the caller settled by getting through on or before
    that time (nothing was owed any more) and one still open whose time has not come by ``now``
    (it can still be kept). A withheld number gets no call-back, so it is in neither.
    """
    closed_by_staff = Q(closed_by__in=(CallbackClosure.DESK, CallbackClosure.CALLED_OUT))
    in_time = Q(done_at__lte=F("due_at"))
    callbacks = (
        Callback.objects.filter(
            Exists(CallSession.objects.filter(callback=OuterRef("pk"))),
            received_at__gte=start,
            received_at__lt=end,
        )
        .exclude(Q(closed_by=CallbackClosure.GOT_THROUGH) & in_time)
        .exclude(done_at__isnull=True, due_at__gte=now)
    )
    counts = callbacks.aggregate(owed=Count("pk"), kept=Count("pk", filter=closed_by_staff & in_time))
    return CallbacksKept(**counts)
