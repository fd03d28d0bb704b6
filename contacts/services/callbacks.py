"""Writes of call-backs: registering one and completing it as an outgoing contact."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction, ServiceSettings

from ..models import Callback, Channel, Direction
from .contacts import log_contact


@transaction.atomic
def register_callback(*, kind, received_at, phone, user, note="", person=None, due_at=None, request=None):
    """Register a missed call, voicemail or SMS, due by the time promised (``due_at``) or else
    by the service's call-back goal. ``phone`` is a normalised number (``akuttilbud.phone``)."""
    if due_at is None:
        goal = datetime.timedelta(hours=ServiceSettings.load().goal_call_back_hours)
        due_at = received_at + goal
    callback = Callback(
        kind=kind,
        received_at=received_at,
        note=note or "",
        person=person,
        due_at=due_at,
        created_by=user,
    )
    callback.set_phone(phone)
    callback.full_clean()
    callback.save()
    audit(AuditAction.CREATE, request=request, user=user, obj=callback, person=person)
    return callback


@transaction.atomic
def complete_callback(*, callback, user, summary="", acuteness=None, now=None, request=None):
    """Mark a call-back done and log the outgoing phone contact it was."""
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    if callback.done_at is not None:
        raise ValidationError(_("This call-back has already been made."))
    now = now or timezone.now()
    contact = log_contact(
        user=user,
        request=request,
        data={
            "channel": Channel.PHONE,
            "direction": Direction.OUTGOING,
            "person": callback.person,
            "started_at": now,
            "answered_at": now,
            "acuteness": acuteness,
            "summary": summary,
            "staff": user,
        },
    )
    callback.done_at = now
    callback.done_by = user
    callback.contact = contact
    callback.full_clean()
    callback.save(update_fields=["done_at", "done_by", "contact"])
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=callback,
        person_id=callback.person_id,
        detail={"fields": ["done_at"], "contact_id": contact.pk},
    )
    return callback
