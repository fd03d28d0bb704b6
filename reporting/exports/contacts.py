"""The contacts export: one ORM queryset whose every column is the cell's text or number, built
from the shared expressions (record key, pseudonym, age, age band, whole seconds, first
contact), so a rule changes in one place for both ways of writing it out.

PostgreSQL writes the queryset's CSV itself (``contacts_copy``, ``COPY (…) TO STDOUT``); any
database can iterate it into the one CSV writer (``contacts_in_python``: SQLite's way, and the
reference ``tests/reporting/test_export_copy.py`` holds the COPY to, byte for byte).
"""

from itertools import islice

from django.db import transaction
from django.db.models import Case, CharField, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone

from akuttilbud.expressions import LocalTimestamp, OrderedJoin, WholeSeconds
from contacts.models import CHANNELS_NEEDING_CPR, Contact

from .. import queries
from ..people import Age, Pseudonym, RecordKey, age_band_expression, bind_pseudonym_key, is_first_contact
from .columns import CHUNK_SIZE, SCHEMA_VERSION, header
from .writer import write_chunks


def _flag(condition):
    return Case(When(condition, then=Value("1")), default=Value("0"), output_field=CharField())


def _text(field):
    """A text field, empty where it holds ``''``: COPY writes an empty text as ``""`` and only a
    NULL as nothing, as ``csv.writer`` writes both."""
    return NullIf(F(field), Value(""))


def _reasons():
    """The contact's reasons' names in the list's order, joined by ``|``; NULL for none."""
    return Subquery(
        Contact.reasons.through.objects.filter(contact_id=OuterRef("pk"))
        .order_by()
        .values("contact_id")
        .annotate(names=OrderedJoin("reason__name", "|", ["reason__position", "reason__name"]))
        .values("names")
    )


def cells(contacts):
    """``contacts`` (a queryset of contacts) as the file's rows, in start order: one value per
    column of ``header("contacts")``, each already the cell's text, number or date (``None``
    empty)."""
    local_date = TruncDate("started_at", tzinfo=timezone.get_default_timezone())
    years = Age(local_date, "person__birth_date", "person__birth_year", "stated_age")
    # ``Contact.lacks_required_cpr``: an empty blind index is no CPR number, as ``has_cpr`` says.
    lacks_cpr = Q(channel__in=sorted(CHANNELS_NEEDING_CPR)) & (
        Q(person__isnull=True) | Q(person__cpr_index__isnull=True) | Q(person__cpr_index="")
    )
    columns = {
        "schema_version": Value(SCHEMA_VERSION),
        "contact_key": RecordKey("contact", "id"),
        "pseudonym": NullIf(Pseudonym("person_id", "person__cpr_index"), Value("")),
        "date": local_date,
        "started_at": LocalTimestamp("started_at"),
        "channel": _text("channel"),
        "direction": _text("direction"),
        "caller_role": _text("caller_role"),
        "acuteness": F("acuteness"),
        "reasons": _reasons(),
        "in_target_group": _flag(Q(in_target_group=True)),
        "anonymous": _flag(Q(person__isnull=True)),
        "lacks_cpr": _flag(lacks_cpr),
        "under_18": _flag(LessThan(years, 18)),
        "age_band": age_band_expression(years),
        "municipality_code": _text("person__home_municipality_id"),
        "first_contact": _flag(is_first_contact()),
        "psychiatry_contact": _text("person__psychiatry_contact"),
        "wait_seconds": WholeSeconds("answered_at", "started_at"),
        "duration_seconds": WholeSeconds("ended_at", Coalesce("answered_at", "started_at")),
        "notification_decision": _text("notification_decision"),
    }
    # Annotation names of their own: several columns are named as the contact's fields.
    names = [f"cell_{name}" for name in columns]
    return (
        contacts.annotate(**{f"cell_{name}": expression for name, expression in columns.items()})
        .order_by("started_at", "id")
        .values_list(*names)
    )


def contacts_in_python(period, dialect):
    """The contacts export's CSV text, the queryset iterated: the header line, then a chunk of
    rows at a time. Its pseudonyms and keys need the key bound for the transaction."""
    with transaction.atomic():
        bind_pseudonym_key()
        rows = cells(queries.contacts(period)).iterator(chunk_size=CHUNK_SIZE)
        yield from write_chunks(header("contacts"), iter(lambda: list(islice(rows, CHUNK_SIZE)), []), dialect)
