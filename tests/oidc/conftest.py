"""A real OpenID Connect provider (tests/oidc_provider, django-oauth-toolkit) in its own server
process on loopback, with an RS256 key made for this run, and the people the tests sign in."""

import copy
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache

from oidc import provider as oidc_provider_module

PROVIDER_PORT = 8150


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The browser tests' live server listens here, so the provider knows its redirect URI. A port
# of this run's own: Django's live server does not reuse an address, and a fixed one may still be
# held in TIME_WAIT by the run before (CI's passes follow each other within seconds).
LIVE_SERVER = os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", f"127.0.0.1:{_free_port()}")

CLIENT_ID = "akuttilbud"
CLIENT_SECRET = "provider-client-secret"  # noqa: S105
PASSWORD = "provider-password-1"  # noqa: S105 - tests.oidc_provider's provider_user default
ROLE_MAP = {"akut-leder": "leader", "akut-staff": "staff", "akut-eval": "evaluator"}
PEOPLE = {
    "sara": ("Sara Sørensen", "akut-staff"),
    "lene": ("Lene Lund", "akut-leder,mfa"),
    "erik": ("Erik Eriksen", "akut-eval"),
    "mads": ("Mads Madsen", "kantine"),
}
ROOT = Path(__file__).resolve().parents[2]


def private_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class Provider:
    def __init__(self, directory):
        self.url = f"http://127.0.0.1:{PROVIDER_PORT}"
        self.key = private_key_pem()
        self.tampering_file = directory / "tampering.json"
        key_file = directory / "provider-key.pem"
        key_file.write_text(self.key)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OIDC_PROVIDER_DB": str(directory / "provider.sqlite3"),
            "OIDC_PROVIDER_KEY_FILE": str(key_file),
            "OIDC_PROVIDER_ISSUER": self.url,
            "OIDC_PROVIDER_TAMPERING": str(self.tampering_file),
        }
        self.env.pop("DATABASE_URL", None)

    def manage(self, *args):
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "django", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def start(self):
        self.manage("migrate", "--no-input")
        redirects = f"http://testserver/oidc/callback/ http://{LIVE_SERVER}/oidc/callback/"
        logouts = f"http://testserver/login/ http://{LIVE_SERVER}/login/"
        self.manage(
            "provider_client",
            CLIENT_ID,
            CLIENT_SECRET,
            "--redirect-uri",
            redirects,
            "--post-logout-uri",
            logouts,
        )
        for username, (name, groups) in PEOPLE.items():
            self.set_person(username, groups, name=name)
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{PROVIDER_PORT}"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                requests.get(f"{self.url}/.well-known/openid-configuration", timeout=1).raise_for_status()
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the test provider did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def set_person(self, username, groups, name=""):
        self.manage("provider_user", username, "--groups", groups, "--name", name)

    def tamper(self, **tampering):
        self.tampering_file.write_text(json.dumps(tampering))

    def stop_tampering(self):
        self.tampering_file.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    provider = Provider(tmp_path_factory.mktemp("oidc_provider"))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(settings, oidc_provider):
    """The app configured against the test provider, with a fresh discovery cache."""
    settings.OIDC_ISSUER = oidc_provider.url
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.LOCAL_LOGIN_USERS = "superusers"
    # As settings.py makes it from OIDC_ISSUER.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", oidc_provider.url]
    settings.CONTENT_SECURITY_POLICY = policy
    cache.delete_many([oidc_provider_module.DISCOVERY_CACHE_KEY, oidc_provider_module.JWKS_CACHE_KEY])
    yield oidc_provider
    oidc_provider.stop_tampering()
    for username, (name, groups) in PEOPLE.items():
        oidc_provider.set_person(username, groups, name=name)


def provider_session(oidc_provider, username):
    """A browser-less session signed in at the provider (its own login form)."""
    session = requests.Session()
    login = f"{oidc_provider.url}/login/"
    session.get(login, timeout=5)
    session.post(
        login,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["provider_csrf"],
        },
        timeout=5,
    )
    return session


def authorize(client, session):
    """Start the sign-in at the app and let the provider answer; the callback's path and query."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302, start
    answer = session.get(start["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:500]
    location = urlsplit(answer.headers["Location"])
    return f"{location.path}?{location.query}"


def sign_in(client, oidc_provider, username):
    """The whole code flow without a browser: the app's callback response."""
    return client.get(authorize(client, provider_session(oidc_provider, username)))
