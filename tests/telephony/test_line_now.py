"""The line now: the service level's definitions, the live view, and its stream over Redis."""

import datetime
import logging
import socket
import threading
import time

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from akuttilbud.middleware import LAST_ACTIVITY_KEY
from akuttilbud.models import ServiceSettings
from telephony import live, services
from telephony.models import CallSession, CallStatus, TelephonySettings
from telephony.service_level import service_level, service_level_by_hour
from tests.factories import UserFactory

from .factories import ExtensionFactory

REDIS_URL = "redis://127.0.0.1:6379/13"
GOAL = datetime.timedelta(minutes=2)
GRACE = datetime.timedelta(seconds=5)


def _redis_or_skip():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def record(call_id, event, at, *, caller="+4512345678", extension=""):
    return services.record_call_event(
        call_id=call_id,
        event=event,
        at=at,
        line="akut",
        caller=caller,
        extension=extension,
        event_id=f"{call_id}-{event}-{at.timestamp()}",
        source="test",
    )


T0 = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)


def a_call(number, *events):
    """A call on the line from ``(event, seconds after it rang, extension)`` triples."""
    record(f"call-{number}", "ringing", T0)
    for kind, seconds, *extension in events:
        record(f"call-{number}", kind, T0 + datetime.timedelta(seconds=seconds), extension="".join(extension))


@pytest.mark.django_db
def test_service_level_follows_the_call_centre_definitions_at_each_edge(django_assert_max_num_queries):
    a_call(1, ("answered", 120), ("ended", 300))  # exactly the goal: within
    a_call(2, ("answered", 120.9), ("ended", 300))  # 120 whole seconds: within
    a_call(3, ("answered", 121), ("ended", 300))  # over
    a_call(4, ("answered", 10))  # still talking: answered within
    a_call(5, ("ended", 4.9))  # a short abandon
    a_call(6, ("ended", 5))  # at the grace time: abandoned
    a_call(7, ("ended", 400))
    a_call(8, ("voicemail", 30), ("ended", 60))
    a_call(9, ("busy", 0))  # never rang through
    record("out", "outgoing", T0)  # not offered

    with django_assert_max_num_queries(1):
        level = service_level(CallSession.objects.all(), goal=GOAL, grace=GRACE)

    assert (level.offered, level.answered, level.answered_within_goal) == (8, 4, 3)
    assert (level.abandoned, level.short_abandons, level.voicemail, level.busy_failed) == (2, 1, 1, 1)
    assert level.counted == 7
    assert level.service_level == pytest.approx(3 / 7)
    assert level.abandon_rate == pytest.approx(2 / 7)
    # Waits 10, 120, 120, 121 s: the median by nearest rank is the lower middle one.
    assert (level.median_wait_seconds, level.p90_wait_seconds, level.longest_wait_seconds) == (120, 121, 121)


@pytest.mark.django_db
def test_calls_count_in_the_local_hour_they_rang_in_across_a_dst_change():
    # 26 October 2025: Copenhagen's clocks go back at 03:00 CEST to 02:00 CET, so 02:xx twice.
    first_0230 = datetime.datetime(2025, 10, 26, 0, 30, tzinfo=datetime.UTC)
    second_0230 = datetime.datetime(2025, 10, 26, 1, 30, tzinfo=datetime.UTC)
    for number, at in enumerate(
        [first_0230, second_0230, datetime.datetime(2025, 10, 26, 9, 0, tzinfo=datetime.UTC)]
    ):
        record(f"dst-{number}", "ringing", at)
        record(f"dst-{number}", "answered", at + datetime.timedelta(seconds=30 + 200 * number))

    whole, hours = service_level_by_hour(CallSession.objects.all(), goal=GOAL, grace=GRACE)

    assert sorted(hours) == [2, 10]
    assert (hours[2].offered, hours[2].answered_within_goal, hours[2].median_wait_seconds) == (2, 1, 30)
    assert (hours[10].offered, hours[10].answered_within_goal, hours[10].longest_wait_seconds) == (1, 0, 430)
    assert whole == service_level(CallSession.objects.all(), goal=GOAL, grace=GRACE)


@pytest.mark.django_db
def test_no_calls_gives_no_rates_rather_than_zero():
    level = service_level(CallSession.objects.all(), goal=GOAL, grace=GRACE)
    assert level.offered == 0
    assert level.service_level is None and level.abandon_rate is None
    assert level.median_wait_seconds is None


