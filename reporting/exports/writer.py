"""The one CSV writer of every export: the header line (the only place the byte-order mark is
written), then the rows a chunk at a time."""

import csv
import datetime
import io
from decimal import Decimal
from itertools import islice

from django.utils import timezone

from .columns import CHUNK_SIZE


def format_cell(value, dialect):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        # Local time with its UTC offset: the two 02:30s of the night the clocks go back differ.
        # The service's own zone (cached), not the request's active one looked up per cell.
        return value.astimezone(timezone.get_default_timezone()).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value).replace(".", dialect.decimal_separator)
    return str(value)


def header_line(names, dialect):
    """The header line, after the byte-order mark when the dialect asks for one."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n").writerow(names)
    return ("\ufeff" if dialect.byte_order_mark else "") + buffer.getvalue()


def write_chunks(names, chunks, dialect):
    """Yield the header line, then one string per chunk of rows whose cells are already text,
    numbers or ``None`` (an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    yield header_line(names, dialect)
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def write_csv(names, rows, dialect):
    """Yield the CSV text of ``names`` and ``rows`` (lists of values, formatted by ``format_cell``)."""
    cells = ([format_cell(value, dialect) for value in row] for row in rows)
    return write_chunks(names, iter(lambda: list(islice(cells, CHUNK_SIZE)), []), dialect)
