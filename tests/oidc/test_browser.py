"""Signing in and out through the real provider in a real browser (Chromium): the login page's
button, the provider's own login form, the way back, and sign-out at both ends."""

import os
import time

import pytest
from django.contrib.sessions.models import Session

from akuttilbud.models import Role
from oidc.models import Identity, SignInSession
from tests.browser.conftest import browser_context_args, browser_type_launch_args  # noqa: F401

from .conftest import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_oidc(oidc, live_server, page):
    page.set_default_timeout(15_000)
    return oidc


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Log ind med kommunens login").click()
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(
    ("username", "role", "landing"),
    [
        ("sara", Role.STAFF, "/contacts/board/"),
        ("lene", Role.LEADER, "/reporting/dashboard/"),
        ("erik", Role.EVALUATOR, "/2fa/setup/"),
    ],
)
def test_each_role_signs_in_through_the_provider(
    browser_oidc, live_server, page, settings, username, role, landing
):
    settings.OTP_REQUIRED_FOR_ROLES = ["evaluator"]

    _sign_in(page, live_server, username)

    assert page.url.startswith(f"{live_server.url}{landing}"), page.url
    assert Identity.objects.get().user.role == role


def test_a_person_without_a_mapped_group_sees_why_on_the_login_page(browser_oidc, live_server, page):
    _sign_in(page, live_server, "mads")

    assert page.url.startswith(f"{live_server.url}/login/")
    assert "giver ikke adgang til Akuttilbud" in page.content()
    assert not Identity.objects.exists()


def test_a_person_removed_from_the_group_is_out_at_the_next_session_check(browser_oidc, live_server, page):
    _sign_in(page, live_server, "sara")
    assert page.url.startswith(f"{live_server.url}/contacts/board/")
    browser_oidc.set_person("sara", "kantine")
    # The session check falls due (OIDC_SESSION_CHECK_SECONDS, within the idle timeout).
    sign_in = SignInSession.objects.get()
    session = Session.objects.get(session_key=sign_in.session_key)
    data = session.get_decoded()
    data["oidc_id_token_expiration"] = time.time() - 1
    Session.objects.save(sign_in.session_key, data, session.expire_date)

    page.goto(f"{live_server.url}/contacts/board/")

    assert page.url.startswith(f"{live_server.url}/login/"), page.url
    assert "giver ikke adgang til Akuttilbud" in page.content()
    assert not Session.objects.filter(session_key=sign_in.session_key).exists()


def test_sign_out_ends_the_session_here_and_at_the_provider(browser_oidc, live_server, page):
    _sign_in(page, live_server, "sara")

    with page.expect_navigation(url=f"{live_server.url}/login/**"):
        page.locator("form[action='/logout/'] button").click()
    assert not Session.objects.exists()

    # The provider asks for the password again: its session ended too.
    page.get_by_role("link", name="Log ind med kommunens login").click()
    assert page.locator("#id_password").is_visible()
