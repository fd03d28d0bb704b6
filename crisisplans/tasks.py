from celery import shared_task
from django.utils import timezone

from .services import send_due_followup_reminders


@shared_task(
    name="crisisplans.tasks.send_due_followup_reminders_task",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def send_due_followup_reminders_task():
    """Beat runs this at 06:00 and hourly as catch-up; the job itself makes repeats harmless."""
    return send_due_followup_reminders(timezone.now())
