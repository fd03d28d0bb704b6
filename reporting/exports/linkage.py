"""The register-linkage key: pseudonym → CPR for the identified persons of a period."""

from django.db import transaction

from akuttilbud import cpr as cpr_module

from .. import queries
from ..people import Pseudonym, bind_pseudonym_key
from .columns import CHUNK_SIZE, DIALECTS
from .writer import write_csv


def count(period):
    return queries.persons_with_activity(period).filter(cpr_index__isnull=False).count()


def stream(period, dialect_name="standard"):
    """Pseudonym → CPR for identified persons with activity in the period: the register-linkage key."""
    with transaction.atomic():
        bind_pseudonym_key()
        yield from write_csv(["pseudonym", "cpr"], _rows(period), DIALECTS[dialect_name])


def _rows(period):
    persons = (
        queries.persons_with_activity(period)
        .filter(cpr_index__isnull=False)
        .annotate(pseudonym=Pseudonym("id", "cpr_index"))
        .order_by("id")
        .values_list("pseudonym", "cpr_encrypted")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for pseudonym, token in persons:
        yield [pseudonym, cpr_module.decrypt(token)]
