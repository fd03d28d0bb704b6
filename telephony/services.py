"""Writes of the phone line: the events that make a call, and what a call leads to
(``callbacks`` for missed calls, ``desk`` for the contact an answered call becomes).

``record_call_event`` is the one door every switchboard adapter goes through (the signed event
API, Twilio, Asterisk, the CDR import).
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from akuttilbud import phone as phone_module
from akuttilbud.audit import audit, form_changes, formset_changes
from akuttilbud.models import AuditAction

from . import callbacks, desk, live
from .models import CallEvent, CallSession, EventKind, Extension, HungUpBy, Line

logger = logging.getLogger(__name__)

WITHHELD = "withheld"


class UnknownLine(ValidationError):
    def __init__(self):
        super().__init__(_("Unknown line."), code="unknown_line")


def _earliest(current, at):
    return at if current is None or at < current else current


def _latest(current, at):
    return at if current is None or at > current else current


def _apply(session, *, kind, at, extension, hung_up_by, staff_by_extension):
    """Fold one event into the session's times. Each time is the earliest or latest of its
    events, and the status follows from the times, so any arrival order gives the same call."""
    session.ringing_at = _earliest(session.ringing_at, at)
    if kind in (EventKind.ANSWERED, EventKind.OUTGOING):
        # The first answer is the one that counts: the wait ends there and its extension took it.
        first_answer = session.answered_at is None or at < session.answered_at
        if extension and (first_answer or not session.extension):
            session.extension = extension
            session.answered_by_id = staff_by_extension.get(extension)
        session.answered_at = _earliest(session.answered_at, at)
        if kind == EventKind.OUTGOING:
            session.outgoing = True
    elif kind == EventKind.VOICEMAIL:
        session.voicemail_at = _earliest(session.voicemail_at, at)
    elif kind in (EventKind.BUSY, EventKind.FAILED):
        session.failed_at = _earliest(session.failed_at, at)
        session.ended_at = _latest(session.ended_at, at)
    elif kind == EventKind.ENDED:
        session.ended_at = _latest(session.ended_at, at)
        if hung_up_by:
            session.hung_up_by = hung_up_by
    session.status = session.derive_status()


def _staff_by_extension(kind, extension):
    if extension and kind in (EventKind.ANSWERED, EventKind.OUTGOING):
        return Extension.objects.filter(number=extension).staff_by_number()
    return {}


def _locked_session(*, call_id, line, number, at):
    """The call's session, locked for this transaction; created when this is its first event.

    Two events of a new call may arrive at once: the insert ignores the conflict so that the
    second waits on the first's row lock instead of failing on the unique call id.
    """
    sessions = CallSession.objects.select_for_update()
    session = sessions.filter(call_id=call_id).first()
    if session is None:
        new = CallSession(call_id=call_id, line=line, ringing_at=at, caller_withheld=number is None)
        new.set_phone(number)
        CallSession.objects.bulk_create([new], ignore_conflicts=True)
        session = sessions.get(call_id=call_id)
    return session


def record_call_event(*, call_id, event, at, line, caller, extension, event_id, source, hung_up_by=""):
    """Record one switchboard event and return the call's session as it now stands.

    ``line`` is the line's code; ``caller`` the number as sent (E.164, a Danish number or
    ``withheld``): anything that is not a number is treated as withheld and never stored.
    The same ``event_id`` twice changes nothing. Raises ``UnknownLine`` for a line not set up.
    """
    if event not in EventKind.values:
        raise ValidationError(_("Unknown event."), code="unknown_event")
    number = phone_module.normalise(caller) if caller and caller != WITHHELD else None
    if hung_up_by not in HungUpBy.values:
        hung_up_by = ""
    try:
        return _record(
            call_id=call_id,
            kind=event,
            at=at,
            line_code=line,
            number=number,
            extension=extension or "",
            event_id=event_id,
            source=source,
            hung_up_by=hung_up_by,
        )
    except IntegrityError:
        # The same event arrived twice at once (a switchboard's retry): the other request
        # stored it between our check and our insert, and its call stands.
        existing = CallEvent.objects.select_related("session").filter(event_id=event_id).first()
        if existing is None:
            raise
        return existing.session


@transaction.atomic
def _record(*, call_id, kind, at, line_code, number, extension, event_id, source, hung_up_by):
    line = Line.objects.filter(code=line_code).first()
    if line is None:
        raise UnknownLine()
    repeated = CallEvent.objects.select_related("session").filter(event_id=event_id).first()
    if repeated is not None:
        return repeated.session
    session = _locked_session(call_id=call_id, line=line, number=number, at=at)
    CallEvent.objects.create(
        session=session,
        event_id=event_id,
        kind=kind,
        at=at,
        extension=extension,
        hung_up_by=hung_up_by,
        source=source,
    )
    if number is not None and not session.has_phone:
        session.set_phone(number)
        session.caller_withheld = False
    previous_status = session.status
    _apply(
        session,
        kind=kind,
        at=at,
        extension=extension,
        hung_up_by=hung_up_by,
        staff_by_extension=_staff_by_extension(kind, extension),
    )
    callbacks.follow_up(session, previous_status=previous_status, number=number)
    session.save()
    if kind == EventKind.ENDED:
        desk.end_contact(session)
    live.announce_after_commit(line.code)
    # Ids only: a switchboard's call and event ids may well contain the caller's number.
    logger.info("call %s: %s event from %s", session.pk, kind, source)
    return session


@transaction.atomic
def save_line_settings(*, settings_form, lines, extensions, request):
    """Save the phone-line settings, lines and extensions as one change, and audit it.

    Raises ``ProtectedError`` (and saves nothing) when a deleted line still has calls."""
    changes = form_changes(settings_form)
    settings_row = settings_form.save()
    lines.save()
    extensions.save()
    audit(
        AuditAction.SETTINGS_CHANGE,
        request=request,
        obj=settings_row,
        detail={
            "settings": "telephony",
            "changes": changes,
            "lines": formset_changes(lines),
            "extensions": formset_changes(extensions),
        },
    )
    return settings_row
