from celery import shared_task
from django.core.management import call_command

from . import outbox
from .audit import write_checkpoint
from .services import purge_old_audit_events


@shared_task
def purge_old_audit_events_task():
    return purge_old_audit_events().detail["count"]


@shared_task
def checkpoint_audit_chain_task():
    checkpoint = write_checkpoint()
    return checkpoint["id"] if checkpoint else None


@shared_task
def clear_expired_sessions_task():
    # Sessions end in the browser after 12 hours or at closing, but their rows (user id, second
    # factor) stay in the database until Django's own clean-up removes them.
    call_command("clearsessions")


@shared_task
def deliver_outbox_task():
    """Every minute: send what is due in the outbox, and drop what is old and done."""
    outbox.purge()
    return outbox.deliver()
