import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent
from tests.factories import UserFactory

from .test_settings import PRODUCTION_ENV, _manage

PASSWORD = "korrekt-hest-batteri-42"
OFFICE_PC = "10.0.0.7"
OTHER_PC = "10.0.0.8"


def _login(client, password, ip, username="bruger"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_five_failed_logins_lock_the_user_from_that_computer(client):
    UserFactory(username="bruger")
    for _attempt in range(5):
        _login(client, "forkert-kode", OFFICE_PC)

    response = _login(client, PASSWORD, OFFICE_PC)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in response.templates]
    assert '<html lang="da">' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_four_failed_logins_do_not_lock(client):
    UserFactory(username="bruger")
    for _attempt in range(4):
        _login(client, "forkert-kode", OFFICE_PC)
    assert _login(client, PASSWORD, OFFICE_PC).status_code == 302


@pytest.mark.django_db
def test_a_lockout_does_not_lock_the_same_user_on_another_computer(client):
    UserFactory(username="bruger")
    for _attempt in range(5):
        _login(client, "forkert-kode", OFFICE_PC)
    response = _login(client, PASSWORD, OTHER_PC)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_a_lockout_ends_after_fifteen_minutes(client):
    UserFactory(username="bruger")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            _login(client, "forkert-kode", OFFICE_PC)
    # A refused attempt counts as one more failure and restarts the 15 minutes, so none is made here.
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert _login(client, PASSWORD, OFFICE_PC).status_code == 302


@pytest.mark.django_db
def test_a_lockout_is_audited_with_user_and_address(client):
    UserFactory(username="bruger")
    for _attempt in range(5):
        _login(client, "forkert-kode", OFFICE_PC)
    _login(client, PASSWORD, OFFICE_PC)
    event = AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).first()
    assert event is not None
    assert event.detail["username"] == "bruger"
    assert event.ip_address == OFFICE_PC
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 5
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def _minutes_later(start, minutes):
    return time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False)


@pytest.fixture
def page():
    return reverse("audit_log")


@pytest.mark.django_db
def test_idle_session_ends_and_the_next_request_goes_to_login_with_a_message(leader_client, page, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    start = timezone.now()
    with _minutes_later(start, 0):
        assert leader_client.get(page).status_code == 200
    with _minutes_later(start, 31):
        response = leader_client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={page}"
        assert "_auth_user_id" not in leader_client.session
        followed = leader_client.get(response["Location"])
        assert (
            "Du er blevet logget ud, fordi du har været inaktiv et stykke tid." in followed.content.decode()
        )


@pytest.mark.django_db
def test_activity_within_the_timeout_keeps_the_session(leader_client, page, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    start = timezone.now()
    for minutes in (0, 25, 50, 75):
        with _minutes_later(start, minutes):
            assert leader_client.get(page).status_code == 200


@pytest.mark.django_db
def test_background_refresh_does_not_extend_the_session(leader_client, page, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    start = timezone.now()
    with _minutes_later(start, 0):
        leader_client.get(page)
    with _minutes_later(start, 20):
        assert leader_client.get(page, headers={"X-Background-Refresh": "1"}).status_code == 200
    with _minutes_later(start, 35):
        assert leader_client.get(page).status_code == 302


@pytest.mark.django_db
def test_htmx_request_after_the_timeout_gets_a_client_side_redirect(leader_client, page, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    start = timezone.now()
    with _minutes_later(start, 0):
        leader_client.get(page)
    with _minutes_later(start, 31):
        response = leader_client.get(page, headers={"HX-Request": "true", "X-Background-Refresh": "1"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


def _production_value(expression):
    result = _manage("shell", "-c", f"import json; print(json.dumps({expression}))", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite_in_production():
    values = _production_value(
        "[__import__('django.conf').conf.settings.SESSION_COOKIE_SECURE,"
        " __import__('django.conf').conf.settings.SESSION_COOKIE_HTTPONLY,"
        " __import__('django.conf').conf.settings.SESSION_COOKIE_SAMESITE,"
        " __import__('django.conf').conf.settings.CSRF_COOKIE_SECURE]"
    )
    assert values == [True, True, "Lax", True]


def test_production_sets_hsts_on_every_response():
    headers = _production_value(
        "dict(__import__('django.test').test.Client().get('/healthz', secure=True,"
        " headers={'host': 'akut.example.dk'}).headers)"
    )
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_redirects_plain_http_to_https():
    status_and_location = _production_value(
        "(lambda response: [response.status_code, response.headers.get('Location')])("
        "__import__('django.test').test.Client().get('/login/', headers={'host': 'akut.example.dk'}))"
    )
    assert status_and_location == [301, "https://akut.example.dk/login/"]


@pytest.mark.django_db
def test_pages_carry_csp_without_inline_script_frame_denial_and_referrer_policy(client):
    response = client.get(reverse("login"))
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_logged_in_pages_carry_the_same_headers(leader_client):
    response = leader_client.get(reverse("audit_log"))
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
