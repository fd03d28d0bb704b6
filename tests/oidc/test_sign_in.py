"""Signing in through a real OpenID Connect provider (tests/oidc_provider) without a browser:
roles from the groups claim, refusals, the second factor, and the audit log."""

import pytest
from django.contrib.auth import SESSION_KEY

from akuttilbud.models import AuditAction, AuditEvent, Role
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
