"""The register-linkage key: pseudonym → CPR for the identified persons of a period."""

from akuttilbud import cpr as cpr_module

from .. import queries
from ..people import pseudonym
from .columns import CHUNK_SIZE, DIALECTS
from .writer import write_csv


def count(period):
    return queries.persons_with_activity(period).filter(cpr_index__isnull=False).count()


def stream(period, dialect_name="standard"):
    """Pseudonym → CPR for identified persons with activity in the period: the register-linkage key."""
    persons = (
        queries.persons_with_activity(period)
        .filter(cpr_index__isnull=False)
        .order_by("id")
        .values_list("id", "cpr_index", "cpr_encrypted")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    rows = (
        [pseudonym(person_id, cpr_index), cpr_module.decrypt(token)]
        for person_id, cpr_index, token in persons
    )
    return write_csv(["pseudonym", "cpr"], rows, DIALECTS[dialect_name])
