from celery import shared_task
from django.utils import timezone

from .services import purge_old_audit_events


@shared_task
def purge_old_audit_events_task():
    return purge_old_audit_events(now=timezone.now()).detail["count"]
