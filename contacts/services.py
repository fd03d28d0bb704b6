"""Writes of the contacts app: contacts, persons, stays, call-backs and handover notes.

Every function is keyword-only, runs in one transaction, validates with ``full_clean()`` and
writes the audit log. Callers pass what the user typed as already validated form data.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud import cpr as cpr_module
from akuttilbud import phone as phone_module
from akuttilbud.audit import audit
from akuttilbud.locking import claim_version
from akuttilbud.models import AuditAction, ServiceSettings

from .models import (
    Callback,
    CallerRole,
    Channel,
    Contact,
    CrisisConversation,
    Direction,
    Person,
    PsychiatryContact,
    ShiftNote,
    Stay,
)

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
PERSON_FIELDS = [
    "name",
    "nickname",
    "birth_year",
    "home_municipality",
    "psychiatry_contact",
    "notes",
]
CONVERSATION_FIELDS = ["situation", "actions", "agreed", "assessment"]


class DuplicateCPR(ValidationError):
    """Another person already holds this CPR number; ``existing`` is that person."""

    def __init__(self, existing):
        super().__init__(
            {"cpr": _("Another person already has this CPR number. You can merge the two persons.")},
        )
        self.existing = existing


def _changed_fields(instance, fields):
    """Names of the fields whose value differs from the row in the database."""
    stored = type(instance)._base_manager.filter(pk=instance.pk).values(*fields).first() or {}
    return sorted(
        name
        for name in fields
        if stored.get(name) != getattr(instance, instance._meta.get_field(name).attname)
    )


# Contacts


def _municipality_of(person):
    """The citizen's municipality recorded on a contact or stay when it is tied to ``person``:
    billing charges the municipality of that time, so a later move does not rewrite history."""
    return person.home_municipality_id if person is not None else None


def _fill_in_municipality(person):
    """Contacts and stays of ``person`` recorded without a municipality get the one now known;
    those recorded with one keep it."""
    if person.home_municipality_id is None:
        return
    for model in (Contact, Stay):
        model.objects.filter(person=person, municipality__isnull=True).update(
            municipality_id=person.home_municipality_id
        )


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
            "started_at": answered_at,
            "answered_at": answered_at,
            "ended_at": max(now, answered_at),
            "staff": user,
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
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=contact,
        person_id=contact.person_id,
        detail={"fields": ["answered_at", "staff"]},
    )
    return contact


@transaction.atomic
def update_contact(*, contact, user, data, reasons=None, outcomes=None, version=None, request=None):
    """Change a contact's fields (``data``), and its reasons and outcomes when given.

    ``version`` is the one the form was opened at: ``EditConflict`` when another save came since.
    """
    claim_version(contact, version)
    person_before = contact.person_id
    for name, value in data.items():
        if name in CONTACT_FIELDS:
            setattr(contact, name, value)
    if contact.person_id != person_before:
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
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=contact,
        person_id=contact.person_id,
        detail={"fields": changed},
    )
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


@transaction.atomic
def link_person(*, contact, person, user, request=None):
    """Tie an anonymous contact to a person found or created afterwards."""
    claim_version(contact, None)
    contact.person = person
    contact.municipality_id = _municipality_of(person)
    contact.full_clean()
    contact.save(update_fields=["person", "municipality", "version", "updated_at"])
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=contact,
        person=person,
        detail={"fields": ["person"]},
    )
    return contact


# Persons


def disclose_duplicate(*, error, user, request=None):
    """Audit that a ``DuplicateCPR`` told the user who holds the number, and return that person.

    Called once the failed save has rolled back, so the event stays: the message shows that the
    citizen exists and links to them, a disclosure their access report must list.
    """
    existing = error.existing
    audit(
        AuditAction.VIEW,
        request=request,
        user=user,
        obj=existing,
        person=existing,
        detail={"duplicate_cpr": True},
    )
    return existing


def _ensure_cpr_free(digits, person=None):
    existing = Person.objects.with_cpr_index(cpr_module.blind_index(digits))
    if person is not None and person.pk:
        existing = existing.exclude(pk=person.pk)
    existing = existing.first()
    if existing is not None:
        raise DuplicateCPR(existing)


@transaction.atomic
def create_person(*, user, data, cpr=None, contact=None, request=None):
    """Create a person; ``cpr`` is a parsed CPR number or ``None``. When ``contact`` is given,
    that (so far anonymous) contact is tied to the new person."""
    person = Person(**{name: value for name, value in data.items() if name in PERSON_FIELDS})
    person.set_phone(data.get("phone") or None)
    if cpr:
        _ensure_cpr_free(cpr)
        person.set_cpr(cpr)
    person.full_clean()
    person.save()
    audit(
        AuditAction.CREATE, request=request, user=user, obj=person, person=person, detail={"cpr": bool(cpr)}
    )
    if contact is not None:
        link_person(contact=contact, person=person, user=user, request=request)
    return person


def _change_phone(person, data):
    """Apply the form's ``phone`` (a new number; empty keeps the stored one) and
    ``remove_phone``; True when the stored number changed."""
    stored_index = person.phone_index
    if data.get("remove_phone"):
        person.set_phone(None)
    elif data.get("phone"):
        person.set_phone(data["phone"])
    return person.phone_index != stored_index


@transaction.atomic
def update_person(*, person, user, data, version=None, request=None):
    """Change a person's fields; ``version`` as in ``update_contact``."""
    claim_version(person, version)
    for name, value in data.items():
        if name in PERSON_FIELDS:
            setattr(person, name, value)
    phone_changed = _change_phone(person, data)
    person.full_clean()
    changed = sorted(_changed_fields(person, PERSON_FIELDS) + (["phone"] if phone_changed else []))
    person.save()
    _fill_in_municipality(person)
    audit(
        AuditAction.UPDATE, request=request, user=user, obj=person, person=person, detail={"fields": changed}
    )
    return person


