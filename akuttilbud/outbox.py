"""Outgoing e-mail that cannot be lost: written to the outbox in the caller's transaction,
delivered afterwards with retries, sent once or shown to the leader as failed.

Delivery claims due messages in a short transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never take the same one) by moving their next attempt a lease ahead,
then sends each over SMTP and sets ``sent_at`` right after the server accepted it. A worker
killed before the server accepted a message leaves it claimed; once the lease has passed the
next sweep sends it. SMTP offers no way to ask whether a message arrived, so a crash in the
moment between the server's acceptance and the ``sent_at`` update (one UPDATE) sends it again
after the lease; the copy carries the same Message-ID, which mail programs use to show one.
"""

import datetime
import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 50
# Failed messages stay on the leader's dashboard this long; it lists at most SHOWN_AT_MOST.
SHOWN_FOR = datetime.timedelta(days=7)
SHOWN_AT_MOST = 20


def enqueue(*, subject, body, recipients, html="", now=None):
    """Put one e-mail in the outbox; call inside the transaction whose commit decides it is sent."""
    now = now or timezone.now()
    return OutboxMessage.objects.create(
        created_at=now,
        next_attempt_at=now,
        subject=subject,
        body=body,
        html=html,
        recipients=list(recipients),
        message_id=make_msgid(domain=parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None),
    )


def retry_delay(attempts):
    """1, 2, 4 … minutes after the first, second, third … failed attempt, at most an hour."""
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), 60))


def _claim(now):
    with transaction.atomic():
        claimed = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:BATCH]
        )
        OutboxMessage.objects.filter(pk__in=[message.pk for message in claimed]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + settings.OUTBOX_LEASE
        )
    for message in claimed:
        message.attempts += 1
    return claimed


def _email(message, connection):
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message.recipients,
        headers={"Message-ID": message.message_id},
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def _record_failure(message, error, now):
    update = {"last_error": f"{type(error).__name__}: {error}"[:500]}
    if now - message.created_at >= settings.OUTBOX_GIVE_UP:
        update["failed_at"] = now
        logger.warning(
            "e-mail %s given up after %s attempts: %s", message.pk, message.attempts, update["last_error"]
        )
    else:
        update["next_attempt_at"] = now + retry_delay(message.attempts)
        logger.warning("e-mail %s not sent (attempt %s), tried again later", message.pk, message.attempts)
    OutboxMessage.objects.filter(pk=message.pk).update(**update)


def _close(connection):
    # A connection that broke mid-send is dropped, so the next message opens a fresh one.
    try:
        connection.close()
    except OSError:
        logger.info("SMTP connection closed uncleanly")


def deliver(now=None):
    """Send the messages that are due; return how many the SMTP server accepted."""
    now = now or timezone.now()
    claimed = _claim(now)
    if not claimed:
        return 0
    sent = 0
    connection = get_connection()
    try:
        for message in claimed:
            try:
                _email(message, connection).send()
            # Any error, not only SMTP's: a message that can never be sent must end as failed.
            except Exception as error:
                _record_failure(message, error, now)
                _close(connection)
                continue
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), last_error="")
            sent += 1
    finally:
        _close(connection)
    logger.info("outbox: %s of %s messages sent", sent, len(claimed))
    return sent


def deliver_on_commit(now=None):
    """Try delivery as soon as the caller's transaction commits; the periodic sweep retries."""
    transaction.on_commit(lambda: deliver(now))


def purge(now=None):
    """Delete sent and given-up messages after ``OUTBOX_KEEP``: a digest names citizens' initials."""
    cutoff = (now or timezone.now()) - settings.OUTBOX_KEEP
    deleted, _rows = (
        OutboxMessage.objects.filter(created_at__lt=cutoff)
        .exclude(sent_at__isnull=True, failed_at__isnull=True)
        .delete()
    )
    return deleted


def failed_recently(now=None):
    """Messages given up on within ``SHOWN_FOR``, newest first, for the leader's dashboard."""
    since = (now or timezone.now()) - SHOWN_FOR
    return OutboxMessage.objects.filter(failed_at__gte=since).order_by("-failed_at")[:SHOWN_AT_MOST]
