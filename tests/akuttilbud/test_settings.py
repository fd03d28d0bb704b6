import os
import subprocess
import sys

import pytest
from django.urls import reverse

from akuttilbud.models import ServiceSettings

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "p" * 20 + "roduction-secret-key-that-is-long-and-random-0987654321",
    "ALLOWED_HOSTS": "akut.example.dk",
    "CPR_ENCRYPTION_KEYS": "bq8Dw4vUoqUO2Y1n1Wq8mkVYyxfOtxZq0Trs8oXy7b4=",
    "CPR_INDEX_KEY": "index-key-for-the-test",
    "EXPORT_PSEUDONYM_SECRET": "export-secret-for-the-test",
    "AUDIT_HMAC_KEY": "audit-key-for-the-test",
    "DATABASE_URL": "sqlite:///:memory:",
}

# The leader's settings form, filled in: another name, a municipality and two more beds.
SERVICE_SETTINGS_FORM = {
    "service_name": "Akuttilbuddet Vest",
    "phone": "70 10 20 30",
    "municipality": "0101",
    "organisation_model": "integrated",
    "beds": 6,
    "max_consecutive_nights": 3,
    "follow_up_days": 5,
    "follow_up_max_attempts": 3,
    "goal_phone_wait_minutes": 2,
    "goal_walk_in_wait_minutes": 15,
    "goal_call_back_hours": 2,
}


def _manage(*args, env):
    # The browser tests' async-unsafe switch must not leak into a production check.
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION_ENV and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "CPR_ENCRYPTION_KEYS", "CPR_INDEX_KEY", "AUDIT_HMAC_KEY"]
)
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.django_db
def test_leader_edits_the_service_settings(leader_client):
    response = leader_client.post(reverse("service_settings"), SERVICE_SETTINGS_FORM)
    assert response.status_code == 302
    settings_row = ServiceSettings.load()
    assert (settings_row.service_name, settings_row.beds, settings_row.municipality_id) == (
        "Akuttilbuddet Vest",
        6,
        "0101",
    )


@pytest.mark.django_db
def test_bad_settings_keep_what_was_typed(leader_client):
    response = leader_client.post(reverse("service_settings"), {"service_name": "Nyt navn", "beds": "-3"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'value="Nyt navn"' in response.content.decode()


@pytest.mark.django_db
def test_staff_cannot_edit_settings(staff_client):
    assert staff_client.get(reverse("service_settings")).status_code == 403


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "broker" in response.json()


def _production_status(path, *, remote_addr, forwarded_proto, trusted_proxies):
    code = (
        "print('STATUS', __import__('django.test').test.Client().get("
        f"{path!r}, REMOTE_ADDR={remote_addr!r},"
        f" headers={{'host': 'akut.example.dk', 'x-forwarded-proto': {forwarded_proto!r}}}).status_code)"
    )
    result = _manage("shell", "-c", code, env={**PRODUCTION_ENV, "TRUSTED_PROXIES": trusted_proxies})
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split("STATUS")[-1])


def test_https_is_believed_only_from_the_trusted_proxy():
    # /logout/ answers GET with 405, so 405 means "served as https" and 301 "sent to https".
    assert (
        _production_status(
            "/logout/", remote_addr="10.0.0.2", forwarded_proto="https", trusted_proxies="10.0.0.2"
        )
        == 405
    )
    assert (
        _production_status(
            "/logout/", remote_addr="10.0.0.9", forwarded_proto="https", trusted_proxies="10.0.0.2"
        )
        == 301
    )
    assert (
        _production_status("/logout/", remote_addr="10.0.0.2", forwarded_proto="https", trusted_proxies="")
        == 301
    )


def test_a_network_of_proxies_can_be_trusted():
    assert (
        _production_status(
            "/logout/", remote_addr="172.30.80.7", forwarded_proto="https", trusted_proxies="172.30.80.0/24"
        )
        == 405
    )


@pytest.mark.django_db
def test_healthz_fails_when_pages_cannot_render_for_a_missing_static_manifest(client, settings, tmp_path):
    # Production's storage, but collectstatic never ran: every page would answer 500.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["pages"] == "failing"


@pytest.mark.django_db
def test_healthz_passes_once_the_manifest_is_collected(client, settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["pages"] == "ok"
