"""Calls at the desk: every answered call becomes exactly one contact.

A staff member describes a call with the quick log, prefilled with the call's own times; a call
nobody described in time is saved by ``save_undescribed_calls`` with its times only and shown on
the board as not described, for the shift to complete.
"""

import datetime
import logging

from django.db import transaction

from contacts.models import Callback, CallbackClosure, Contact
from contacts.services import contacts as contact_services

from .models import CallSession, CallStatus, TelephonySettings

logger = logging.getLogger(__name__)

# How far back the board looks for calls to describe and call-backs the line closed.
BOARD_LOOKBACK = datetime.timedelta(hours=12)
# Calls the undescribed-calls task saves in one run; the next run takes the rest.
UNDESCRIBED_BATCH = 500


def _describable():
    """Incoming calls someone answered that have no contact yet."""
    return CallSession.objects.filter(
        status__in=(CallStatus.IN_PROGRESS, CallStatus.ANSWERED), contact__isnull=True
    )


def live_call(user):
    """The call on the user's extension now that has no contact yet, the latest answered first."""
    return (
        _describable()
        .filter(answered_by=user, status=CallStatus.IN_PROGRESS)
        .order_by("-answered_at", "-pk")
        .first()
    )


def call_to_describe(user, call_id):
    """The call a quick log is for: the one asked for (described already or not, so that saving
    it again leads to its one contact), else the user's live call, else none."""
    if call_id is not None:
        return CallSession.objects.filter(
            pk=call_id, status__in=(CallStatus.IN_PROGRESS, CallStatus.ANSWERED)
        ).first()
    return live_call(user)


def log_call(*, user, session, request=None, **description):
    """The quick log of a call: one contact with the call's times, linked to the call.
    ``description`` is what staff typed (channel, acuteness, summary, person), passed on to
    ``log_incoming_call`` as it is.

    Saved twice (a second tab, a retry with another token) it returns the first contact.
    """
    with transaction.atomic():
        session = CallSession.objects.select_for_update().get(pk=session.pk)
        if session.contact_id is not None:
            return session.contact
        contact = contact_services.log_incoming_call(
            user=user,
            request=request,
            started_at=session.ringing_at,
            answered_at=session.answered_at,
            ended_at=session.ended_at,
            staff=session.answered_by or user,
            **description,
        )
        session.contact = contact
        session.save(update_fields=["contact", "updated_at"])
    logger.info("call %s described as contact %s", session.pk, contact.pk)
    return contact


def end_contact(session):
    """A call described while it was live gets its end time when the line reports it."""
    # No summary counts a contact's end, so no day is marked.
    if session.contact_id is not None and session.ended_at is not None:
        Contact.objects.filter(pk=session.contact_id, ended_at__isnull=True).update(ended_at=session.ended_at)


def save_undescribed_calls(*, now):
    """Save every answered call nobody described within the setting's minutes of its end as a
    contact with its times only. Safe to run twice at once: each call is taken under a lock that
    a second run skips, and checked again once held. Returns the contacts saved."""
    minutes = TelephonySettings.load().undescribed_after_minutes
    cutoff = now - datetime.timedelta(minutes=minutes)
    candidates = list(
        CallSession.objects.filter(status=CallStatus.ANSWERED, contact__isnull=True, ended_at__lte=cutoff)
        .order_by("ended_at")
        .values_list("pk", flat=True)[:UNDESCRIBED_BATCH]
    )
    saved = []
    for pk in candidates:
        with transaction.atomic():
            session = (
                CallSession.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("answered_by")
                .filter(pk=pk, contact__isnull=True)
                .first()
            )
            if session is None:
                continue
            contact = contact_services.log_incoming_call(
                user=session.answered_by,
                started_at=session.ringing_at,
                answered_at=session.answered_at,
                ended_at=session.ended_at,
                staff=session.answered_by,
            )
            session.contact = contact
            session.contact_undescribed = True
            session.save(update_fields=["contact", "contact_undescribed", "updated_at"])
        saved.append(contact)
    if saved:
        logger.info("%s undescribed calls saved as contacts", len(saved))
    return saved


def board_calls(user, now):
    """What the board's calls section shows the user."""
    since = now - BOARD_LOOKBACK
    mine = CallSession.objects.filter(answered_by=user).select_related("line")
    return {
        "live_calls": mine.filter(status=CallStatus.IN_PROGRESS).order_by("answered_at"),
        "calls_to_describe": mine.filter(
            status=CallStatus.ANSWERED, contact__isnull=True, ended_at__gte=since
        ).order_by("-ended_at")[:10],
        # Everyone's: the shift completes them together.
        "undescribed_calls": CallSession.objects.filter(
            contact_undescribed=True, contact__summary="", ringing_at__gte=now - datetime.timedelta(hours=24)
        )
        .select_related("contact", "answered_by")
        .order_by("-ringing_at")[:20],
        "callbacks_closed_by_line": Callback.objects.exclude(closed_by=CallbackClosure.DESK)
        .filter(done_at__gte=since)
        .select_related("person")
        .order_by("-done_at")[:10],
    }
