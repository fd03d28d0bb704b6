"""Writes and audited reads of persons: create, identify, merge, search, reveal; tying a
contact to a person."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from akuttilbud import cpr as cpr_module
from akuttilbud import phone as phone_module
from akuttilbud.audit import audit
from akuttilbud.locking import claim_version
from akuttilbud.models import AuditAction
from reporting import summaries

from ..models import Person, PsychiatryContact
from . import _audit_contact_change, _changed_fields, _fill_in_municipality, _municipality_of

PERSON_FIELDS = [
    "name",
    "nickname",
    "birth_year",
    "home_municipality",
    "psychiatry_contact",
    "notes",
]


class DuplicateCPR(ValidationError):
    """Another person already holds this CPR number; ``existing`` is that person."""

    def __init__(self, existing):
        super().__init__(
            {"cpr": _("Another person already has this CPR number. You can merge the two persons.")},
        )
        self.existing = existing


@transaction.atomic
def link_person(*, contact, person, user, request=None):
    """Tie an anonymous contact to a person found or created afterwards."""
    claim_version(contact, None)
    before = summaries.placed(contact)
    contact.person = person
    contact.municipality_id = _municipality_of(person)
    contact.full_clean()
    contact.save(update_fields=["person", "municipality", "version", "updated_at"])
    summaries.contact_changed(before=before, after=contact)
    _audit_contact_change(contact, ["person"], user=user, request=request)
    return contact


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
    summaries.persons_changed([person.pk])
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
    summaries.persons_changed([person.pk])
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
    # What was the removed person's now counts as the kept one's, whose days these all are.
    summaries.persons_changed([keep.pk])
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


def search_persons(*, term, user, request=None, limit=50, by_name=True):
    """Persons matching ``term``: a CPR number or a whole phone number (exactly, through their
    blind indexes only), otherwise part of a nickname or name. The search is audited with the
    criterion masked.

    ``by_name=False`` takes the first ``limit`` a name finds in no order, which the database can
    stop at however many persons match (the desk's look-up, which sorts its few itself)."""
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
        persons = persons.filter(Q(nickname__icontains=term) | Q(name__icontains=term))
        results = list((persons.order_by("name", "nickname") if by_name else persons)[:limit])
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
