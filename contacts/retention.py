"""Data retention: persons with no activity for ``PERSON_RETENTION_YEARS`` lose what identifies them.

What is cleared, and how the rows are found, is generic on purpose: every model that points at a
person (or at a record that points at a person, and so on) is reached through the reverse
relations of ``Person`` (``akuttilbud.personal_data``), so a model another app adds is covered
without ``contacts`` importing that app. Counts, dates, codes and scores stay, so the statistics and pseudonymised exports of
earlier years keep their numbers.

- Last activity: the latest date or time held in any field of the person's rows in any of those
  models, and the person's own ``created_at``/``updated_at``.
- Cleared on the person: CPR (the birth year is kept, for age statistics), name, nickname, phone
  and notes.
- Cleared on related rows: free text, that is every text and JSON field, every character field
  without choices long enough to hold a sentence (100 characters or more), and fields named like
  contact details (``PERSONAL_FIELD_NAMES``). Short coded character fields stay.
- Deleted: rows of ``DELETED_MODELS``, which are copies of earlier content.
"""

import dataclasses
from collections import defaultdict

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from akuttilbud import personal_data
from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from reporting import summaries

from .models import Person

# Earlier versions of a record's text: emptying them field by field would keep nothing of use.
DELETED_MODELS = {"crisisplans.crisisplanrevision"}
PHONE_FIELDS = ["phone_encrypted", "phone_index", "phone_last4"]
PERSONAL_FIELD_NAMES = {"name", "nickname", "phone", "email", *PHONE_FIELDS}
PERSON_TEXT_FIELDS = ["name", "nickname", "notes"]
FREE_TEXT_MIN_LENGTH = 100
CHUNK_SIZE = 200


@dataclasses.dataclass
class PersonRetention:
    """What retention changes (or, on a dry run, would change) for one person."""

    person_id: int
    person_fields: list[str]
    cleared: dict[str, int]
    deleted: dict[str, int]

    def as_detail(self):
        """Field names and row counts only: nothing about the citizen."""
        return {"person_fields": self.person_fields, "cleared": self.cleared, "deleted": self.deleted}


@dataclasses.dataclass
class _Related(personal_data.RelatedModel):
    cleared_fields: list[models.Field] = dataclasses.field(default_factory=list)

    @property
    def deleted(self):
        return self.label in DELETED_MODELS

    def with_content(self):
        if self.deleted:
            return Q()
        condition = Q(pk__in=[])
        for field in self.cleared_fields:
            condition |= Q(**{f"{field.name}__isnull": False}) & ~Q(**{field.name: _empty_value(field)})
        return condition


def _empty_value(field):
    if isinstance(field, models.JSONField):
        return field.get_default() if field.has_default() else {}
    return None if field.null else ""


def _is_cleared(field):
    if not field.concrete or field.is_relation or field.primary_key:
        return False
    if isinstance(field, models.TextField | models.JSONField):
        return True
    if isinstance(field, models.CharField) and not field.choices:
        return field.name in PERSONAL_FIELD_NAMES or (field.max_length or 0) >= FREE_TEXT_MIN_LENGTH
    return False


def related_models():
    """Every model holding rows about a person, with its lookup paths and the fields to clear."""
    return [
        _Related(
            entry.model,
            entry.paths,
            [field for field in entry.model._meta.get_fields() if _is_cleared(field)],
        )
        for entry in personal_data.related_models(Person, not_followed=DELETED_MODELS)
    ]


def inactive_persons(cutoff, related=None):
    """Persons with no date or time at or after ``cutoff`` in their own rows or any related row."""
    persons = Person.objects.filter(created_at__lt=cutoff, updated_at__lt=cutoff)
    for entry in related if related is not None else related_models():
        date_fields = [
            field
            for field in entry.model._meta.concrete_fields
            if isinstance(field, models.DateField) and not field.is_relation
        ]
        for field in date_fields:
            since = cutoff if isinstance(field, models.DateTimeField) else cutoff.date()
            for path in entry.paths:
                # NOT IN over a list holding NULL matches nothing, so leave the NULLs out.
                recent = entry.model._default_manager.filter(
                    **{f"{field.name}__gte": since, f"{path}__isnull": False}
                ).values(path)
                persons = persons.exclude(pk__in=recent)
    return persons


