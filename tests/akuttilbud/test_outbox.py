"""The outbox against a real SMTP server on loopback: down, coming back, given up, claimed twice."""

import datetime
import email
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from akuttilbud import outbox
from akuttilbud.models import OutboxMessage
from akuttilbud.tasks import deliver_outbox_task
from crisisplans.models import FollowUp, Reminder
from crisisplans.services import send_due_followup_reminders
from tests.crisisplans.factories import FollowUpFactory
from tests.helpers import at_once, require_postgres
from tests.smtp import closed_port, start_smtp_server


@pytest.fixture
def smtp_settings(settings):
    """Real SMTP to a loopback port that refuses connections until a test starts a server on it."""
    port = closed_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def smtp_server():
    started = []

    def start(port):
        controller, recorder = start_smtp_server(port)
        started.append(controller)
        return recorder

    yield start
    for controller in started:
        controller.stop()


def _message(now):
    return outbox.enqueue(
        subject="Opfølgninger i dag",
        body="J.H. #12",
        html="<p>J.H. #12</p>",
        recipients=["sara@akut.dk"],
        now=now,
    )


@pytest.mark.django_db
def test_mail_to_a_closed_smtp_port_waits_and_is_sent_once_when_the_server_comes_up(
    smtp_settings, smtp_server, caplog
):
    now = timezone.now()
    message = _message(now)

    with caplog.at_level(logging.WARNING, logger="akuttilbud.outbox"):
        assert outbox.deliver(now) == 0
    message.refresh_from_db()
    assert message.sent_at is None and message.failed_at is None
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert "not sent (attempt 1)" in caplog.text
    # Not tried again before the back-off has passed; the second failure waits twice as long.
    assert outbox.deliver(now + datetime.timedelta(seconds=59)) == 0
    assert outbox.deliver(now + datetime.timedelta(minutes=1)) == 0
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == now + datetime.timedelta(minutes=3)

    recorder = smtp_server(smtp_settings)
    assert outbox.deliver(now + datetime.timedelta(minutes=3)) == 1
    assert outbox.deliver(now + datetime.timedelta(hours=2)) == 0

    (envelope,) = recorder.messages
    assert envelope.rcpt_tos == ["sara@akut.dk"]
    received = email.message_from_bytes(envelope.content)
    assert received["Message-ID"] == message.message_id
    assert "J.H. #12" in received.get_payload()[0].get_payload(decode=True).decode()
    message.refresh_from_db()
    assert message.sent_at is not None and message.last_error == ""


