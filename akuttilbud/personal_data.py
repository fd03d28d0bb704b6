"""Finding every record about one citizen, for the right-of-access report and for retention.

Models are found by following reverse relations out from the person model (a contact points at
the person, a conversation at the contact, ...), so a model an app adds later is covered without
this module, or the app holding ``Person``, importing that app.
"""

import dataclasses
import json
from collections import defaultdict

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import phone as phone_module

MAX_DEPTH = 4


@dataclasses.dataclass
class RelatedModel:
    """A model holding rows about a person, with every lookup path from it to the person."""

    model: type[models.Model]
    paths: list[str]

    @property
    def label(self):
        return self.model._meta.label_lower

    def for_persons(self, person_ids):
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{path}__in": person_ids})
        return self.model._default_manager.filter(condition)


def related_models(person_model, *, not_followed=frozenset()):
    """Every model that reaches ``person_model`` through foreign keys, nearest first.

    Models whose label is in ``not_followed`` are listed but not looked beyond.
    """
    paths_by_model = defaultdict(list)
    queue = [(person_model, "", 0)]
    expanded = {person_model}
    while queue:
        model, path, depth = queue.pop(0)
        if depth >= MAX_DEPTH:
            continue
        for relation in model._meta.related_objects:
            related = relation.related_model
            if relation.many_to_many or related is person_model:
                continue
            related_path = f"{relation.field.name}__{path}" if path else relation.field.name
            paths_by_model[related].append(related_path)
            if related not in expanded and related._meta.label_lower not in not_followed:
                expanded.add(related)
                queue.append((related, related_path, depth + 1))
    return [RelatedModel(model, paths) for model, paths in paths_by_model.items()]


def _shown_fields(model, hidden_relations):
    """Fields worth showing the citizen: not technical (not editable) and not the link back."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and field.name not in hidden_relations
    ]


def display_value(instance, field):
    """The value of ``field`` on ``instance`` as a person would read it."""
    if field.choices:
        return getattr(instance, f"get_{field.name}_display")()
    if field.is_relation:
        related = getattr(instance, field.name)
        return str(related) if related is not None else ""
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(value), "d.m.Y H:i")
    if isinstance(field, models.DateField):
        return date_format(value, "d.m.Y")
    if isinstance(field, models.JSONField):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return str(value)


@dataclasses.dataclass
class Record:
    title: str
    fields: list[tuple[str, str]]


@dataclasses.dataclass
class Section:
    title: str
    records: list[Record]


def _phone_value(instance):
    """A number kept like a CPR number (``HasPhone``), in full: the citizen's own copy. The last
    four digits when the clear number has gone and only they are kept."""
    number = instance.decrypted_phone()
    return phone_module.national_format(number) if number else instance.masked_phone


def _record(instance, fields, many_to_many):
    values = [(str(field.verbose_name), display_value(instance, field)) for field in fields]
    if hasattr(instance, "decrypted_phone"):
        values.append((_("Phone number"), _phone_value(instance)))
    for field in many_to_many:
        names = ", ".join(str(item) for item in getattr(instance, field.name).all())
        values.append((str(field.verbose_name), names))
    return Record(title=f"{instance._meta.verbose_name} #{instance.pk}", fields=values)


def person_fields(person):
    """The person's own fields, the CPR number in full (this is the citizen's own copy)."""
    values = [(_("CPR number"), person.decrypted_cpr() or ""), (_("Phone number"), _phone_value(person))]
    values += [
        (str(field.verbose_name), display_value(person, field))
        for field in _shown_fields(type(person), set())
    ]
    return values


def records_about(person):
    """One section per related model with a row about ``person``, each row with its field values."""
    sections = []
    for entry in related_models(type(person)):
        hidden = {path for path in entry.paths if "__" not in path}
        fields = _shown_fields(entry.model, hidden)
        foreign_keys = [field.name for field in fields if field.is_relation]
        many_to_many = list(entry.model._meta.many_to_many)
        rows = (
            entry.for_persons([person.pk])
            .distinct()
            .select_related(*foreign_keys)
            .prefetch_related(*(field.name for field in many_to_many))
            .order_by("pk")
        )
        records = [_record(row, fields, many_to_many) for row in rows]
        if records:
            sections.append(Section(title=str(entry.model._meta.verbose_name_plural), records=records))
    return sections
