from celery import shared_task

from .audit import write_checkpoint
from .services import purge_old_audit_events


@shared_task
def purge_old_audit_events_task():
    return purge_old_audit_events().detail["count"]


@shared_task
def checkpoint_audit_chain_task():
    checkpoint = write_checkpoint()
    return checkpoint["id"] if checkpoint else None
