"""The contacts export on PostgreSQL: the database writes the CSV of the queryset that
``contacts.cells`` builds itself (``COPY (<its SQL>) TO STDOUT``), so every cell is computed by
the same expressions as when the queryset is iterated (``contacts.contacts_in_python``).
``tests/reporting/test_export_copy.py`` holds the two to the same bytes.
"""

import codecs
import tempfile
import threading

import psycopg
from django.conf import settings
from django.db import connection, transaction

from .. import queries
from ..people import KEY_SETTING
from .columns import header
from .contacts import cells
from .writer import header_line

COPY_CHUNK_BYTES = 64 * 1024
# A year's rows of a million-contact database are sorted in memory (about 70 MB); the default
# 4 MB spills the sort to disk.
COPY_WORK_MEM = "128MB"
# Below this many contacts a second backend costs more than it saves.
COPY_PARTS_FROM_ROWS = 50_000
COPY_SPOOL_BYTES = 4 * 1024 * 1024


# The session settings of the COPY, local to its transaction (the key for ``Pseudonym`` and
# ``RecordKey``, ``DateStyle`` for the dates COPY writes), and how many contacts it will write.
COPY_PREPARATION = """SELECT set_config(%(key_setting)s, encode(%(key)s, 'hex'), true),
       set_config('DateStyle', 'ISO', true), set_config('work_mem', %(work_mem)s, true),
       count(*)
  FROM contacts_contact WHERE started_at >= %(start)s AND started_at < %(end)s"""


def contacts_by_copy(period, dialect):
    """The contacts export written by PostgreSQL: the header from Python, then COPY's CSV.

    The statement before the COPY counts the contacts that decide on two parts, so both run in one
    repeatable-read transaction (unless nested in another, where that cannot be asked for) and see
    the same contacts. That statement binds its parameters on the server: the pseudonym key never
    appears in the text of a statement, which a server may log.

    The COPY's cost is the database's CPU, and one backend uses one core. So a period of at least
    ``COPY_PARTS_FROM_ROWS`` contacts is written in two halves at once, as ``pg_dump --jobs``
    does: a second backend, in a thread, writes the later half in the same snapshot into a spooled
    file while the earlier half streams, and follows it. A nested call stays in one part, since
    another connection cannot see its transaction's rows.
    """
    yield header_line(header("contacts"), dialect)
    outermost = not connection.in_atomic_block
    decoder = codecs.getincrementaldecoder("utf-8")()
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows = _prepare_copy(cursor, period.start_at, period.end_at)
        if outermost and rows >= COPY_PARTS_FROM_ROWS:
            middle = period.start_at + (period.end_at - period.start_at) / 2
            cursor.execute("SELECT pg_export_snapshot()")
            later = _LaterPart(cursor.fetchone()[0], period, middle, dialect)
            try:
                for chunk in _copy(cursor, queries.contacts(period).filter(started_at__lt=middle), dialect):
                    yield decoder.decode(chunk)
                for chunk in later.chunks():
                    yield decoder.decode(chunk)
            finally:
                later.stop()
        else:
            for chunk in _copy(cursor, queries.contacts(period), dialect):
                yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
        # It wrote nothing, and rolling back also undoes the settings above when nested.
        transaction.set_rollback(True)


def _prepare_copy(cursor, start_at, end_at):
    """The COPY's session settings, and how many contacts started from ``start_at`` to ``end_at``.
    The key is bound on the server, so it never appears in a statement's text."""
    with psycopg.Cursor(cursor.cursor.connection) as bound:
        *_settings, rows = bound.execute(
            COPY_PREPARATION,
            {
                "key_setting": KEY_SETTING,
                "key": settings.EXPORT_PSEUDONYM_SECRET.encode(),
                "work_mem": COPY_WORK_MEM,
                "start": start_at,
                "end": end_at,
            },
        ).fetchone()
    return rows


def _copy(cursor, contacts, dialect):
    """The CSV records, as bytes, of ``contacts`` (a queryset) by ``contacts.cells``."""
    sql, params = cells(contacts).query.sql_with_params()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER %s)"
    with cursor.cursor.copy(statement, (*params, dialect.delimiter)) as copy:
        yield from _crlf_records(_gathered(copy))


class _LaterPart:
    """The later half of a two-part COPY export (the contacts of ``period`` from ``middle``),
    written by a thread on its own connection in the snapshot ``snapshot`` of the earlier half's
    transaction. It keeps up to ``COPY_SPOOL_BYTES`` in
    memory, the rest in a temporary file."""

    def __init__(self, snapshot, period, middle, dialect):
        self.spool = tempfile.SpooledTemporaryFile(max_size=COPY_SPOOL_BYTES)
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._write, args=(snapshot, period, middle, dialect))
        self.thread.start()

    def _write(self, snapshot, period, middle, dialect):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                _prepare_copy(cursor, middle, period.end_at)
                for chunk in _copy(cursor, queries.contacts(period).filter(started_at__gte=middle), dialect):
                    if self.stopping.is_set():
                        break
                    self.spool.write(chunk)
                transaction.set_rollback(True)
        except Exception as error:
            # Raised again in the thread that streams the export, which sees it.
            self.error = error
        finally:
            connection.close()

    def chunks(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        self.spool.seek(0)
        while chunk := self.spool.read(COPY_CHUNK_BYTES):
            yield chunk

    def stop(self):
        """Ends the thread (early, when the download was left) and drops the spooled part."""
        self.stopping.set()
        self.thread.join()
        self.spool.close()


def _gathered(blocks):
    """COPY's blocks (a record each) joined into chunks of about ``COPY_CHUNK_BYTES``."""
    pending, size = [], 0
    for block in blocks:
        pending.append(block)
        size += len(block)
        if size >= COPY_CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _crlf_records(chunks):
    """COPY ends a record with LF where csv.writer writes CRLF, and both leave a line break inside
    a quoted cell as it is. A quote only occurs in a quoted cell (doubled inside it), so a line
    feed after an even number of quotes ends a record."""
    quoted = False
    for chunk in chunks:
        if not quoted and b'"' not in chunk:
            yield chunk.replace(b"\n", b"\r\n")
            continue
        parts = chunk.split(b'"')
        for index in range(1 if quoted else 0, len(parts), 2):
            parts[index] = parts[index].replace(b"\n", b"\r\n")
        quoted ^= len(parts) % 2 == 0
        yield b'"'.join(parts)
