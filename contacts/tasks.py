from celery import shared_task
from django.utils import timezone

from .retention import apply_retention


@shared_task
def apply_retention_task():
    return len(apply_retention(now=timezone.now(), dry_run=False))
