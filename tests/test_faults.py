"""Faults: the broker down while records are saved, and a worker killed in the middle of a task."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from akuttilbud.celery import app as celery_app
from akuttilbud.models import OutboxMessage
from contacts.models import Contact, CrisisConversation, Person
from crisisplans.models import CrisisPlan, FollowUp, Reminder
from crisisplans.services import send_due_followup_reminders
from tests.crisisplans.factories import IdentifiedPersonFactory, short_plan_form, walk_in_contact
from tests.factories import ContactFactory, PersonFactory, UserFactory
from tests.helpers import postgres_url, redis_reachable, require, require_postgres, with_token
from tests.smtp import closed_port, start_smtp_server

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
WORKER_BROKER = "redis://127.0.0.1:6379/13"
TASK_NAME = "crisisplans.tasks.send_due_followup_reminders_task"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
FOLLOW_UPS = 20_000


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Tasks go to a broker nobody answers on, as they would in production with Redis down."""
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    monkeypatch.setitem(celery_app.conf, "broker_url", UNREACHABLE_BROKER)
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)


@pytest.mark.django_db
def test_broker_down_a_quick_log_is_saved_and_the_user_sees_the_normal_redirect(staff_client, broker_down):
    response = staff_client.post(
        reverse("contacts:quick_log"),
        with_token(
            {"summary": "Ringede om søvn", "acuteness": "3", "channel": "phone", "answered_at": ""},
        ),
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:contact_detail", args=[contact.pk])
    assert contact.summary == "Ringede om søvn"
    assert staff_client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_broker_down_a_contact_save_is_kept_and_the_user_sees_the_normal_redirect(staff_client, broker_down):
    contact = ContactFactory(person=PersonFactory(name="Mette"), summary="Før")
    response = staff_client.post(
        reverse("contacts:contact_detail", args=[contact.pk]),
        {
            "contact-channel": "phone",
            "contact-direction": "in",
            "contact-caller_role": "citizen",
            "contact-started_at": timezone.localtime(contact.started_at).strftime("%Y-%m-%d %H:%M"),
            "contact-acuteness": "3",
            "contact-summary": "Efter",
            "contact-version": contact.version,
            "conversation-situation": "Kunne ikke sove",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:contact_detail", args=[contact.pk])
    contact.refresh_from_db()
    assert contact.summary == "Efter"
    assert CrisisConversation.objects.get(contact=contact).situation == "Kunne ikke sove"


@pytest.mark.django_db
def test_broker_down_a_plan_is_saved_and_the_next_sweep_reminds_it(
    staff_client, broker_down, django_capture_on_commit_callbacks
):
    contact = walk_in_contact(IdentifiedPersonFactory())
    data = short_plan_form()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("crisisplans:plan_create", args=[contact.pk]), with_token(data))

    plan = CrisisPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crisisplans:plan_detail", args=[plan.pk])
    assert staff_client.get(response["Location"]).status_code == 200
    assert plan.follow_up.reminded_at is None
    with django_capture_on_commit_callbacks(execute=True):
        reminded = send_due_followup_reminders(plan.follow_up.due_at)
    assert reminded == 1
    assert Reminder.objects.filter(follow_up=plan.follow_up).count() == 1


def _start_worker(log_path, smtp_port):
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url(),
        "CELERY_BROKER_URL": WORKER_BROKER,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CONN_MAX_AGE": "0",
    }
    # Output goes to a file: a pipe nobody reads would fill up and stall the worker.
    log = log_path.open("a")
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "akuttilbud",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop(worker):
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _other_backends_writing():
    """Database sessions other than ours that hold an open transaction that has written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return [row[0] for row in cursor.fetchall()]


def _backend_alive(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] > 0


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _many_due_follow_ups(count):
    staff = UserFactory(username="planlaegger", email="planlaegger@akut.example.dk")
    now = timezone.now()
    due = now - datetime.timedelta(hours=1)
    persons = Person.objects.bulk_create([Person(name=f"Borger {number}") for number in range(count)])
    plans = CrisisPlan.objects.bulk_create(
        [CrisisPlan(person=person, created_by=staff, created_at=now) for person in persons]
    )
    FollowUp.objects.bulk_create([FollowUp(plan=plan, due_at=due, first_due_at=due) for plan in plans])


@pytest.mark.celery_worker
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_leaves_the_task_to_a_fresh_worker_which_reminds_and_mails_once(
    tmp_path, monkeypatch, settings
):
    """With the production settings: acks_late, reject_on_worker_lost and the visibility timeout."""
    # Celery lets CELERY_BROKER_URL in the environment win over a broker given in code.
    monkeypatch.setenv("CELERY_BROKER_URL", WORKER_BROKER)
    # The workers are other processes: they can share the test database only on PostgreSQL.
    require_postgres()
    require(redis_reachable(WORKER_BROKER), f"needs Redis at {WORKER_BROKER}")
    import redis

    redis.Redis.from_url(WORKER_BROKER).flushdb()
    _many_due_follow_ups(FOLLOW_UPS)
    log_path = tmp_path / "worker.log"
    smtp_port = closed_port()
    smtp, recorder = start_smtp_server(smtp_port)
    visibility_timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility_timeout <= 5 * 60
    assert settings.CELERY_TASK_TIME_LIMIT < visibility_timeout
    sender = Celery("probe", broker=WORKER_BROKER)
    first = _start_worker(log_path, smtp_port)
    second = None
    try:
        sender.send_task(TASK_NAME)
        sent_at = time.monotonic()
        # Killed once the task's transaction has written rows and before it commits.
        backend = _wait_for(_other_backends_writing, 90, "the task to start writing")[0]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        _wait_for(lambda: not _backend_alive(backend), 30, "the killed worker's session to end")
        assert Reminder.objects.count() == 0, "the kill came after the commit, not mid-task"
        assert FollowUp.objects.filter(reminded_at__isnull=False).count() == 0

        assert OutboxMessage.objects.count() == 0
        assert recorder.messages == []

        # Redis hands the unacknowledged message on once the visibility timeout has passed; the
        # fresh worker looks for such messages every 10 s.
        second = _start_worker(log_path, smtp_port)
        _wait_for(lambda: recorder.messages, visibility_timeout + 120, "the redelivered task's digest")
        delivered_after = time.monotonic() - sent_at
        # Room for a wrong second run or second delivery to show up before counting.
        time.sleep(12)
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
        sender.close()
        smtp.stop()

    output = log_path.read_text(errors="replace")
    assert Reminder.objects.count() == FOLLOW_UPS, output[-3000:]
    assert Reminder.objects.values("follow_up").distinct().count() == FOLLOW_UPS
    assert FollowUp.objects.filter(reminded_at__isnull=True).count() == 0
    assert FollowUp.objects.values("reminded_at").distinct().count() == 1
    (envelope,) = recorder.messages
    assert envelope.rcpt_tos == ["planlaegger@akut.example.dk"]
    assert OutboxMessage.objects.get().sent_at is not None
    assert visibility_timeout <= delivered_after < visibility_timeout + 120
