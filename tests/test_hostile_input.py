"""Random and hostile data posted to every form of the app: a form error or success, never a 500.

Each target starts from data the view accepts and lets hypothesis swap any field for unicode,
control characters, 100 kB strings, HTML/JS, SQL fragments, impossible dates, negative and huge
numbers, or leave it out. The test client re-raises any exception a view lets through, so a
500 fails the example with its traceback.
"""

import datetime
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akuttilbud.models import Role
from telephony import services as telephony_services
from tests.factories import UserFactory
from tests.helpers import require_postgres
from tests.hostile_forms import FRESH_TOKEN, TARGETS
from tests.test_permission_matrix import build_records

HUNDRED_KB = "æ" * 50_000 + "<b>" * 16_666 + "x" * 2
HOSTILE = [
    "",
    " ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE contacts_contact;--",
    "1 OR 1=1",
    "2026-02-30",
    "0000-00-00",
    "2026-13-01T25:61",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "-99999999999999999999",
    "99999999999999999999",
    "1e309",
    "NaN",
    "-0",
    "١٢٣",
    "\u202eRTL\u200b\ufeff",
    "\x01\x07\x1b[31m\x7f",
    "Ω≈ç√∫˜µ≤≥÷ 😱 𝕏",
    HUNDRED_KB,
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
ABSENT = object()


def _value():
    return st.one_of(st.sampled_from(HOSTILE), TEXT, st.integers().map(str))


def _answered_call():
    start = timezone.now() - datetime.timedelta(minutes=3)
    for event, seconds in (("ringing", 0), ("answered", 20)):
        call = telephony_services.record_call_event(
            call_id="fjendtlig",
            event=event,
            at=start + datetime.timedelta(seconds=seconds),
            line="akut",
            caller="+4512345678",
            extension="201",
            event_id=f"fjendtlig-{event}",
            source="test",
        )
    return call


def _records_and_client(role):
    records = build_records()
    records["staff_id"] = UserFactory(username="lokal-201", role=Role.STAFF).pk
    from contacts.models import Stay

    records["stay"] = Stay.objects.get(pk=records["stay_id"])
    records["call_id"] = _answered_call().pk
    client = Client(raise_request_exception=True)
    if role != "anonymous":
        client.force_login(UserFactory(username=f"fjendtlig-{role}", role=getattr(Role, role.upper())))
    return records, client


def _send(client, name, keys, method, records, data):
    path = reverse(name, kwargs={key: records[key] for key in keys})
    data = {key: str(uuid.uuid4()) if value == FRESH_TOKEN else value for key, value in data.items()}
    if method == "get":
        response = client.get(path, data)
    else:
        response = client.post(path, data)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _hostile_data(draw, valid):
    data = {}
    for key, value in valid.items():
        choice = draw(st.one_of(st.just(value), st.just(ABSENT), _value()))
        if choice is not ABSENT:
            data[key] = choice
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_random_and_hostile_input_gives_a_form_error_or_success_never_a_server_error(target):
    name, keys, role, method, valid = TARGETS[target]
    records, client = _records_and_client(role)
    base = valid(records)
    assert _send(client, name, keys, method, records, base).status_code < 400
    for value in HOSTILE:
        response = _send(client, name, keys, method, records, dict.fromkeys(base, value))
        assert response.status_code < 500, value[:40]

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def send_random(data):
        response = _send(client, name, keys, method, records, _hostile_data(data.draw, base))
        assert response.status_code < 500

    send_random()


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_nul_character_in_any_field_is_refused_not_a_server_error(target):
    # PostgreSQL refuses NUL in text; it must be stopped by the form, never reach the database.
    require_postgres()
    name, keys, role, method, valid = TARGETS[target]
    records, client = _records_and_client(role)
    base = valid(records)
    for key, value in base.items():
        response = _send(client, name, keys, method, records, {**base, key: f"{value}\x00x"})
        assert response.status_code < 500, key


def _event_json():
    """Any JSON an event's field might hold: hostile strings, numbers, nulls, lists, objects."""
    scalar = st.one_of(
        st.sampled_from(HOSTILE), TEXT, st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()
    )
    return st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
        max_leaves=5,
    )


@pytest.mark.django_db
def test_hostile_signed_events_give_a_400_or_success_never_a_server_error():
    import datetime
    import json

    from django.core.cache import cache

    from tests.telephony.helpers import event, post_event

    cache.clear()
    client = Client(raise_request_exception=True)
    valid = event("fjendtlig", "ringing", datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC))
    assert post_event(client, valid).status_code == 200
    for value in HOSTILE:
        assert post_event(client, dict.fromkeys(valid, value)).status_code < 500, value[:40]
        assert post_event(client, None, body=value.encode()).status_code < 500, value[:40]
    for key in valid:
        # PostgreSQL refuses NUL in text: the form stops it before the raw inserts.
        assert post_event(client, {**valid, key: "x\x00y"}).status_code == 400, key

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def send_random(data):
        payload = {}
        for key, value in valid.items():
            choice = data.draw(st.one_of(st.just(value), st.just(ABSENT), _event_json()))
            if choice is not ABSENT:
                payload[key] = choice
        response = post_event(client, payload, body=json.dumps(payload).encode())
        assert response.status_code < 500

    send_random()


@pytest.mark.django_db
@override_settings(TWILIO_AUTH_TOKEN="fuzz-token")
def test_hostile_twilio_callbacks_give_a_4xx_never_a_server_error():
    from django.core.cache import cache
    from twilio.request_validator import RequestValidator

    cache.clear()
    client = Client(raise_request_exception=True)
    path = reverse("telephony:twilio_status")
    validator = RequestValidator("fuzz-token")
    fields = ["CallSid", "CallStatus", "From", "Timestamp"]
    for value in HOSTILE:
        params = dict.fromkeys(fields, value)
        for query in ("", "?line=" + value[:30], "?extension=" + value[:30]):
            signature = validator.compute_signature("http://testserver" + path + query, params)
            signed = client.post(path + query, data=params, headers={"X-Twilio-Signature": signature})
            assert 400 <= signed.status_code < 500 or signed.status_code == 204, value[:40]
        unsigned = client.post(path, data=params, headers={"X-Twilio-Signature": value[:200]})
        assert unsigned.status_code == 401, value[:40]
    # A real status with hostile details around it is recorded, never a 500.
    for value in HOSTILE:
        params = {"CallSid": "CA-fuzz", "CallStatus": "ringing", "From": value, "Timestamp": value}
        signature = validator.compute_signature("http://testserver" + path, params)
        assert client.post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code == 204
