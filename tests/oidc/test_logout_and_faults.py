"""Logout at both ends (RP-initiated and back-channel), a provider that is down or
misconfigured, and which local passwords still work."""

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from akuttilbud.models import AuditAction, AuditEvent
from oidc.models import SignInSession
from tests.factories import UserFactory

from .conftest import CLIENT_ID, provider_session, sign_in

pytestmark = pytest.mark.django_db

BACKCHANNEL = "/oidc/backchannel-logout/"
PASSWORD = "korrekt-hest-batteri-42"  # noqa: S105 - tests.factories.UserFactory's


def test_logout_ends_the_session_here_and_at_the_provider(client, oidc):
    session = provider_session(oidc, "sara")
    from .conftest import authorize

    client.get(authorize(client, session))
    id_token = client.session["oidc_id_token"]

    response = client.post("/logout/")

    assert SESSION_KEY not in client.session
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}" == oidc.url
    query = parse_qs(target.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"]
    back = session.get(response["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302 and back.headers["Location"].startswith("http://testserver/login/")
    # Signed out at the provider too: its authorization endpoint asks for a password again.
    again = session.get(f"{oidc.url}/authorize/?client_id={CLIENT_ID}", allow_redirects=False, timeout=5)
    assert "/login/" in again.headers.get("Location", "")


def _logout_token(oidc, key=None, **claims):
    subject = SignInSession.objects.get().identity.subject if SignInSession.objects.exists() else "1"
    payload = {
        "iss": oidc.url,
        "aud": CLIENT_ID,
        "iat": int(time.time()),
        "jti": str(uuid.uuid4()),
        "sub": subject,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    kid = jwt.PyJWK.from_dict(_provider_jwk(oidc)).key_id
    return jwt.encode(payload, key or oidc.key, algorithm="RS256", headers={"kid": kid})


def _provider_jwk(oidc):
    import requests

    return requests.get(f"{oidc.url}/.well-known/jwks.json", timeout=5).json()["keys"][0]


def test_back_channel_logout_ends_the_persons_sessions(client, oidc):
    sign_in(client, oidc, "sara")
    token = _logout_token(oidc)

    response = Client().post(BACKCHANNEL, {"logout_token": token})

    assert response.status_code == 200
    assert client.get("/")["Location"].startswith("/login/") and not SignInSession.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.OIDC_LOGOUT)
    assert event.detail["sessions"] == 1 and event.detail["issuer"] == oidc.url
    # The same token again is a replay.
    assert Client().post(BACKCHANNEL, {"logout_token": token}).status_code == 400


@pytest.mark.parametrize(
    "wrong",
    [
        {"iss": "http://127.0.0.1:8199"},
        {"aud": "another-app"},
        {"events": None},
        {"events": {"http://schemas.openid.net/event/other": {}}},
        {"nonce": "n"},
        {"sub": None},
        {"jti": None},
        {"exp": 1000},
        "foreign_key",
        "garbage",
    ],
)
def test_a_wrong_logout_token_ends_nothing(client, oidc, wrong):
    sign_in(client, oidc, "sara")
    if wrong == "foreign_key":
        from .conftest import private_key_pem

        token = _logout_token(oidc, key=private_key_pem())
    elif wrong == "garbage":
        token = "not.a.token"
    else:
        token = _logout_token(oidc, **wrong)

    response = Client().post(BACKCHANNEL, {"logout_token": token})

    assert response.status_code == 400
    assert SESSION_KEY in client.session and SignInSession.objects.count() == 1
    assert client.get("/")["Location"] == "/contacts/board/"


@pytest.mark.parametrize(
    "issuer", ["http://127.0.0.1:8199", "http://127.0.0.1:8150/not-an-issuer"], ids=["down", "misconfigured"]
)
def test_a_provider_down_or_misconfigured_gives_a_message_and_leaves_break_glass_working(
    client, oidc, settings, issuer
):
    settings.OIDC_ISSUER = issuer
    admin = UserFactory(username="nodadmin", is_superuser=True, is_staff=True)

    response = client.get("/oidc/authenticate/", follow=True)

    assert response.status_code == 200
    assert "Kommunens login kan ikke nås lige nu" in response.content.decode()
    response = client.post("/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(admin.pk)


def test_local_passwords_are_off_for_all_but_superusers_once_the_provider_signs_in(client, oidc, settings):
    staff = UserFactory(username="lokal")

    client.post("/login/", {"username": staff.username, "password": PASSWORD})
    assert SESSION_KEY not in client.session

    settings.LOCAL_LOGIN_USERS = "all"
    client.post("/login/", {"username": staff.username, "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_the_login_page_offers_the_municipalitys_login_only_when_configured(client, oidc, settings):
    assert "Log ind med kommunens login" in client.get("/login/").content.decode()
    settings.OIDC_ISSUER = ""
    assert "Log ind med kommunens login" not in client.get("/login/").content.decode()
    response = client.get("/oidc/callback/?code=x&state=y", follow=True)
    assert "ikke sat op" in response.content.decode()
