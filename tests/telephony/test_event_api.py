"""The signed event API: what a switchboard posts, and what a stranger's request gets."""

import datetime
import json
import logging
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from telephony import signing
from telephony.models import CallEvent, CallSession, CallStatus

from .helpers import event, post_event

T0 = datetime.datetime(2026, 3, 7, 22, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
NUMBER = "+4512345678"


@pytest.fixture(autouse=True)
def _own_throttle_window():
    cache.clear()


def _nothing_stored():
    return not CallSession.objects.exists() and not CallEvent.objects.exists()


@pytest.mark.django_db
def test_a_signed_event_is_recorded(client):
    response = post_event(client, event("c1", "ringing", T0))
    assert response.status_code == 200
    session = CallSession.objects.get(call_id="c1")
    assert response.json() == {"call": session.pk, "status": CallStatus.RINGING}
    assert session.ringing_at == T0
    assert session.events.get().source == "api"


@pytest.mark.django_db
def test_a_repeated_event_answers_200_and_changes_nothing(client):
    payload = event("c1", "ringing", T0, event_id="e-1")
    assert post_event(client, payload).status_code == 200
    assert post_event(client, payload).status_code == 200
    assert CallEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_rotated_secret_is_accepted_beside_the_new_one(client, settings):
    settings.TELEPHONY_WEBHOOK_SECRETS = ["ny-hemmelighed", "gammel-hemmelighed"]
    assert post_event(client, event("c1", "ringing", T0), secret="gammel-hemmelighed").status_code == 200
    assert post_event(client, event("c1", "ended", T0), secret="ny-hemmelighed").status_code == 200
    assert post_event(client, event("c1", "ended", T0), secret="tredje").status_code == 401


@pytest.mark.django_db
def test_several_v1_signatures_pass_when_one_matches(client, settings):
    body = json.dumps(event("c1", "ringing", T0)).encode()
    now = int(time.time())
    good = signing.signature(settings.TELEPHONY_WEBHOOK_SECRETS[0], now, body)
    response = client.post(
        reverse("telephony:events"),
        data=body,
        content_type="application/json",
        headers={signing.HEADER: f"t={now},v1={'0' * 64},v1={good}"},
    )
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "t=,v1=",
        "v1=abc",
        "t=1700000000",
        "t=abc,v1=0000",
        "t=99999999999999999999999,v1=00",
    ],
)
def test_an_unsigned_or_malformed_signature_is_refused_and_nothing_stored(client, header, caplog):
    body = json.dumps(event("c1", "ringing", T0)).encode()
    headers = {} if header is None else {signing.HEADER: header}
    with caplog.at_level(logging.INFO):
        response = client.post(
            reverse("telephony:events"), data=body, content_type="application/json", headers=headers
        )
    assert response.status_code == 401
    assert _nothing_stored()
    assert "refused" in caplog.text
    assert NUMBER not in caplog.text and "12345678" not in caplog.text


@pytest.mark.django_db
def test_a_wrong_secret_is_refused(client):
    assert post_event(client, event("c1", "ringing", T0), secret="forkert").status_code == 401
    assert _nothing_stored()


@pytest.mark.django_db
def test_a_tampered_body_is_refused(client, settings):
    body = json.dumps(event("c1", "ringing", T0)).encode()
    header = signing.header_value(settings.TELEPHONY_WEBHOOK_SECRETS[0], body)
    tampered = body.replace(b"ringing", b"ended")
    response = client.post(
        reverse("telephony:events"),
        data=tampered,
        content_type="application/json",
        headers={signing.HEADER: header},
    )
    assert response.status_code == 401
    assert _nothing_stored()


@pytest.mark.django_db
# Ten seconds either side of the limit: the request reaches the check a moment after it was signed.
@pytest.mark.parametrize(("skew", "status"), [(-310, 401), (310, 401), (-290, 200), (290, 200)])
def test_more_than_five_minutes_skew_is_refused(client, skew, status):
    response = post_event(client, event("c1", "ringing", T0), timestamp=int(time.time()) + skew)
    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (b'"ringing"', "the body must be a JSON object"),
    ],
)
def test_malformed_json_is_a_400_with_the_reason(client, body, reason):
    response = post_event(client, None, body=body)
    assert response.status_code == 400
    assert response.json()["error"] == reason
    assert _nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "exploded"}, "event"),
        ({"at": "yesterday"}, "at"),
        ({"at": "2026-03-07T22:00:00"}, "at"),
        ({"call_id": ""}, "call_id"),
        ({"event_id": None}, "event_id"),
        ({"call_id": "x" * 200}, "call_id"),
    ],
)
def test_an_invalid_field_is_a_400_naming_the_field(client, change, field):
    response = post_event(client, {**event("c1", "ringing", T0), **change})
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _nothing_stored()


