"""Two-factor enrolment in a real browser: one leader issues a code, the other enrols a phone,
keeps the recovery codes, and later logs in with one of them."""

import base64

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django_otp.oath import totp

from akuttilbud.models import AuditAction, AuditEvent, Role
from akuttilbud.two_factor import SECOND_FACTOR_SESSION_KEY
from tests.factories import UserFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _submit(page, form_selector="main form[method=post]"):
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()


def test_a_leader_enrols_with_a_code_from_another_and_logs_in_with_a_recovery_code(
    live_server, new_page, settings
):
    settings.OTP_REQUIRED_FOR_ROLES = ["leader", "evaluator"]
    UserFactory(username="lene", role=Role.LEADER, first_name="Lene")
    newcomer = UserFactory(username="mads", role=Role.LEADER, first_name="Mads")

    issuer = new_page()
    log_in(issuer, live_server, "lene")
    # Lene gave her own second factor earlier; the browser carries that session.
    cookie = next(c for c in issuer.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=cookie["value"])
    session[SECOND_FACTOR_SESSION_KEY] = "totp"
    session.save()
    issuer.goto(f"{live_server.url}/2fa/enrolment-codes/")
    issuer.select_option("#id_user", str(newcomer.pk))
    _submit(issuer)
    code = issuer.inner_text("[data-testid=enrolment-code]").strip()

    phone_owner = new_page()
    log_in(phone_owner, live_server, "mads")
    phone_owner.goto(f"{live_server.url}/audit/")
    assert "/2fa/setup/" in phone_owner.url
    assert phone_owner.locator("[data-testid=otp-secret]").count() == 0
    phone_owner.fill("#id_enrolment_code", code)
    _submit(phone_owner)
    secret = phone_owner.inner_text("[data-testid=otp-secret]").strip()
    key = base64.b32decode(secret)
    phone_owner.fill("#id_code", f"{totp(key):06d}")
    _submit(phone_owner)
    recovery_codes = phone_owner.inner_text("[data-testid=recovery-codes]").split()
    assert len(recovery_codes) == 10
    with phone_owner.expect_navigation():
        phone_owner.get_by_role("link", name="Jeg har gemt koderne – fortsæt").click()
    assert phone_owner.url.endswith("/audit/")

    later = new_page()
    log_in(later, live_server, "mads")
    later.goto(f"{live_server.url}/audit/")
    assert "/2fa/verify/" in later.url
    later.locator("summary").click()
    later.fill("#id_recovery_code", recovery_codes[0])
    _submit(later, "details form")
    assert later.url.endswith("/audit/")
    assert later.locator("h1").first.inner_text()
    used = AuditEvent.objects.filter(action=AuditAction.RECOVERY_CODES, user=newcomer).latest("id")
    assert used.detail == {"used": True, "left": 9}
