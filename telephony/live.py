"""The line now: what the "Linjen nu" view shows, and how every web process hears of a change.

A recorded call event announces its line on a Redis channel after its transaction commits. Each
open view holds a server-sent-events stream in whichever web process served it; the stream
listens on that channel and sends a freshly rendered view on each announcement, so several
processes behind one address show the same within a moment of the event. Without Redis (the
embedded default) nothing is announced: each stream sends one view and ends, and the browser
opens the next after ``POLL_MILLISECONDS`` (polling through the same endpoint).
"""

import datetime
import functools
import logging
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akuttilbud.models import ServiceSettings

from . import call_summary
from .models import CallSession, CallStatus, TelephonySettings
from .service_level import callbacks_kept

logger = logging.getLogger(__name__)

CHANNEL = "akuttilbud:telephony:line"
# A stream ends after this long and the browser reconnects at once: no request holds a web
# thread for longer, and a web process being restarted loses its viewers for a moment only.
STREAM_SECONDS = 25
# How soon the browser reconnects when a stream ends; without Redis, how often it polls.
RECONNECT_MILLISECONDS = 500
POLL_MILLISECONDS = 2000
# A comment line this often keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 10
# A web process announces a line at most this often (``_Announcer``).
ANNOUNCE_SECONDS = 0.1


@dataclass(frozen=True)
class LineNow:
    ringing: list  # CallSession, longest waiting first
    on_the_phone: list  # CallSession, with answered_by
    today: object  # service_level.ServiceLevel
    callbacks_today: object  # service_level.CallbacksKept
    at: datetime.datetime

    @property
    def longest_current_wait_seconds(self):
        return int((self.at - self.ringing[0].ringing_at).total_seconds()) if self.ringing else None


def line_now(now=None):
    """Calls ringing now, who is on a call, and today's service level (the calls that rang on
    the local day, and the call-backs owed for today's missed calls)."""
    now = now or timezone.now()
    live = list(
        CallSession.objects.live()
        .incoming()
        .select_related("answered_by", "line")
        .order_by("ringing_at", "pk")
    )
    day = timezone.localdate(now)
    tomorrow = day + datetime.timedelta(days=1)
    service = ServiceSettings.load()
    line_settings = TelephonySettings.load()
    today = call_summary.service_level(
        day,
        tomorrow,
        goal=datetime.timedelta(minutes=service.goal_phone_wait_minutes),
        grace=datetime.timedelta(seconds=line_settings.grace_seconds),
    )
    callbacks_today = callbacks_kept(
        call_summary.local_midnight(day), call_summary.local_midnight(tomorrow), now=now
    )
    return LineNow(
        ringing=[call for call in live if call.status == CallStatus.RINGING],
        on_the_phone=[call for call in live if call.status == CallStatus.IN_PROGRESS],
        today=today,
        callbacks_today=callbacks_today,
        at=now,
    )


def _client():
    return _client_for(settings.LIVE_UPDATES_URL)


@functools.cache
def _client_for(url):
    # One client per process and address: its connection pool is reused by every event's
    # announcement instead of a new connection each time.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def announce_after_commit(line_code):
    """Tell every open view that ``line_code`` changed, once the current transaction commits."""
    if settings.LIVE_UPDATES_URL:
        transaction.on_commit(lambda: _announcer.announce(line_code))


class _Announcer:
    """Publishes the changed lines from a thread of its own: the first change at once, then at
    most one announcement per line every ``ANNOUNCE_SECONDS``. At a switchboard's burst a web
    process then publishes a few times a second instead of once per event, and the event's
    request does not wait for Redis; an open view renders the whole line on each announcement,
    so one announcement for many events shows them all."""

    def __init__(self):
        self._changed = threading.Condition()
        self._lines = set()
        self._thread = None

    def announce(self, line_code):
        with self._changed:
            self._lines.add(line_code)
            # Started on first use, and again in a process forked from one that had it.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="line-announcer", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self):
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._lines)
                lines, self._lines = self._lines, set()
            for line_code in sorted(lines):
                _publish(line_code)
            time.sleep(ANNOUNCE_SECONDS)


def _publish(line_code):
    try:
        _client().publish(CHANNEL, line_code)
    except redis.RedisError:
        # The event is stored; open views catch up at their next reconnect.
        logger.warning("live line update not announced: Redis unavailable")


_announcer = _Announcer()


def changes(*, seconds=STREAM_SECONDS, keepalive=KEEPALIVE_SECONDS):
    """Yield ``True`` on each announcement and ``False`` at each keep-alive, for ``seconds``."""
    pubsub = _client().pubsub()
    try:
        pubsub.subscribe(CHANNEL)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = pubsub.get_message(timeout=min(left, keepalive))
            if message is None:
                yield False
            elif message["type"] == "message":
                # A burst of events gives one fresh view, not one per event.
                while pubsub.get_message(timeout=0) is not None:
                    pass
                yield True
    finally:
        pubsub.close()
