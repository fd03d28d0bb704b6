"""Writes of contacts: logging one, a walk-in's arrival, the conversation, changes."""

import logging

from django.db import transaction
from django.utils import timezone

from akuttilbud.audit import audit
from akuttilbud.locking import claim_version
from akuttilbud.models import AuditAction
from reporting import summaries

from ..models import CallerRole, Channel, Contact, CrisisConversation, Direction
from . import _audit_contact_change, _changed_fields, _municipality_of
from .persons import create_person

logger = logging.getLogger(__name__)

CONTACT_FIELDS = [
    "channel",
    "direction",
    "caller_role",
    "caller_partner",
    "person",
    "stated_age",
    "started_at",
    "answered_at",
    "ended_at",
    "acuteness",
    "in_target_group",
    "summary",
    "staff",
    "notification_decision",
    "notified_at",
]


CONVERSATION_FIELDS = ["situation", "actions", "agreed", "assessment"]


@transaction.atomic
def log_contact(*, user, data, reasons=(), outcomes=(), conversation=None, request=None):
    """Create a contact from ``data`` (contact field values), with its reasons, outcomes and
    optionally its crisis conversation (a dict of the conversation's texts)."""
    contact = Contact(**{name: value for name, value in data.items() if name in CONTACT_FIELDS})
    if contact.staff_id is None:
        contact.staff = user
    contact.municipality_id = _municipality_of(contact.person)
    contact.full_clean()
    contact.save()
    contact.reasons.set(reasons)
    contact.outcomes.set(outcomes)
    summaries.contact_changed(after=contact)
    if conversation and any(conversation.get(name) for name in CONVERSATION_FIELDS):
        _write_conversation(contact, user, conversation)
    audit(AuditAction.CREATE, request=request, user=user, obj=contact, person=contact.person)
    logger.info("contact %s logged by user %s", contact.pk, getattr(user, "pk", None))
    return contact


def quick_log(*, user, channel, acuteness, summary, answered_at=None, person=None, now=None, request=None):
    """Save a call taken at the desk: answered when the key was pressed, ended now; tied to
    ``person`` when staff found the caller."""
    now = now or timezone.now()
    answered_at = answered_at or now
    return log_incoming_call(
        user=user,
        request=request,
        channel=channel,
        acuteness=acuteness,
        summary=summary,
        person=person,
        started_at=answered_at,
        answered_at=answered_at,
        ended_at=max(now, answered_at),
        staff=user,
    )


def log_incoming_call(
    *,
    user,
    started_at,
    answered_at,
    ended_at,
    staff,
    channel=Channel.PHONE,
    acuteness=None,
    summary="",
    person=None,
    request=None,
):
    """Save a citizen's call to the desk as a contact with the call's times, taken by ``staff``."""
    return log_contact(
        user=user,
        request=request,
        data={
            "channel": channel,
            "direction": Direction.INCOMING,
            "caller_role": CallerRole.CITIZEN,
            "person": person,
            "acuteness": acuteness,
            "summary": summary,
            "started_at": started_at,
            "answered_at": answered_at,
            "ended_at": ended_at,
            "staff": staff,
        },
    )


@transaction.atomic
def register_arrival(
    *, user, person=None, name="", nickname="", stated_age=None, arrived_at=None, request=None
):
    """Put a walk-in on the board. A walk-in belongs to a person, so one is started when none
    is given; its CPR number can be added later."""
    if person is None:
        person = create_person(user=user, data={"name": name, "nickname": nickname}, request=request)
    return log_contact(
        user=user,
        request=request,
        data={
            "channel": Channel.WALK_IN,
            "direction": Direction.INCOMING,
            "person": person,
            "stated_age": stated_age,
            "started_at": arrived_at or timezone.now(),
        },
    )


@transaction.atomic
def start_conversation(*, contact, user, now=None, request=None):
    """Take a waiting walk-in into a conversation: sets answered and the staff member."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.answered_at is not None:
        return contact
    contact.answered_at = max(now or timezone.now(), contact.started_at)
    contact.staff = user
    contact.full_clean()
    contact.save(update_fields=["answered_at", "staff", "updated_at"])
    # Its wait is counted from the answer.
    summaries.contact_changed(after=contact)
    _audit_contact_change(contact, ["answered_at", "staff"], user=user, request=request)
    return contact


@transaction.atomic
def update_contact(
    *, contact, user, data, reasons=None, outcomes=None, conversation=None, version=None, request=None
):
    """Change a contact's fields (``data``), and its reasons, outcomes and crisis conversation (a
    dict of the conversation's texts) when given. One save: a conversation that cannot be written
    leaves the contact as it was, and the contact's version covers its conversation too.

    ``version`` is the one the form was opened at: ``EditConflict`` when another save came since.
    """
    claim_version(contact, version)
    before = summaries.placed(contact)
    for name, value in data.items():
        if name in CONTACT_FIELDS:
            setattr(contact, name, value)
    if contact.person_id != before.person_id:
        contact.municipality_id = _municipality_of(contact.person)
    contact.full_clean()
    changed = _changed_fields(contact, CONTACT_FIELDS)
    # Only the form's fields: a person linked meanwhile is not undone by a page opened before.
    contact.save(update_fields=[*CONTACT_FIELDS, "municipality", "version", "updated_at"])
    if reasons is not None:
        contact.reasons.set(reasons)
        changed.append("reasons")
    if outcomes is not None:
        contact.outcomes.set(outcomes)
        changed.append("outcomes")
    summaries.contact_changed(before=before, after=contact)
    _audit_contact_change(contact, changed, user=user, request=request)
    if conversation is not None:
        save_conversation(contact=contact, user=user, texts=conversation, request=request)
    return contact


def _write_conversation(contact, user, texts):
    conversation, _created = CrisisConversation.objects.get_or_create(contact=contact)
    for name in CONVERSATION_FIELDS:
        if name in texts:
            setattr(conversation, name, texts[name] or "")
    conversation.updated_by = user
    conversation.full_clean()
    conversation.save()
    return conversation


@transaction.atomic
def save_conversation(*, contact, user, texts, request=None):
    """Write the crisis conversation of a contact (situation, what was done, agreed, assessment)."""
    conversation = _write_conversation(contact, user, texts)
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=conversation,
        person_id=contact.person_id,
        detail={"contact_id": contact.pk},
    )
    return conversation
