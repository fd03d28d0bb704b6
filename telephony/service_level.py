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

import datetime
import math
from collections import Counter
from dataclasses import dataclass

from akuttilbud.percentiles import nearest_rank

from .models import CallStatus

# The columns ``ServiceLevel.of`` reads from each call session.
COLUMNS = ("status", "ringing_at", "answered_at", "ended_at")


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

    @classmethod
    def of(cls, calls, *, goal, grace):
        """The figures for ``calls`` (mappings with ``COLUMNS``; outgoing calls are skipped);
        ``goal`` and ``grace`` are timedeltas, compared in whole seconds as the waits are."""
        goal_seconds, grace_seconds = wait_seconds(goal), wait_seconds(grace)
        offered = answered = within_goal = abandoned = short = voicemail = busy_failed = 0
        waits = Counter()
        for call in calls:
            status = call["status"]
            if status == CallStatus.OUTGOING:
                continue
            if status == CallStatus.BUSY_FAILED:
                busy_failed += 1
                continue
            offered += 1
            if call["answered_at"] is not None:
                answered += 1
                wait = wait_seconds(call["answered_at"] - call["ringing_at"])
                waits[wait] += 1
                within_goal += wait <= goal_seconds
            elif status == CallStatus.VOICEMAIL:
                voicemail += 1
            elif status == CallStatus.ABANDONED:
                if wait_seconds(call["ended_at"] - call["ringing_at"]) < grace_seconds:
                    short += 1
                else:
                    abandoned += 1
        waits = sorted(waits.items())
        return cls(
            offered=offered,
            answered=answered,
            answered_within_goal=within_goal,
            abandoned=abandoned,
            short_abandons=short,
            voicemail=voicemail,
            busy_failed=busy_failed,
            median_wait_seconds=nearest_rank(waits, 50),
            p90_wait_seconds=nearest_rank(waits, 90),
            longest_wait_seconds=waits[-1][0] if waits else None,
        )


def wait_seconds(wait):
    """A wait in whole seconds, rounded down: 1 min 59.9 s is 119 s, within a 2-minute goal."""
    return math.floor(wait / datetime.timedelta(seconds=1))
