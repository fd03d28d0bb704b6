from celery import shared_task
from django.utils import timezone

from .retention import apply_number_retention


@shared_task
def apply_number_retention_task():
    """Daily: callers' numbers are kept for days, so a monthly run would keep them weeks longer."""
    return apply_number_retention(now=timezone.now(), dry_run=False).total
