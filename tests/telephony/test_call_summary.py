"""The per-day call summary the dashboard reads: always what counting the sessions gives, and the
call-backs kept within the promised time, recomputed from the sessions and call-backs."""

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Callback, CallbackClosure
from contacts.services import callbacks as contact_services
from telephony import call_summary, services
from telephony.models import CallHour, CallSession, CallWait
from telephony.service_level import callbacks_kept, service_level_by_hour
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOAL = datetime.timedelta(minutes=2)
GRACE = datetime.timedelta(seconds=5)
# 26 October 2025: Copenhagen's clocks go back at 03:00 CEST to 02:00 CET.
DST_NIGHT = datetime.datetime(2025, 10, 25, 21, 50, tzinfo=datetime.UTC)
FIRST_DAY, LAST_DAY = datetime.date(2025, 10, 25), datetime.date(2025, 10, 28)


def record(call_id, kind, at, *, caller="+4512345678", extension="", event_id=None):
    return services.record_call_event(
        call_id=call_id,
        event=kind,
        at=at,
        line="akut",
        caller=caller,
        extension=extension,
        event_id=event_id or f"{call_id}-{kind}-{at.isoformat()}",
        source="test",
    )


def _calls(rng):
    """Events of 150 calls around the DST night: answered, abandoned (short and long), voicemail,
    busy, outgoing, still ringing or talking; some with a second, earlier "ringing" that moves
    the call to the hour or day before."""
    events = []
    for number in range(150):
        call_id = f"c{number}"
        rang = DST_NIGHT + datetime.timedelta(minutes=rng.randint(0, 3 * 24 * 60), seconds=rng.random() * 60)
        kind = rng.choice(["answered", "answered", "abandoned", "short", "voicemail", "busy", "out", "live"])
        steps = [("ringing", 0)]
        if kind == "answered":
            steps += [("answered", rng.choice([0, 59.9, 60, 60.5, 120, 121, 200])), ("ended", 900)]
        elif kind == "abandoned":
            steps += [("ended", rng.choice([5, 30, 119, 120, 121, 400]))]
        elif kind == "short":
            steps += [("ended", rng.choice([0, 2, 4.9]))]
        elif kind == "voicemail":
            steps += [("voicemail", 30), ("ended", 70)]
        elif kind == "busy":
            steps = [("busy", 0)]
        elif kind == "out":
            steps = [("outgoing", 0), ("ended", 300)]
        elif rng.random() < 0.5:
            steps += [("answered", 45)]
        if rng.random() < 0.3:
            # The switchboard's first "ringing" comes last: the call rang earlier than it seemed.
            steps.append(("ringing", -rng.choice([30, 3600, 20 * 3600])))
        caller = "withheld" if rng.random() < 0.2 else f"+45{20000000 + number}"
        for step, seconds in steps:
            events.append((call_id, step, rang + datetime.timedelta(seconds=seconds), caller))
    return events


def _summary_rows():
    return (
        sorted(
            CallHour.objects.filter(calls__gt=0).values_list(
                "month", "day", "hour", "outcome", "seconds", "calls"
            )
        ),
        sorted(CallWait.objects.filter(calls__gt=0).values_list("month", "day", "seconds", "calls")),
    )


def test_the_summary_is_what_counting_the_sessions_gives_after_shuffled_and_repeated_events():
    rng = random.Random(15)
    events = _calls(rng)
    rng.shuffle(events)
    repeats = rng.sample(events, 60)
    for call_id, kind, at, caller in events + repeats:
        record(call_id, kind, at, caller=caller)

    assert CallSession.objects.count() == 150
    periods = [
        (FIRST_DAY, LAST_DAY),
        (datetime.date(2025, 10, 26), datetime.date(2025, 10, 27)),
        # Whole months read from the month rows, the days around them from the day rows.
        (datetime.date(2025, 10, 1), datetime.date(2025, 11, 1)),
        (datetime.date(2025, 9, 15), datetime.date(2025, 11, 15)),
        (datetime.date(2025, 10, 26), datetime.date(2025, 12, 1)),
    ]
    for start, end in periods:
        whole, hours = call_summary.service_level_by_hour(start, end, goal=GOAL, grace=GRACE)
        sessions = CallSession.objects.in_period(
            call_summary.local_midnight(start), call_summary.local_midnight(end)
        )
        expected, expected_hours = service_level_by_hour(sessions, goal=GOAL, grace=GRACE)
        assert whole == expected
        assert call_summary.service_level(start, end, goal=GOAL, grace=GRACE) == expected
        assert sorted(hours) == sorted(expected_hours)
        for hour, level in hours.items():
            counts = (
                level.offered,
                level.answered,
                level.answered_within_goal,
                level.abandoned,
                level.short_abandons,
            )
            want = expected_hours[hour]
            assert counts == (
                want.offered,
                want.answered,
                want.answered_within_goal,
                want.abandoned,
                want.short_abandons,
            )
            assert (level.voicemail, level.busy_failed) == (want.voicemail, want.busy_failed)
    assert whole.offered > 0
    # The incremental counts are the very rows a count from scratch makes.
    kept_by_events = _summary_rows()
    call_summary.rebuild()
    assert _summary_rows() == kept_by_events