def _person_fields_with_content(person):
    fields = []
    if person.cpr_index or person.cpr_encrypted:
        fields.append("cpr")
    if person.birth_date:
        fields.append("birth_date")
    fields.extend(name for name in PERSON_TEXT_FIELDS if getattr(person, name))
    if person.has_phone or person.phone_last4:
        fields.append("phone")
    return fields


def _plan(persons, related):
    """What would change for each of ``persons`` (a list), leaving out those with nothing left."""
    person_ids = [person.pk for person in persons]
    cleared = defaultdict(dict)
    deleted = defaultdict(dict)
    for entry in related:
        rows_by_person = defaultdict(set)
        for path in entry.paths:
            rows = entry.model._default_manager.filter(**{f"{path}__in": person_ids}).filter(
                entry.with_content()
            )
            for person_id, row_id in rows.values_list(path, "pk"):
                rows_by_person[person_id].add(row_id)
        target = deleted if entry.deleted else cleared
        for person_id, row_ids in rows_by_person.items():
            target[person_id][entry.label] = len(row_ids)
    plans = []
    for person in persons:
        change = PersonRetention(
            person_id=person.pk,
            person_fields=_person_fields_with_content(person),
            cleared=cleared[person.pk],
            deleted=deleted[person.pk],
        )
        if change.person_fields or change.cleared or change.deleted:
            plans.append(change)
    return plans


def _apply(persons, plans, related):
    changed_ids = {change.person_id for change in plans}
    person_ids = [person.pk for person in persons if person.pk in changed_ids]
    for entry in related:
        rows = entry.for_persons(person_ids)
        if entry.deleted:
            rows.delete()
        elif entry.cleared_fields:
            rows.filter(entry.with_content()).update(
                **{field.name: _empty_value(field) for field in entry.cleared_fields}
            )
    by_id = {person.pk: person for person in persons}
    for change in plans:
        person = by_id[change.person_id]
        birth_year = person.birth_date.year if person.birth_date else person.birth_year
        # update() rather than save(): ``updated_at`` must keep the last real activity.
        Person.objects.filter(pk=person.pk).update(
            cpr_encrypted="",
            cpr_index=None,
            birth_date=None,
            birth_year=birth_year,
            **{name: "" for name in [*PERSON_TEXT_FIELDS, *PHONE_FIELDS]},
        )
        audit(AuditAction.RETENTION, obj=person, person=person, detail=change.as_detail())
    # Without a CPR number or birth date their contacts count as lacking one, their age by year.
    summaries.persons_changed([change.person_id for change in plans])


def apply_retention(*, now, dry_run, years=None):
    """Clear identifying data and free text of persons inactive for ``years``; return the changes.

    A dry run returns the same list and changes nothing. Persons already cleared are left out,
    so running it again is harmless. Each changed person gets one ``RETENTION`` audit event.
    """
    years = settings.PERSON_RETENTION_YEARS if years is None else years
    cutoff = _years_before(now, years)
    related = related_models()
    candidate_ids = list(inactive_persons(cutoff, related).order_by("pk").values_list("pk", flat=True))
    changes = []
    for start in range(0, len(candidate_ids), CHUNK_SIZE):
        chunk = candidate_ids[start : start + CHUNK_SIZE]
        with transaction.atomic():
            # Checked again under lock: someone may have opened the person since the selection.
            persons = list(inactive_persons(cutoff, related).filter(pk__in=chunk).select_for_update())
            plans = _plan(persons, related)
            if not dry_run:
                _apply(persons, plans, related)
        changes.extend(plans)
    return changes


def _years_before(moment, years):
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        # 29 February in a year that has none.
        return moment.replace(year=moment.year - years, day=28)
