"""The line's calls counted per local day (and hour), so that a year's service level is read
from a few thousand rows instead of a million sessions.

``CallHour`` counts finished incoming calls by day, hour, outcome and seconds; ``CallWait``
counts answered ones by day and exact wait (for the percentiles). Each call is in its day's row
and its month's: a period reads its whole months from the month rows, the days at its ends from
the day rows. A call still ringing or
talking is not in them: the few live calls are counted from their sessions when read, so an
event that only moves a live call writes nothing here.

``services._record`` calls ``move`` in each event's transaction with the call's summary entry
before and after the event. Events arriving late or out of order can move a call to another
day, hour or outcome; the entry before is taken off and the one after put on, so the summary
stays what counting the sessions gives (``tests/telephony/test_call_summary.py``). A repeated
event is rolled back with everything else it did.
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass

from django.apps import apps as installed_apps
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from akuttilbud import database

from .models import LIVE_STATUSES, CallHour, CallSession, CallWait
from .service_level import ANSWERED, as_rows, level, merged, tallies_by_hour, tally, whole_seconds


@dataclass(frozen=True)
class Entry:
    """Where one finished incoming call is counted: its ``CallHour`` key and, answered, its
    ``CallWait`` key, both without the day-or-month part."""

    hour: tuple
    wait: tuple | None


def _hour_seconds(outcome, seconds):
    # A wait rounded up to whole minutes: wait ≤ goal exactly when this is, for a goal in minutes.
    return math.ceil(seconds / 60) * 60 if outcome == ANSWERED else seconds


def entry(session):
    """The summary entry of ``session`` as it stands, or ``None`` when it is not counted here
    (outgoing, or still ringing or talking)."""
    if session.outgoing or session.status in LIVE_STATUSES:
        return None
    outcome, seconds = tally(
        status=session.status,
        ringing_at=session.ringing_at,
        answered_at=session.answered_at,
        ended_at=session.ended_at,
    )
    local = timezone.localtime(session.ringing_at)
    day = local.date()
    return Entry(
        hour=(day, local.hour, outcome, _hour_seconds(outcome, seconds)),
        wait=(day, seconds) if outcome == ANSWERED else None,
    )


def _upsert(model, key_columns, changes):
    """Add ``changes`` (``{key: calls}``) to ``model``'s counts in one statement.

    Keys in sorted order: two transactions counting into the same rows lock them in the same
    order, so they wait for each other rather than deadlock.
    """
    changes = sorted((key, calls) for key, calls in changes.items() if calls)
    if not changes:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(column) for column in (*key_columns, "calls"))
    row = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(changes))} "  # noqa: S608 (model metadata only; values are parameters)
        f"ON CONFLICT ({', '.join(quote(column) for column in key_columns)}) "
        f"DO UPDATE SET {quote('calls')} = {table}.{quote('calls')} + EXCLUDED.{quote('calls')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for key, calls in changes for value in (*key, calls)])


HOUR_KEY = ("month", "day", "hour", "outcome", "seconds")
WAIT_KEY = ("month", "day", "seconds")


def _day_and_month(key):
    """The day row's key and the month row's of an ``Entry`` key (its day first)."""
    day, *rest = key
    return (False, day, *rest), (True, day.replace(day=1), *rest)


def move(before, after):
    """Count a call under ``after`` instead of ``before`` (either ``Entry`` or ``None``): at most
    one statement per table, none when the event did not change where the call counts."""
    if before == after:
        return
    hours, waits = Counter(), Counter()
    for change, counted in ((-1, before), (1, after)):
        if counted is not None:
            _count(hours, waits, counted, change)
    _upsert(CallHour, HOUR_KEY, hours)
    _upsert(CallWait, WAIT_KEY, waits)


def _count(hours, waits, counted, change):
    for key in _day_and_month(counted.hour):
        hours[key] += change
    if counted.wait is not None:
        for key in _day_and_month(counted.wait):
            waits[key] += change


def _check_whole_minutes(goal):
    if whole_seconds(goal) % 60:
        raise ValueError("the call summary counts waits against a goal in whole minutes")


def _live_by_hour(start, end):
    """The live calls that rang on the local days [start, end), tallied from their sessions."""
    return tallies_by_hour(CallSession.objects.live().in_period(local_midnight(start), local_midnight(end)))


def _rows_of(start, end):
    """The rows that count the local days [start, end) once each: the month rows of the whole
    months in it, the day rows of the days before and after them."""
    first_whole = start if start.day == 1 else _next_month(start)
    after_whole = end.replace(day=1)
    if first_whole >= after_whole:
        rows = Q(month=False, day__gte=start, day__lt=end)
    else:
        rows = (
            Q(month=True, day__gte=first_whole, day__lt=after_whole)
            | Q(month=False, day__gte=start, day__lt=first_whole)
            | Q(month=False, day__gte=after_whole, day__lt=end)
        )
    return rows & Q(calls__gt=0)


def _next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _waits(rows, live):
    waits = Counter(
        dict(CallWait.objects.filter(rows).values_list("seconds").annotate(Sum("calls")).order_by())
    )
    return merged(waits, *(live_waits for _tallies, live_waits in live.values()))


def service_level(start, end, *, goal, grace):
    """The service level of the calls that rang on the local days [``start``, ``end``), equal to
    ``service_level.service_level`` of their sessions; ``goal`` in whole minutes. Three queries."""
    _check_whole_minutes(goal)
    rows = _rows_of(start, end)
    live = _live_by_hour(start, end)
    tallies = Counter(
        {
            (outcome, seconds): calls
            for outcome, seconds, calls in CallHour.objects.filter(rows)
            .values_list("outcome", "seconds")
            .annotate(Sum("calls"))
            .order_by()
        }
    )
    tallies = merged(tallies, *(live_tallies for live_tallies, _waits in live.values()))
    return level(as_rows(tallies), _waits(rows, live), goal=goal, grace=grace)


def service_level_by_hour(start, end, *, goal, grace):
    """``service_level``, and ``{local hour: ServiceLevel}`` for the hours with calls. The summary
    keeps exact waits by day only, so each hour's level has its counts and no wait percentiles
    (``None``); the whole period's has both. Three queries."""
    _check_whole_minutes(goal)
    rows = _rows_of(start, end)
    live = _live_by_hour(start, end)
    hours = {hour: Counter(tallies) for hour, (tallies, _waits) in live.items()}
    counted = CallHour.objects.filter(rows).values_list("hour", "outcome", "seconds").annotate(Sum("calls"))
    for hour, outcome, seconds, calls in counted.order_by():
        hours.setdefault(hour, Counter())[outcome, seconds] += calls
    whole = level(as_rows(merged(*hours.values())), _waits(rows, live), goal=goal, grace=grace)
    return whole, {
        hour: level(as_rows(tallies), {}, goal=goal, grace=grace) for hour, tallies in sorted(hours.items())
    }


def rebuild(apps=installed_apps):
    """Count every session into the summary afresh: for a database whose sessions were written
    without it (the migration that made it, a benchmark's bulk load). ``apps`` gives the models
    (a migration passes its own)."""
    session_model = apps.get_model("telephony", "CallSession")
    hour_model, wait_model = (
        apps.get_model("telephony", "CallHour"),
        apps.get_model("telephony", "CallWait"),
    )
    hour_model.objects.all().delete()
    wait_model.objects.all().delete()
    hours, waits = Counter(), Counter()
    sessions = session_model.objects.values_list(
        "outgoing", "status", "ringing_at", "answered_at", "ended_at", named=True
    ).order_by()
    for session in sessions.iterator(chunk_size=10_000):
        counted = entry(session)
        if counted is not None:
            _count(hours, waits, counted, 1)
    database.copy_rows_in(
        hour_model._meta.db_table, [*HOUR_KEY, "calls"], [(*key, calls) for key, calls in hours.items()]
    )
    database.copy_rows_in(
        wait_model._meta.db_table, [*WAIT_KEY, "calls"], [(*key, calls) for key, calls in waits.items()]
    )


def local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