def test_a_live_call_counts_from_its_session_and_its_end_moves_it_into_the_summary(
    django_assert_max_num_queries,
):
    rang = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)
    record("talking", "ringing", rang)
    record("talking", "answered", rang + datetime.timedelta(seconds=75))
    day = datetime.date(2026, 3, 7)
    assert not CallHour.objects.exists()

    with django_assert_max_num_queries(3):
        level = call_summary.service_level(day, day + datetime.timedelta(days=1), goal=GOAL, grace=GRACE)
    assert (level.offered, level.answered, level.median_wait_seconds) == (1, 1, 75)

    record("talking", "ended", rang + datetime.timedelta(minutes=10))
    month = datetime.date(2026, 3, 1)
    assert _summary_rows() == (
        [(False, day, 22, "answered", 120, 1), (True, month, 22, "answered", 120, 1)],
        [(False, day, 75, 1), (True, month, 75, 1)],
    )
    assert call_summary.service_level(day, day + datetime.timedelta(days=1), goal=GOAL, grace=GRACE) == level


def test_the_summary_counts_only_goals_in_whole_minutes():
    day = datetime.date(2026, 3, 7)
    with pytest.raises(ValueError, match="whole minutes"):
        call_summary.service_level(day, day, goal=datetime.timedelta(seconds=90), grace=GRACE)


# Missed calls called back within the promised time

RANG = datetime.datetime(2026, 3, 7, 20, 0, tzinfo=datetime.UTC)


def _missed(number, minutes_later=0):
    """A caller who gave up after 30 s: the line owes them a call-back, due by the goal (2 h)."""
    call_id = f"missed-{number}-{minutes_later}"
    rang = RANG + datetime.timedelta(minutes=minutes_later)
    record(call_id, "ringing", rang, caller=number)
    session = record(call_id, "ended", rang + datetime.timedelta(seconds=30), caller=number)
    return session.callback


def test_call_backs_kept_count_those_closed_by_staff_on_or_before_the_promised_time(settings):
    staff = UserFactory()
    at_the_time = _missed("+4520000001")
    one_second_late = _missed("+4520000002")
    never = _missed("+4520000003")
    by_the_line = _missed("+4520000004")
    got_through = _missed("+4520000005")
    promised_later = _missed("+4520000006")
    withheld = _missed("withheld")
    assert withheld is None  # a withheld number is missed, but no call-back is owed to it
    assert at_the_time.due_at == RANG + datetime.timedelta(hours=2)  # no time promised: the goal's
    Callback.objects.filter(pk=promised_later.pk).update(due_at=RANG + datetime.timedelta(hours=5))

    contact_services.complete_callback(callback=at_the_time, user=staff, now=at_the_time.due_at)
    contact_services.complete_callback(
        callback=one_second_late, user=staff, now=one_second_late.due_at + datetime.timedelta(seconds=1)
    )
    # Staff ring the caller from the line, at the promised time exactly.
    record("out-4", "outgoing", by_the_line.due_at, caller="+4520000004")
    # The caller rang again and got through: nothing is owed any more.
    record("again-5", "ringing", RANG + datetime.timedelta(minutes=20), caller="+4520000005")
    record("again-5", "answered", RANG + datetime.timedelta(minutes=21), caller="+4520000005")
    for callback in (at_the_time, one_second_late, never, by_the_line, got_through, promised_later):
        callback.refresh_from_db()
    assert by_the_line.closed_by == CallbackClosure.CALLED_OUT and by_the_line.done_at == by_the_line.due_at
    assert got_through.closed_by == CallbackClosure.GOT_THROUGH

    start, end = RANG - datetime.timedelta(hours=1), RANG + datetime.timedelta(hours=1)
    after_all = RANG + datetime.timedelta(days=1)
    kept = callbacks_kept(start, end, now=after_all)
    assert (kept.owed, kept.kept) == (5, 2)  # not the one who got through
    assert kept.share == pytest.approx(2 / 5)
    assert (kept.owed, kept.kept) == _recount(start, end, after_all)
    # Before the promised times have come, the open ones can still be kept and are not counted.
    before_due = RANG + datetime.timedelta(hours=1, minutes=59)
    assert _recount(start, end, before_due) == (3, 2)
    assert (
        callbacks_kept(start, end, now=before_due).owed,
        callbacks_kept(start, end, now=before_due).kept,
    ) == (3, 2)
    # Only call-backs of missed calls received in the period count.
    assert callbacks_kept(end, after_all, now=after_all).owed == 0


def _recount(start, end, now):
    """The figure by its words, from the sessions and call-backs one by one."""
    owed = kept = 0
    for callback in Callback.objects.all():
        made_by_the_line = CallSession.objects.filter(callback=callback, caller_withheld=False).exists()
        if not made_by_the_line or not start <= callback.received_at < end:
            continue
        in_time = callback.done_at is not None and callback.done_at <= callback.due_at
        if callback.closed_by == CallbackClosure.GOT_THROUGH and in_time:
            continue
        if callback.done_at is None and callback.due_at >= now:
            continue
        owed += 1
        kept += in_time and callback.closed_by in (CallbackClosure.DESK, CallbackClosure.CALLED_OUT)
    return owed, kept


def test_line_now_shows_today_s_call_backs_kept(client, staff_user, time_machine):
    time_machine.move_to(RANG + datetime.timedelta(hours=2, minutes=30), tick=False)
    kept = _missed("+4520000011")
    _missed("+4520000012")
    contact_services.complete_callback(
        callback=kept, user=staff_user, now=RANG + datetime.timedelta(minutes=30)
    )
    client.force_login(staff_user)

    response = client.get(reverse("telephony:line_now"))

    line = response.context["line"]
    assert (line.callbacks_today.owed, line.callbacks_today.kept) == (2, 1)
    assert timezone.localdate(RANG) == timezone.localdate(line.at)
    assert "1 / 2 (50 %)" in response.content.decode()
    assert "Ubesvarede opkald ringet op inden for den lovede tid" in response.content.decode()