@transaction.atomic
def identify_person(*, person, cpr, user, request=None):
    """Give a person their CPR number. Raises ``DuplicateCPR`` when another person has it, so
    the user can merge the two instead."""
    _ensure_cpr_free(cpr, person)
    person.set_cpr(cpr)
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another request identified someone with the same number between the check and the save.
        _ensure_cpr_free(cpr, person)
        raise
    audit(
        AuditAction.UPDATE, request=request, user=user, obj=person, person=person, detail={"fields": ["cpr"]}
    )
    return person


def _is_blank(value, field_name):
    if field_name == "psychiatry_contact":
        return value in ("", None, PsychiatryContact.UNKNOWN)
    return value in ("", None)


@transaction.atomic
def merge_persons(*, keep, remove, user, request=None):
    """Move every record of ``remove`` to ``keep``, fill ``keep``'s blanks, delete ``remove``.

    Records are found through every reverse relation to Person, so records of other apps
    (plans, follow-ups, scores, ...) move too without this app knowing them.
    """
    if keep.pk == remove.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    remove = Person.objects.select_for_update().get(pk=remove.pk)
    if keep.has_cpr and remove.has_cpr:
        raise ValidationError(_("Both persons have a CPR number, so they are different people."))
    moved = {}
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many:
            accessor = relation.get_accessor_name()
            related = list(getattr(remove, accessor).all())
            getattr(keep, accessor).add(*related)
            count = len(related)
        elif relation.one_to_one and model._base_manager.filter(**{relation.field.name: keep}).exists():
            count = 0
        else:
            count = model._base_manager.filter(**{relation.field.name: remove}).update(
                **{relation.field.name: keep}
            )
        if count:
            moved[model._meta.label_lower] = count
    blanks = [name for name in PERSON_FIELDS if _is_blank(getattr(keep, name), name)]
    for name in blanks:
        setattr(keep, name, getattr(remove, name))
    if not keep.has_phone and remove.has_phone:
        keep.phone_encrypted, keep.phone_index, keep.phone_last4 = (
            remove.phone_encrypted,
            remove.phone_index,
            remove.phone_last4,
        )
    if not keep.has_cpr and remove.has_cpr:
        keep.cpr_encrypted, keep.cpr_index, keep.birth_date = (
            remove.cpr_encrypted,
            remove.cpr_index,
            remove.birth_date,
        )
    removed_id = remove.pk
    remove.delete()
    keep.full_clean()
    keep.save()
    _fill_in_municipality(keep)
    audit(
        AuditAction.MERGE,
        request=request,
        user=user,
        obj=keep,
        person=keep,
        detail={"removed_person_id": removed_id, "moved": moved},
    )
    audit(
        AuditAction.MERGE,
        request=request,
        user=user,
        person_id=removed_id,
        detail={"merged_into_person_id": keep.pk},
    )
    return keep


def _masked_criterion(kind, term):
    return f"{kind}:{term[:3]}…" if len(term) > 3 else f"{kind}:…"


