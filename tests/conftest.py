import pytest

from akuttilbud.celery import app as celery_app
from akuttilbud.models import Role

from .factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
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
