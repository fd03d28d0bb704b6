import logging

from celery import shared_task
from django.utils import timezone

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from contacts.models import Callback

from . import desk, sms
from .models import CallSession, TelephonySettings
from .retention import apply_number_retention

logger = logging.getLogger(__name__)


@shared_task
def apply_number_retention_task():
    """Daily: callers' numbers are kept for days, so a monthly run would keep them weeks longer."""
    return apply_number_retention(now=timezone.now(), dry_run=False).total


@shared_task
def save_undescribed_calls_task():
    return len(desk.save_undescribed_calls(now=timezone.now()))


@shared_task
def send_missed_call_sms_task(session_id, callback_id):
    """Text a missed caller the promised time, once. Every message, sent or refused, is audited."""
    telephony_settings = TelephonySettings.load()
    callback = Callback.objects.filter(pk=callback_id).first()
    if not telephony_settings.sms_enabled or callback is None:
        return None
    # Claiming the session first makes a repeated task (a worker lost after sending) send nothing.
    claimed = CallSession.objects.filter(pk=session_id, sms_sent_at__isnull=True).update(
        sms_sent_at=timezone.now()
    )
    number = CallSession.objects.get(pk=session_id).decrypted_phone() if claimed else None
    if number is None:
        return None
    backend = sms.get_backend()
    text = sms.promised_text(telephony_settings.sms_text, callback.due_at)
    try:
        message_id = backend.send(number, text)
    except sms.SmsError as error:
        audit(
            AuditAction.SMS,
            obj=callback,
            person_id=callback.person_id,
            detail={"sent": False, "backend": type(backend).__module__, "reason": str(error)},
        )
        logger.warning("SMS for call-back %s not sent: %s", callback.pk, error)
        return None
    audit(
        AuditAction.SMS,
        obj=callback,
        person_id=callback.person_id,
        detail={"sent": True, "backend": type(backend).__module__, "message_id": message_id},
    )
    logger.info("SMS for call-back %s sent as %s", callback.pk, message_id)
    return message_id
