"""Twilio status callbacks, signed as Twilio signs them (its own RequestValidator)."""

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from telephony.models import CallEvent, CallSession, CallStatus

from .factories import ExtensionFactory

TOKEN = "twilio-test-auth-token"
URL = "http://testserver" + reverse("telephony:twilio_status")


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


def _callback(client, status, *, sid="CA0123456789abcdef", query="", token=TOKEN, **fields):
    params = {"CallSid": sid, "CallStatus": status, "From": "+4512345678", "To": "+4570000000", **fields}
    signature = RequestValidator(token).compute_signature(URL + query, params)
    return client.post(
        reverse("telephony:twilio_status") + query, data=params, headers={"X-Twilio-Signature": signature}
    )


@pytest.mark.django_db
def test_a_twilio_call_answered_at_a_desk_becomes_an_answered_session(client, staff_user):
    ExtensionFactory(number="201", user=staff_user)
    stamp = "Thu, 03 Dec 2026 07:00:{:02d} +0000"
    assert _callback(client, "ringing", Timestamp=stamp.format(0)).status_code == 204
    answer = _callback(client, "in-progress", query="?line=akut&extension=201", Timestamp=stamp.format(12))
    assert answer.status_code == 204
    assert _callback(client, "completed", Timestamp=stamp.format(50), CallDuration="38").status_code == 204

    call = CallSession.objects.get()
    assert call.call_id == "twilio:CA0123456789abcdef"
    assert call.status == CallStatus.ANSWERED
    assert call.wait.total_seconds() == 12
    assert call.answered_by == staff_user
    assert call.phone_last4 == "5678"
    assert set(call.events.values_list("source", flat=True)) == {"twilio"}


@pytest.mark.django_db
def test_a_caller_who_hangs_up_while_it_rings_is_abandoned_and_a_retry_changes_nothing(client):
    assert _callback(client, "ringing").status_code == 204
    assert _callback(client, "canceled").status_code == 204
    assert _callback(client, "canceled").status_code == 204
    call = CallSession.objects.get()
    assert call.status == CallStatus.ABANDONED
    assert call.events.count() == 2


@pytest.mark.django_db
def test_an_anonymous_caller_is_withheld(client):
    _callback(client, "ringing", From="anonymous")
    call = CallSession.objects.get()
    assert call.caller_withheld and not call.has_phone


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["another-token", ""])
def test_a_callback_not_signed_with_the_accounts_token_is_refused_and_stores_nothing(client, token, caplog):
    response = _callback(client, "ringing", token=token or "x")
    if not token:
        response = client.post(
            reverse("telephony:twilio_status"), data={"CallSid": "CA1", "CallStatus": "ringing"}
        )
    assert response.status_code == 401
    assert not CallEvent.objects.exists()
    assert "12345678" not in caplog.text


@pytest.mark.django_db
def test_a_changed_parameter_breaks_the_signature(client):
    params = {"CallSid": "CA1", "CallStatus": "ringing", "From": "+4512345678"}
    signature = RequestValidator(TOKEN).compute_signature(URL, params)
    response = client.post(
        reverse("telephony:twilio_status"),
        data={**params, "From": "+4587654321"},
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 401
    assert not CallSession.objects.exists()


@pytest.mark.django_db
def test_without_an_auth_token_every_callback_is_refused(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    assert _callback(client, "ringing", token="").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "query"), [({"CallStatus": "dancing"}, ""), ({"CallSid": ""}, ""), ({}, "?line=nowhere")]
)
def test_a_signed_callback_that_is_no_call_status_is_a_400(client, fields, query):
    assert _callback(client, "ringing", query=query, **fields).status_code == 400
    assert not CallSession.objects.exists()


@pytest.mark.django_db
def test_a_callback_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    _callback(client, "ringing")
    with django_assert_max_num_queries(10):
        assert _callback(client, "in-progress", query="?extension=201").status_code == 204
