"""The register-linkage key: pseudonym → CPR for the identified persons of a period."""

from django.db import transaction

from akuttilbud import cpr as cpr_module

from .. import queries
from ..people import Pseudonym, bind_pseudonym_key
from .columns import CHUNK_SIZE, DIALECTS
from .writer import write_csv


def _persons(period):
    return queries.persons_with_activity(period).filter(cpr_index__isnull=False).order_by("id")


def person_ids(period):
    """The ids of the persons the key of ``period`` names, for its audit event."""
    return list(_persons(period).values_list("id", flat=True))


def stream(period, dialect_name="standard"):
    """Pseudonym → CPR for identified persons with activity in the period: the register-linkage key."""
    with transaction.atomic():
        bind_pseudonym_key()
        yield from write_csv(["pseudonym", "cpr"], _rows(period), DIALECTS[dialect_name])


def _rows(period):
    persons = (
        _persons(period)
        .annotate(pseudonym=Pseudonym("id", "cpr_index"))
        .values_list("pseudonym", "cpr_encrypted")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for pseudonym, token in persons:
        yield [pseudonym, cpr_module.decrypt(token)]