@pytest.mark.django_db
def test_an_unknown_line_is_a_400(client):
    response = post_event(client, event("c1", "ringing", T0, line="ukendt"))
    assert response.status_code == 400
    assert response.json() == {"error": "unknown line"}
    assert _nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "caller", ["anonymous", "restricted", "withheld", "not a number", 4512345678, ["+45"], None]
)
def test_a_caller_that_is_not_a_number_counts_as_withheld(client, caller):
    assert post_event(client, event("c1", "ringing", T0, caller=caller)).status_code == 200
    session = CallSession.objects.get()
    assert session.caller_withheld and not session.phone_encrypted and not session.phone_index


@pytest.mark.django_db
def test_the_body_and_the_number_are_never_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        post_event(client, event("c1", "ringing", T0))
        post_event(client, event("c1", "ringing", T0), secret="forkert")
        post_event(client, event("c1", "bogus", T0))
    assert "12345678" not in caplog.text
    assert "5678" not in caplog.text


@pytest.mark.django_db
def test_a_flood_from_one_address_is_throttled(client, settings):
    settings.TELEPHONY_EVENTS_PER_MINUTE = 3
    statuses = [post_event(client, event("c1", "ringing", T0)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    # Unsigned requests count too: a flood of garbage cannot wear the server down either.
    assert (
        client.post(reverse("telephony:events"), data=b"x", content_type="application/json").status_code
        == 429
    )


@pytest.mark.django_db
def test_an_event_is_served_past_the_browser_middleware_and_keeps_the_security_headers(client, staff_user):
    # A staff member's session cookie sent along is neither read nor renewed.
    client.force_login(staff_user)
    response = post_event(client, event("c1", "ringing", T0))
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_signed_in_user_without_a_signature_is_refused_like_anyone(client, leader_user):
    client.force_login(leader_user)
    body = json.dumps(event("c1", "ringing", T0)).encode()
    response = client.post(reverse("telephony:events"), data=body, content_type="application/json")
    assert response.status_code == 401
    assert _nothing_stored()


@pytest.mark.django_db
def test_a_get_is_not_allowed(client):
    assert client.get(reverse("telephony:events")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "extension", "most"), [("ringing", "", 5), ("answered", "201", 5), ("ended", "", 7)]
)
def test_an_event_costs_a_fixed_few_queries(client, django_assert_max_num_queries, kind, extension, most):
    """The session with its line, the answering extension's staff member and whether the
    number is owed a call-back (made or locked in one statement), the event, the session's new
    state and the transaction's savepoint; an abandoned call adds the line's settings (and,
    after the grace time, the call-back it makes and its audit) and its count in the summary."""
    from telephony.models import TelephonySettings
    from tests.factories import UserFactory

    from .factories import ExtensionFactory

    ExtensionFactory(number="201", user=UserFactory())
    TelephonySettings.load()  # a running line has its settings row: not made by the measured event
    post_event(client, event("c1", "ringing", T0 - datetime.timedelta(seconds=5)))
    with django_assert_max_num_queries(most):
        response = post_event(client, event("c1", kind, T0, extension=extension))
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_answer_looks_up_call_backs_only_when_the_number_is_owed_one(
    client, django_assert_max_num_queries
):
    post_event(client, event("missed", "ringing", T0 - datetime.timedelta(minutes=10)))
    post_event(client, event("missed", "ended", T0 - datetime.timedelta(minutes=9)))
    post_event(client, event("c1", "ringing", T0 - datetime.timedelta(seconds=5)))
    # On top of the five: the open call-back's look-up, its closing, and its audit event (its
    # savepoint, on PostgreSQL the chain's lock, the chain's head, the row).
    with django_assert_max_num_queries(12):
        response = post_event(client, event("c1", "answered", T0, extension="201"))
    assert response.status_code == 200
    assert CallSession.objects.get(call_id="missed").callback.done_at == T0


@pytest.mark.django_db
def test_the_end_of_an_answered_call_costs_its_counts_and_no_call_back_look_up(
    client, django_assert_max_num_queries
):
    post_event(client, event("c1", "ringing", T0 - datetime.timedelta(seconds=40)))
    post_event(client, event("c1", "answered", T0 - datetime.timedelta(seconds=10), extension="201"))
    # Session, event, session again, the call's count by hour and by wait, and the savepoint.
    with django_assert_max_num_queries(7):
        response = post_event(client, event("c1", "ended", T0))
    assert response.status_code == 200
    assert CallSession.objects.get(call_id="c1").status == CallStatus.ANSWERED


@pytest.mark.django_db
def test_a_repeat_naming_another_call_makes_no_session(client):
    assert post_event(client, event("c1", "ringing", T0, event_id="e-1")).status_code == 200
    response = post_event(client, event("c2", "ringing", T0, event_id="e-1"))
    assert response.status_code == 200
    assert response.json()["call"] == CallSession.objects.get(call_id="c1").pk
    assert list(CallSession.objects.values_list("call_id", flat=True)) == ["c1"]