@pytest.mark.django_db
def test_the_reminder_digest_is_kept_in_the_outbox_while_smtp_is_down_and_sent_once_later(
    smtp_settings, smtp_server, staff_user, django_capture_on_commit_callbacks
):
    staff_user.email = "sara@akut.example.dk"
    staff_user.save()
    now = timezone.now()
    follow_up = FollowUpFactory(due_at=now - datetime.timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_followup_reminders(now) == 1
    follow_up.refresh_from_db()
    assert follow_up.reminded_at == now
    (message,) = OutboxMessage.objects.all()
    assert message.attempts == 1 and message.sent_at is None
    # The next run has nothing left to remind, yet the digest is not lost.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_followup_reminders(now + datetime.timedelta(hours=1)) == 0
    assert OutboxMessage.objects.count() == 1

    recorder = smtp_server(smtp_settings)
    assert outbox.deliver(now + datetime.timedelta(minutes=2)) == 1
    assert outbox.deliver(now + datetime.timedelta(minutes=10)) == 0
    (envelope,) = recorder.messages
    assert envelope.rcpt_tos == ["sara@akut.example.dk"]
    assert f"#{follow_up.plan.person_id}".encode() in envelope.content


@pytest.mark.django_db
def test_a_rolled_back_reminder_run_leaves_nothing_reminded_and_nothing_to_send(staff_user):
    staff_user.email = "sara@akut.example.dk"
    staff_user.save()
    now = timezone.now()
    FollowUpFactory(due_at=now - datetime.timedelta(minutes=5))

    with pytest.raises(RuntimeError), transaction.atomic():
        send_due_followup_reminders(now)
        raise RuntimeError("the worker died before the commit")

    assert OutboxMessage.objects.count() == 0
    assert Reminder.objects.count() == 0
    assert FollowUp.objects.filter(reminded_at__isnull=False).count() == 0


@pytest.mark.django_db
def test_mail_is_given_up_after_the_set_time_and_the_leader_is_warned(
    smtp_settings, leader_client, settings, caplog
):
    settings.OUTBOX_GIVE_UP = datetime.timedelta(hours=24)
    created = timezone.now() - datetime.timedelta(hours=30)
    message = _message(created)
    assert outbox.deliver(created) == 0
    assert leader_client.get(reverse("reporting:dashboard")).context["failed_mail"] == []

    with caplog.at_level(logging.WARNING, logger="akuttilbud.outbox"):
        assert outbox.deliver(created + datetime.timedelta(hours=24, minutes=1)) == 0
    message.refresh_from_db()
    assert message.failed_at is not None
    assert "given up after 2 attempts" in caplog.text
    assert outbox.deliver(timezone.now() + datetime.timedelta(days=1)) == 0
    message.refresh_from_db()
    assert message.attempts == 2

    page = leader_client.get(reverse("reporting:dashboard")).content.decode()
    assert "E-mails der ikke kunne sendes" in page
    assert "“Opfølgninger i dag”" in page
    assert "sara@akut.dk" in page


@pytest.mark.django_db
def test_a_claimed_message_is_left_alone_for_the_lease_and_then_sent_once(
    smtp_settings, smtp_server, settings
):
    """A worker that died after claiming a message (and before the server accepted it)."""
    now = timezone.now()
    message = _message(now)
    recorder = smtp_server(smtp_settings)
    (claimed,) = outbox._claim(now)
    assert claimed.pk == message.pk

    assert outbox.deliver(now + settings.OUTBOX_LEASE - datetime.timedelta(seconds=1)) == 0
    assert recorder.messages == []
    assert outbox.deliver(now + settings.OUTBOX_LEASE) == 1
    assert outbox.deliver(now + 2 * settings.OUTBOX_LEASE) == 0
    assert len(recorder.messages) == 1


@pytest.mark.django_db
def test_sent_and_given_up_mail_is_deleted_after_the_keep_time_and_waiting_mail_never(settings):
    now = timezone.now()
    old = now - settings.OUTBOX_KEEP - datetime.timedelta(days=1)
    sent, failed, waiting = _message(old), _message(old), _message(old)
    OutboxMessage.objects.filter(pk=sent.pk).update(sent_at=old)
    OutboxMessage.objects.filter(pk=failed.pk).update(failed_at=old)

    assert outbox.purge(now) == 2
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [waiting.pk]


@pytest.mark.django_db
def test_a_newcomer_sees_the_reminder_digest_of_the_demo_data_on_the_console(
    settings, capsys, django_capture_on_commit_callbacks
):
    # Development's mail backend (EMAIL_URL's default, consolemail://); pytest-django swaps in locmem.
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo")
    later = timezone.localtime() + datetime.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_followup_reminders", "--now", later.strftime("%Y-%m-%dT%H:%M"))

    printed = capsys.readouterr().out
    assert "To: staff@akuttilbud.example, staff2@akuttilbud.example" in printed
    assert "To: leader@akuttilbud.example" in printed
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_each_message_once(smtp_settings, smtp_server, monkeypatch):
    require_postgres()
    monkeypatch.setattr(outbox, "BATCH", 5)
    now = timezone.now()
    messages = [_message(now) for _number in range(40)]
    recorder = smtp_server(smtp_settings)
    sent = []

    def worker():
        while delivered := outbox.deliver(now):
            sent.append(delivered)

    assert at_once(worker, worker)[1] == []

    assert sum(sent) == len(messages)
    ids = [email.message_from_bytes(envelope.content)["Message-ID"] for envelope in recorder.messages]
    assert sorted(ids) == sorted(message.message_id for message in messages)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_periodic_task_delivers_what_is_due_and_the_message_id_names_the_senders_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "Akuttilbud <akuttilbud@kommune.example.dk>"
    message = _message(timezone.now() - datetime.timedelta(seconds=1))
    assert message.message_id.endswith("@kommune.example.dk>")

    assert deliver_outbox_task.delay().get() == 1
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert deliver_outbox_task.delay().get() == 0
