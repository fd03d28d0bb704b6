import importlib

import pytest
from django.apps import apps
from pytest_django.plugin import blocking_manager_key

from akuttilbud.celery import app as celery_app
from akuttilbud.models import Role

from .factories import UserFactory

# Rows the data migrations load (municipalities, reasons, outcomes, partner kinds). A
# transactional test (live server, threads, a real worker) empties every table when it ends,
# so they are loaded again after it, before the next test runs.
REFERENCE_DATA = [
    ("akuttilbud.migrations.0002_load_municipalities", "load"),
    ("contacts.migrations.0003_seed_lists_and_bed_exclusion", "seed_lists"),
    ("partners.migrations.0002_seed_partner_kinds", "seed"),
    ("telephony.migrations.0002_seed_line", "seed_line"),
]


def _is_transactional(item):
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    # After the last test the test database is already gone.
    if nextitem is not None and _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            for module, function in REFERENCE_DATA:
                getattr(importlib.import_module(module), function)(apps, None)
    return result


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.log")
    settings.LANGUAGE_CODE = "da"
    # Tests run tasks in-process unless a test starts a real worker (tests/crisisplans/test_worker.py).
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def staff_user(db):
    return UserFactory(username="sara", role=Role.STAFF)


@pytest.fixture
def leader_user(db):
    return UserFactory(username="lene", role=Role.LEADER)


@pytest.fixture
def evaluator_user(db):
    return UserFactory(username="erik", role=Role.EVALUATOR)


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    return _client_for(client, staff_user)


@pytest.fixture
def leader_client(client, leader_user):
    return _client_for(client, leader_user)


@pytest.fixture
def evaluator_client(client, evaluator_user):
    return _client_for(client, evaluator_user)
