"""Signing in through a real OpenID Connect provider (tests/oidc_provider) without a browser:
roles from the groups claim, refusals, the second factor, and the audit log."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from akuttilbud.models import AuditAction, AuditEvent, Role, User
from oidc.models import Identity, SignInSession

from .conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "role"), [("sara", Role.STAFF), ("lene", Role.LEADER), ("erik", Role.EVALUATOR)]
)
def test_each_mapped_group_signs_in_with_its_role(client, oidc, username, role):
    response = sign_in(client, oidc, username)

    assert response.status_code == 302 and response["Location"] == "/"
    identity = Identity.objects.get(issuer=oidc.url)
    user = identity.user
    assert (user.username, user.role, user.email) == (username, role, f"{username}@kommune.example")
    assert not user.has_usable_password()
    assert client.session[SESSION_KEY] == str(user.pk)
    assert SignInSession.objects.filter(identity=identity, session_key=client.session.session_key).exists()
    event = AuditEvent.objects.get(action=AuditAction.OIDC_LOGIN)
    assert event.user == user
    assert event.detail["issuer"] == oidc.url and event.detail["subject"] == identity.subject
    assert set(event.detail) == {"issuer", "subject", "role", "provider_mfa"}


def _login_page_text(client):
    return client.get("/login/").content.decode()


def test_a_person_without_a_mapped_group_is_refused_and_nothing_is_created(client, oidc):
    users_before = User.objects.count()

    response = sign_in(client, oidc, "mads")

    assert response["Location"] == "/login/"
    assert User.objects.count() == users_before and not Identity.objects.exists()
    assert SESSION_KEY not in client.session
    assert "giver ikke adgang til Akuttilbud" in _login_page_text(client)
    event = AuditEvent.objects.get(action=AuditAction.OIDC_REFUSED)
    assert event.detail["reason"] == "no_mapped_role" and event.detail["issuer"] == oidc.url
    assert set(event.detail) == {"reason", "issuer", "subject"}


def test_name_email_and_role_follow_the_provider_at_each_sign_in(client, oidc):
    sign_in(client, oidc, "sara")
    client.post("/logout/")
    oidc.set_person("sara", "akut-leder,akut-staff", name="Sara Holm")

    sign_in(client, oidc, "sara")

    user = Identity.objects.get().user
    assert (user.first_name, user.last_name, user.role) == ("Sara", "Holm", Role.LEADER)
    assert User.objects.filter(username__startswith="sara").count() == 1


def test_matched_by_subject_not_by_email(client, oidc, staff_user):
    # A local account with the same user name and e-mail stays someone else.
    staff_user.email = "sara@kommune.example"
    staff_user.save()

    sign_in(client, oidc, "sara")

    user = Identity.objects.get().user
    assert user != staff_user and user.username.startswith("sara-")


def test_a_person_removed_from_the_group_is_refused_and_their_open_sessions_end(client, oidc):
    other_pc = Client()
    sign_in(other_pc, oidc, "sara")
    assert SESSION_KEY in other_pc.session
    oidc.set_person("sara", "kantine")

    sign_in(client, oidc, "sara")

    assert SESSION_KEY not in client.session
    assert other_pc.get("/")["Location"].startswith("/login/")
    assert not SignInSession.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.OIDC_REFUSED, detail__reason="no_mapped_role"
    ).exists()


def test_the_providers_multi_factor_sign_in_counts_as_the_second_factor(client, oidc, settings):
    settings.OTP_REQUIRED_FOR_ROLES = ["leader", "evaluator"]

    sign_in(client, oidc, "lene")  # amr holds mfa
    assert client.get("/reporting/dashboard/").status_code == 200
    assert client.session["second_factor"] == "oidc"

    client.post("/logout/")
    sign_in(client, oidc, "erik")  # a password only
    assert "second_factor" not in client.session
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/2fa/setup/")


def test_an_acr_value_configured_as_multi_factor_counts_too(client, oidc, settings):
    settings.OIDC_MFA_ACR_VALUES = ["possessionorinherence"]
    oidc.tamper(claims={"acr": "possessionorinherence"})

    sign_in(client, oidc, "erik")

    assert client.session["second_factor"] == "oidc"


def test_no_token_code_or_claim_reaches_the_log(client, oidc, caplog):
    caplog.set_level("DEBUG")

    sign_in(client, oidc, "sara")
    sign_in(Client(), oidc, "mads")

    id_token = client.session["oidc_id_token"]
    logged = caplog.text
    assert id_token not in logged and id_token.split(".")[1] not in logged
    assert "kommune.example" not in logged and "akut-staff" not in logged and "kantine" not in logged
    assert "code=" not in logged
