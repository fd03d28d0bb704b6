"""Hostile input to the provider's URLs while a real provider is configured: never a 500, and
a hostile logout token ends nothing."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oidc.models import SignInSession
from tests.test_hostile_input import HOSTILE

from .conftest import sign_in

pytestmark = pytest.mark.django_db

CALLBACK_FIELDS = ("code", "state", "error", "error_description", "session_state")


def test_hostile_callback_and_start_parameters_never_give_a_server_error(client, oidc):
    hostile = Client(raise_request_exception=True)
    for value in HOSTILE:
        assert hostile.get("/oidc/callback/", dict.fromkeys(CALLBACK_FIELDS, value)).status_code < 500
        assert hostile.get("/oidc/authenticate/", {"next": value}).status_code < 500

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(params=st.dictionaries(st.sampled_from(CALLBACK_FIELDS), st.text(max_size=200)))
    def send(params):
        assert hostile.get("/oidc/callback/", params).status_code < 500

    send()


def test_hostile_logout_tokens_give_a_400_and_end_nothing(client, oidc):
    sign_in(client, oidc, "sara")
    hostile = Client(raise_request_exception=True)
    for value in HOSTILE:
        assert hostile.post("/oidc/backchannel-logout/", {"logout_token": value}).status_code == 400

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        token=st.text(max_size=300)
        | st.from_regex(r"[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]*")
    )
    def send(token):
        assert hostile.post("/oidc/backchannel-logout/", {"logout_token": token}).status_code == 400

    send()
    assert SignInSession.objects.count() == 1