def search_persons(*, term, user, request=None, limit=50):
    """Persons matching ``term``: a CPR number or a whole phone number (exactly, through their
    blind indexes only), otherwise part of a nickname or name. The search is audited with the
    criterion masked."""
    term = (term or "").strip()
    if not term:
        return []
    persons = Person.objects.visible_to(user).select_related("home_municipality")
    try:
        digits = cpr_module.parse(term)
    except ValidationError:
        digits = None
    if digits:
        results = list(persons.with_cpr_index(cpr_module.blind_index(digits))[:limit])
        criterion = "cpr"
    elif term.replace(" ", "").lstrip("+").isdigit():
        number = phone_module.normalise(term)
        index = phone_module.blind_index(number) if number else None
        results = list(persons.filter(phone_index=index).order_by("pk")[:limit]) if index else []
        criterion = "phone"
    else:
        results = list(
            persons.filter(Q(nickname__icontains=term) | Q(name__icontains=term)).order_by(
                "name", "nickname"
            )[:limit]
        )
        criterion = _masked_criterion("name", term)
    audit(
        AuditAction.SEARCH,
        request=request,
        user=user,
        person_ids=[person.pk for person in results],
        detail={"criterion": criterion, "hits": len(results)},
    )
    return results


def reveal_phone(*, record, user, person=None, request=None):
    """The clear number of a person or a call-back, to call it; every reveal is audited and
    linked to the citizen. Empty once retention has removed the clear number."""
    number = record.decrypted_phone()
    if not number:
        return ""
    audit(AuditAction.PHONE_REVEAL, request=request, user=user, obj=record, person=person)
    return phone_module.national_format(number)


def reveal_cpr(*, person, user, request=None):
    """The full CPR number, formatted; every reveal is audited."""
    digits = person.decrypted_cpr()
    if not digits:
        return ""
    audit(AuditAction.CPR_REVEAL, request=request, user=user, obj=person, person=person)
    return cpr_module.format_cpr(digits)


# Stays


def _stay_in_the_way(bed, check_in, check_out, exclude_pk=None):
    stays = Stay.objects.filter(bed=bed).overlapping(check_in, check_out).select_related("person")
    if exclude_pk:
        stays = stays.exclude(pk=exclude_pk)
    return stays.order_by("check_in").first()


def _overlap_error(stay):
    end = (
        timezone.localtime(stay.check_out).strftime("%d.%m.%Y %H:%M")
        if stay.check_out
        else _("not checked out")
    )
    return ValidationError(
        {
            "bed": _("Bed %(bed)s is taken by %(person)s from %(start)s to %(end)s.")
            % {
                "bed": stay.bed,
                "person": stay.person.label,
                "start": timezone.localtime(stay.check_in).strftime("%d.%m.%Y %H:%M"),
                "end": end,
            }
        }
    )


def _save_stay(stay):
    """Check the bed under a lock, then save; the PostgreSQL exclusion constraint is the
    backstop for anything that slips past the check."""
    beds = ServiceSettings.objects.select_for_update().get(pk=ServiceSettings.load().pk).beds
    if not 1 <= stay.bed <= beds:
        raise ValidationError({"bed": _("Choose a bed from 1 to %(beds)s.") % {"beds": beds}})
    stay.full_clean()
    in_the_way = _stay_in_the_way(stay.bed, stay.check_in, stay.check_out, exclude_pk=stay.pk)
    if in_the_way is not None:
        raise _overlap_error(in_the_way)
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError as error:
        if "stay_bed_no_overlap" not in str(error):
            raise
        in_the_way = _stay_in_the_way(stay.bed, stay.check_in, stay.check_out, exclude_pk=stay.pk)
        if in_the_way is None:
            raise ValidationError({"bed": _("The bed is taken at that time.")}) from error
        raise _overlap_error(in_the_way) from error
    return stay


@transaction.atomic
def book_stay(*, person, bed, check_in, user, check_out=None, meals=0, note="", contact=None, request=None):
    """Book a bed for a person. Refuses, naming the stay in the way, when the bed is taken."""
    stay = Stay(
        person=person,
        municipality_id=_municipality_of(person),
        bed=bed,
        check_in=check_in,
        check_out=check_out,
        meals=meals or 0,
        note=note or "",
        contact=contact,
        created_by=user,
    )
    _save_stay(stay)
    audit(AuditAction.CREATE, request=request, user=user, obj=stay, person=person)
    return stay


@transaction.atomic
def check_out_stay(*, stay, check_out, user, meals=None, note=None, request=None):
    stay.check_out = check_out
    if meals is not None:
        stay.meals = meals
    if note is not None:
        stay.note = note
    _save_stay(stay)
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=stay,
        person_id=stay.person_id,
        detail={"fields": ["check_out", "meals", "note"]},
    )
    return stay


# Call-backs and handover notes


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


@transaction.atomic
def add_shift_note(*, text, user, request=None):
    note = ShiftNote(text=text, author=user)
    note.full_clean()
    note.save()
    audit(AuditAction.CREATE, request=request, user=user, obj=note)
    return note
