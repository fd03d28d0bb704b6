"""The reminder task through a real broker and a real worker process."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

from crisisplans.models import FollowUp, Reminder
from tests.crisisplans.factories import FollowUpFactory
from tests.helpers import postgres_url, redis_reachable, require, require_postgres

BROKER_URL = "redis://127.0.0.1:6379/14"
TASK_NAME = "crisisplans.tasks.send_due_followup_reminders_task"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.celery_worker
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_reminder_task_runs_in_a_real_worker_and_marks_the_follow_up(monkeypatch):
    # The worker is another process: it can share the test database only on PostgreSQL.
    require_postgres()
    # Celery lets CELERY_BROKER_URL in the environment win over a broker given in code, so the
    # probe below would otherwise send to CI's broker while the worker listens on this one.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    require(redis_reachable(BROKER_URL), f"needs Redis at {BROKER_URL}")
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    follow_up = FollowUpFactory(due_at=datetime.datetime(2026, 3, 7, 13, 0, tzinfo=datetime.UTC))
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": "consolemail://",
        "CONN_MAX_AGE": "0",
    }
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "akuttilbud",
            "--result-backend",
            BROKER_URL,
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sender = Celery("probe", broker=BROKER_URL, backend=BROKER_URL)
    try:
        result = sender.send_task(TASK_NAME)
        reminded = result.get(timeout=90)
    finally:
        worker.terminate()
        try:
            output, _errors = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _errors = worker.communicate()
        sender.close()

    assert reminded == 1, output
    follow_up.refresh_from_db()
    assert follow_up.reminded_at is not None
    assert Reminder.objects.filter(follow_up=follow_up).count() == 1
    assert FollowUp.objects.filter(reminded_at__isnull=True).count() == 0