@pytest.mark.django_db
def test_the_view_shows_who_rings_who_talks_and_today_recomputed_from_the_sessions(
    client, django_assert_max_num_queries
):
    staff = UserFactory(first_name="Maja", last_name="Vagt")
    ExtensionFactory(number="201", user=staff)
    now = timezone.now()
    record("waiting", "ringing", now - datetime.timedelta(seconds=75), caller="+4520304050")
    record("talking", "ringing", now - datetime.timedelta(minutes=3))
    record("talking", "answered", now - datetime.timedelta(minutes=2, seconds=50), extension="201")
    record("gone", "ringing", now - datetime.timedelta(minutes=1))
    record("gone", "ended", now - datetime.timedelta(seconds=30))
    client.force_login(staff)

    with django_assert_max_num_queries(17):
        response = client.get(reverse("telephony:line_now"))

    line = response.context["line"]
    assert [c.call_id for c in line.ringing] == ["waiting"]
    assert [c.call_id for c in line.on_the_phone] == ["talking"]
    assert line.longest_current_wait_seconds >= 75
    expected = service_level(
        CallSession.objects.all(),
        goal=datetime.timedelta(minutes=ServiceSettings.load().goal_phone_wait_minutes),
        grace=datetime.timedelta(seconds=TelephonySettings.load().grace_seconds),
    )
    assert line.today == expected
    assert (expected.offered, expected.answered, expected.abandoned) == (3, 1, 1)
    html = response.content.decode()
    assert "Maja Vagt" in html
    assert "…4050" in html
    # The number itself never reaches the page.
    assert "20304050" not in html and "20 30 40 50" not in html


@pytest.mark.django_db
def test_evaluators_do_not_see_the_line(client, evaluator_user):
    client.force_login(evaluator_user)
    assert client.get(reverse("telephony:line_now")).status_code == 403
    assert client.get(reverse("telephony:line_now_stream")).status_code == 403


@pytest.mark.django_db
def test_without_redis_the_stream_sends_one_view_and_asks_to_poll(client, staff_user, settings):
    settings.LIVE_UPDATES_URL = ""
    client.force_login(staff_user)
    response = client.get(reverse("telephony:line_now_stream"))
    chunks = [chunk.decode() for chunk in response.streaming_content]
    assert response["Content-Type"] == "text/event-stream"
    assert chunks[0] == f"retry: {live.POLL_MILLISECONDS}\n\n"
    assert chunks[1].startswith("event: line\ndata: ")
    assert len(chunks) == 2


@pytest.mark.django_db(transaction=True)
def test_an_event_reaches_an_open_stream_through_redis(client, staff_user, settings):
    _redis_or_skip()
    settings.LIVE_UPDATES_URL = REDIS_URL
    client.force_login(staff_user)
    response = client.get(reverse("telephony:line_now_stream"))
    stream = iter(response.streaming_content)
    assert next(stream).decode() == f"retry: {live.RECONNECT_MILLISECONDS}\n\n"
    assert "…7766" not in next(stream).decode()
    subscribed = redis.Redis.from_url(REDIS_URL)

    def ring_once_listening():
        # The stream subscribes when it is next asked for an event; ring only once it listens.
        while subscribed.pubsub_numsub(live.CHANNEL)[0][1] == 0:
            threading.Event().wait(0.02)
        record("new-call", "ringing", timezone.now(), caller="+4599887766")

    ringer = threading.Thread(target=ring_once_listening)
    ringer.start()
    update = next(stream).decode()
    ringer.join()
    response.close()
    assert update.startswith("event: line\n")
    assert "…7766" in update


@pytest.mark.django_db(transaction=True)
def test_redis_down_stores_the_event_and_only_warns(settings, caplog):
    # A closed port: Redis refuses the connection for real.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.LIVE_UPDATES_URL = f"redis://127.0.0.1:{port}/0"
    with caplog.at_level(logging.WARNING, logger="telephony.live"):
        session = record("stored-anyway", "ringing", timezone.now())
        assert CallSession.objects.filter(pk=session.pk, status=CallStatus.RINGING).exists()
        # The announcement is published from the process's announcer thread, just after.
        deadline = time.monotonic() + 5
        while "not announced" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "not announced" in caplog.text


@pytest.mark.django_db
def test_an_open_stream_does_not_keep_the_session_alive(client, staff_user):
    client.force_login(staff_user)
    session = client.session
    a_minute_ago = time.time() - 60
    session[LAST_ACTIVITY_KEY] = a_minute_ago
    session.save()
    client.get(reverse("telephony:line_now_stream"), headers={"Accept": "text/event-stream"})
    assert client.session[LAST_ACTIVITY_KEY] == a_minute_ago
    client.get(reverse("telephony:line_now"))
    assert client.session[LAST_ACTIVITY_KEY] > a_minute_ago


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_events_is_announced_a_few_times_and_the_last_change_too(settings):
    _redis_or_skip()
    settings.LIVE_UPDATES_URL = REDIS_URL
    listener = redis.Redis.from_url(REDIS_URL).pubsub()
    listener.subscribe(live.CHANNEL)
    assert listener.get_message(timeout=2)["type"] == "subscribe"

    def announcements(seconds):
        received = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if (message := listener.get_message(timeout=left)) is not None:
                received.append(message)
        return received

    for number in range(30):
        record(f"burst-{number}", "ringing", timezone.now())
    burst = announcements(live.ANNOUNCE_SECONDS * 5)
    record("after-the-burst", "ringing", timezone.now())
    after = announcements(live.ANNOUNCE_SECONDS * 5)
    listener.close()
    assert 1 <= len(burst) < 30
    assert [message["data"] for message in after] == [b"akut"]
