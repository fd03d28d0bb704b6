"""Pseudonymised evaluation exports, streamed as CSV: one module per file kind.

- ``columns``: every file's columns and the dialects, the single source of each header and of
  the data dictionary (``docs/data-dictionary.md``).
- ``writer``: the one CSV writer (the byte-order mark written in one place).
- ``persons``: the citizen's columns every file shares (pseudonym, age band, municipality).
- ``contacts``: the contacts file as one ORM queryset of the shared expressions, iterated into
  the writer; ``contacts_copy`` runs the same queryset through PostgreSQL's ``COPY … TO STDOUT``
  (held byte for byte equal by ``tests/reporting/test_export_copy.py``, every cell held to its
  Python rule by ``tests/reporting/test_export_contacts.py``).
- ``wellbeing``, ``stays``, ``followups``, ``costs``: the other files, a row builder each.
- ``linkage``: the register-linkage key (pseudonym → CPR).

Rows never carry a CPR number, name, phone, nickname or free text; a citizen appears only as a
pseudonym (``reporting.people.pseudonym``). Rows come from ``values_list(...).iterator(...)``
with every needed column joined in SQL, so memory stays constant and no row costs a query.
"""

from akuttilbud import database

from .. import queries
from . import costs, followups, linkage, stays, wellbeing
from .columns import COLUMNS, DIALECTS, KINDS, SCHEMA_VERSION, header
from .contacts import contacts_in_python
from .contacts_copy import contacts_by_copy
from .writer import write_csv

__all__ = [
    "COLUMNS",
    "DIALECTS",
    "KINDS",
    "SCHEMA_VERSION",
    "contacts_by_copy",
    "contacts_in_python",
    "count_rows",
    "filename",
    "header",
    "linkage",
    "stream",
]

ROW_BUILDERS = {
    "wellbeing": wellbeing.rows,
    "stays": stays.rows,
    "followups": followups.rows,
    "costs": costs.rows,
}


def count_rows(kind, period):
    """How many rows an export of ``kind`` holds, in one COUNT query (for the audit)."""
    if kind == "costs":
        return costs.by_month(period).count()
    return {
        "contacts": queries.contacts,
        "wellbeing": queries.wellbeing_scores,
        "stays": queries.stays,
        "followups": queries.follow_ups,
    }[kind](period).count()


def stream(kind, period, dialect_name="standard"):
    """The CSV text of an export: the header line, then the rows, a chunk at a time."""
    names = header(kind)
    dialect = DIALECTS[dialect_name]
    if kind == "contacts":
        if database.copies_csv():
            return contacts_by_copy(period, dialect)
        return contacts_in_python(period, dialect)
    rows = ({**row, "schema_version": SCHEMA_VERSION} for row in ROW_BUILDERS[kind](period))
    return write_csv(names, ([row[name] for name in names] for row in rows), dialect)


def filename(kind, period, dialect_name):
    return f"akuttilbud-{kind}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}-{dialect_name}.csv"
