"""Missed calls become call-backs, and the line closes them when the caller is reached.

Called from ``services.record_call_event`` inside its transaction, so a missed call and its
call-back are stored together or not at all. The SMS to the caller goes after the commit.
"""

import datetime
import logging

from django.db import transaction

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from contacts.models import Callback, CallbackClosure, CallbackKind
from contacts.services import callbacks as contact_services

from . import tasks
from .models import CallStatus, TelephonySettings

logger = logging.getLogger(__name__)

# What kind of call-back each missed status owes.
MISSED_KINDS = {CallStatus.ABANDONED: CallbackKind.MISSED_CALL, CallStatus.VOICEMAIL: CallbackKind.VOICEMAIL}
REACHED = (CallStatus.IN_PROGRESS, CallStatus.ANSWERED)


def owes_callback(session, grace_seconds):
    """A voicemail, or a caller with a number who gave up after the grace time."""
    if session.caller_withheld or session.status not in MISSED_KINDS:
        return False
    if session.status == CallStatus.VOICEMAIL:
        return True
    return session.ended_at - session.ringing_at > datetime.timedelta(seconds=grace_seconds)


def follow_up(session, *, previous_status, number, callback_owed):
    """What the call's new state leads to, before the session is saved.

    ``number`` is the caller's normalised number as this event sent it (``None`` when it sent
    none: the stored one is used then); ``callback_owed`` False when the number is known to be
    owed no open call-back, so a call reached has none to close. Returns the call-back created
    for this call, if one was; its SMS, when the settings ask for one, is queued for after the
    commit.
    """
    if session.status == previous_status:
        return None
    if session.status in REACHED and previous_status in REACHED:
        # The call was reached already and closed what it settles then; its end settles nothing.
        return None
    number = number or session.decrypted_phone()
    if number is None:
        return None
    if session.status in REACHED or session.status == CallStatus.OUTGOING:
        if callback_owed:
            _close_for_number(session, number)
        return None
    if session.callback_id is not None:
        # Out of order: a voicemail event arrived after the end that made it a missed call.
        Callback.objects.filter(pk=session.callback_id, done_at__isnull=True).update(
            kind=MISSED_KINDS.get(session.status, CallbackKind.MISSED_CALL)
        )
        return None
    telephony_settings = TelephonySettings.load()
    if not owes_callback(session, telephony_settings.grace_seconds):
        return None
    existing = Callback.objects.open().for_number(number).order_by("due_at").first()
    if existing is not None:
        # The caller tried again while a call-back is still owed: they are owed one call, not two.
        session.callback = existing
        return None
    session.callback = contact_services.register_callback(
        kind=MISSED_KINDS[session.status],
        received_at=session.ringing_at,
        phone=number,
        user=None,
        note="",
    )
    if telephony_settings.sms_enabled:
        callback = session.callback
        transaction.on_commit(lambda: tasks.send_missed_call_sms_task.delay(session.pk, callback.pk))
    return session.callback


def _close_for_number(session, number):
    """Close what the line has settled: the caller got through, or staff rang them from the line."""
    reached_at = session.answered_at or session.ringing_at
    closure = (
        CallbackClosure.CALLED_OUT if session.status == CallStatus.OUTGOING else CallbackClosure.GOT_THROUGH
    )
    open_callbacks = list(
        Callback.objects.open().for_number(number).filter(received_at__lte=reached_at).only("pk", "person_id")
    )
    if not open_callbacks:
        return
    Callback.objects.filter(pk__in=[callback.pk for callback in open_callbacks]).update(
        done_at=reached_at, done_by=session.answered_by_id, closed_by=closure
    )
    for callback in open_callbacks:
        audit(
            AuditAction.UPDATE,
            obj=callback,
            person_id=callback.person_id,
            detail={"fields": ["done_at", "closed_by"], "closed_by": closure, "call_id": session.pk},
        )
        logger.info("call-back %s closed by call %s (%s)", callback.pk, session.pk, closure)
