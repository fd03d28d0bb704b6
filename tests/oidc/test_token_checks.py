"""Each way an ID token can be wrong, produced by the real provider (tests/oidc_provider's
tampering file) and refused at the callback with nothing created; replayed state and nonce."""

import pytest
from django.contrib.auth import SESSION_KEY

from akuttilbud.models import AuditAction, AuditEvent, User
from oidc.models import Identity

from .conftest import authorize, private_key_pem, provider_session, sign_in

pytestmark = pytest.mark.django_db


def _refused_with(client, reason, users_before):
    assert SESSION_KEY not in client.session
    assert User.objects.count() == users_before and not Identity.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.OIDC_REFUSED, detail__reason=reason).exists()
    assert "kunne ikke gennemføres" in client.get("/login/").content.decode()


@pytest.mark.parametrize(
    ("tampering", "reason"),
    [
        ({"claims": {"iss": "http://127.0.0.1:8199"}}, "issuer"),
        ({"claims": {"aud": "another-app"}}, "audience"),
        ({"expires_in": -600}, "expired"),
        ({"claims": {"nonce": "a-nonce-from-another-sign-in"}}, "nonce"),
        ("foreign_key", "signature"),
    ],
)
def test_a_wrong_id_token_is_refused_and_nothing_is_created(client, oidc, tampering, reason):
    if tampering == "foreign_key":
        tampering = {"foreign_key": private_key_pem()}
    oidc.tamper(**tampering)
    users_before = User.objects.count()

    response = sign_in(client, oidc, "sara")

    assert response.status_code == 302 and response["Location"] == "/login/"
    _refused_with(client, reason, users_before)


def test_a_token_signed_by_a_key_not_in_the_jwks_is_refused(client, oidc):
    oidc.tamper(foreign_key=private_key_pem(), kid="a-key-the-provider-never-published")
    users_before = User.objects.count()

    sign_in(client, oidc, "sara")

    _refused_with(client, "unknown_key", users_before)


def test_a_replayed_state_is_refused(client, oidc):
    callback = authorize(client, provider_session(oidc, "sara"))
    client.get(callback)
    client.post("/logout/")
    users_before = User.objects.count()
    identities_before = Identity.objects.count()

    response = client.get(callback)

    assert response["Location"] == "/login/" and SESSION_KEY not in client.session
    assert (User.objects.count(), Identity.objects.count()) == (users_before, identities_before)
    assert AuditEvent.objects.filter(action=AuditAction.OIDC_REFUSED, detail__reason="state").exists()


def test_a_state_from_another_browser_is_refused(client, oidc):
    from django.test import Client

    callback = authorize(Client(), provider_session(oidc, "sara"))
    users_before = User.objects.count()

    client.get(callback)

    _refused_with(client, "state", users_before)
