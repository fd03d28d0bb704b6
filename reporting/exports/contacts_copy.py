"""The contacts export on PostgreSQL: the database writes the CSV itself (COPY ... TO STDOUT), every
column computed in SQL by the same rules as the Python path (``contacts``).
``tests/reporting/test_export_copy.py`` holds the two to the same bytes.
"""

import codecs
import tempfile
import threading

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.utils import timezone

from akuttilbud.expressions import WholeSeconds
from contacts.models import CHANNELS_NEEDING_CPR

from ..people import KEY_SETTING, Pseudonym, RecordKey, age_band_expression
from .columns import SCHEMA_VERSION, header
from .writer import header_line

COPY_CHUNK_BYTES = 64 * 1024
# A year's rows of a million-contact database are sorted in memory (about 70 MB), and the person
# and reason hash tables stay in one batch; the default 4 MB spills all three to disk.
COPY_WORK_MEM = "128MB"
# Below this many contacts a second backend costs more than it saves.
COPY_PARTS_FROM_ROWS = 50_000
COPY_SPOOL_BYTES = 4 * 1024 * 1024


def _column(sql):
    return RawSQL(sql, [], output_field=IntegerField())  # noqa: S611 (the COPY's own column names)


def _sql(expression):
    """The SQL text of an ORM expression over ``_column``s, its parameters (the code's own
    constants) written in, so the rule it holds is written once for the COPY and the ORM."""
    query = Query(None)
    sql, params = query.get_compiler(connection=connection).compile(expression.resolve_expression(query))
    return connection.ops.compose_sql(sql, params)


def _flag(condition):
    return f"CASE WHEN {condition} THEN '1' ELSE '0' END"


def _years_sql(local_text):
    """``akuttilbud.cpr.age`` on the local date starting ``local_text`` (ISO): from the birth date (as
    ``age_on``: whole years of YYYYMMDD numbers), else the birth year, else the stated age."""
    return (
        f"CASE WHEN p.birth_yyyymmdd IS NOT NULL "
        f"THEN floor((replace(left({local_text}, 10), '-', '')::int - p.birth_yyyymmdd) / 10000::float8)::int "
        f"WHEN p.birth_year IS NOT NULL THEN left({local_text}, 4)::int - p.birth_year - 1 "
        "ELSE c.stated_age END"
    )


def _contacts_copy_sql():
    """The COPY statement of ``contacts_by_copy``.

    Innermost, the period's contacts with their local time as text (the session's TimeZone and
    DateStyle are set for it). Joined to them by hash: the persons of the period, each once, with
    the pseudonym and the id of their first contact ever (an index probe each); and the reasons of
    the contacts' id range as a set per contact. Then one sort, of rows almost in order already,
    and the text of each cell.

    Joining each contact's reasons in the list's order takes a sort of all their rows (by window or
    an aggregate's own ORDER BY), and that sort was most of the reasons' cost. So the unique index
    on (contact, reason) is read in its order and each contact's reasons are gathered in an order
    that does not matter: a bit per reason id up to 63, an array of any other id. The few hundred
    distinct sets are spelled out once, in the list's order, into a map from the set's text to
    the names; each contact looks its set up there. Two arrays of the same ids in another order are
    two keys of the same names, so no order is relied on.
    """
    in_period = "c.started_at >= %(start)s AND c.started_at < %(end)s"
    bit = "1::bigint << cr.reason_id::int"
    in_mask = "cr.reason_id BETWEEN 0 AND 63"
    key = "{0}.mask::text || coalesce({0}.others::text, '')"
    duration = WholeSeconds(
        _column("c.ended_at"), Coalesce(_column("c.answered_at"), _column("c.started_at"))
    )
    return f"""COPY (
WITH reason_sets AS MATERIALIZED (
  SELECT cr.contact_id, coalesce(bit_or(CASE WHEN {in_mask} THEN {bit} END), 0) AS mask,
         array_agg(cr.reason_id) FILTER (WHERE NOT {in_mask}) AS others
    FROM contacts_contact_reasons cr
   WHERE cr.contact_id BETWEEN %(first_id)s AND %(last_id)s
   GROUP BY cr.contact_id
)
SELECT {SCHEMA_VERSION}, {_sql(RecordKey("contact", _column("id")))}, pseudonym, left(local_text, 10),
       to_char(started_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
       nullif(channel, ''), nullif(direction, ''), nullif(caller_role, ''), acuteness,
       nullif(reasons, ''), {_flag("in_target_group")}, {_flag("person_id IS NULL")},
       {_flag("lacks_cpr")}, {_flag("years < 18")}, {_sql(age_band_expression(_column("years")))},
       nullif(home_municipality_id, ''), {_flag("first_contact")}, nullif(psychiatry_contact, ''),
       wait_seconds, duration_seconds,
       nullif(notification_decision, '')
  FROM (
    SELECT c.id, c.started_at, c.local_text, c.channel, c.direction, c.caller_role, c.acuteness,
           c.in_target_group, c.notification_decision, c.person_id,
           c.channel = ANY(%(channels_needing_cpr)s) AND (p.id IS NULL OR p.no_cpr_index) AS lacks_cpr,
           p.pseudonym, p.home_municipality_id, p.psychiatry_contact,
           p.first_contact_id = c.id AS first_contact,
           (SELECT jsonb_object_agg({key.format("s")}, (
                   SELECT string_agg(r.name, '|' ORDER BY r.position, r.name)
                     FROM contacts_reason r
                    WHERE CASE WHEN r.id BETWEEN 0 AND 63 THEN s.mask & (1::bigint << r.id::int) <> 0
                               ELSE r.id = ANY(s.others) END))
              FROM (SELECT DISTINCT mask, others FROM reason_sets) s) ->> ({key.format("k")}) AS reasons,
           {_years_sql("c.local_text")} AS years,
           {_sql(WholeSeconds(_column("c.answered_at"), _column("c.started_at")))} AS wait_seconds,
           {_sql(duration)} AS duration_seconds
      FROM (
        SELECT c.id, c.started_at, c.started_at::timestamp::text AS local_text, c.channel, c.direction,
               c.caller_role, c.acuteness, c.in_target_group, c.notification_decision, c.person_id,
               c.stated_age, c.answered_at, c.ended_at
          FROM contacts_contact c
         WHERE {in_period}
        OFFSET 0
      ) c
      LEFT JOIN (
        SELECT p.id, p.cpr_index IS NULL AS no_cpr_index, p.birth_year, p.home_municipality_id,
               p.psychiatry_contact, replace(p.birth_date::text, '-', '')::int AS birth_yyyymmdd,
               {_sql(Pseudonym(_column("p.id"), _column("p.cpr_index")))} AS pseudonym,
               (SELECT e.id FROM contacts_contact e WHERE e.person_id = p.id
                 ORDER BY e.started_at, e.id LIMIT 1) AS first_contact_id
          FROM (SELECT DISTINCT c.person_id FROM contacts_contact c
                 WHERE {in_period} AND c.person_id IS NOT NULL) seen
          JOIN contacts_person p ON p.id = seen.person_id
        OFFSET 0
      ) p ON p.id = c.person_id
      LEFT JOIN reason_sets k ON k.contact_id = c.id
     ORDER BY c.started_at, c.id
    OFFSET 0
  ) c
) TO STDOUT WITH (FORMAT csv, DELIMITER %(delimiter)s)"""  # noqa: S608 (no value in the text)


# The session settings of the COPY, local to its transaction, and the period's id range (with the
# count beside them, min and max come from the period's index range; asked alone, PostgreSQL walks
# the primary key until it meets the period).
COPY_PREPARATION = """SELECT set_config(%(key_setting)s, encode(%(key)s, 'hex'), true),
       set_config('TimeZone', %(zone)s, true), set_config('DateStyle', 'ISO', true),
       set_config('work_mem', %(work_mem)s, true),
       min(id), max(id), count(*)
  FROM contacts_contact WHERE started_at >= %(start)s AND started_at < %(end)s"""


def contacts_by_copy(period, dialect):
    """The contacts export written by PostgreSQL: the header from Python, then COPY's CSV.

    Each COPY takes its id range from the statement before it, so both run in one repeatable-read
    transaction (unless nested in another, where that cannot be asked for) and see the same
    contacts. That statement binds its parameters on the server: the pseudonym key never appears
    in the text of a statement, which a server may log.

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
        first_id, last_id, rows = _prepare_copy(cursor, period.start_at, period.end_at)
        if outermost and rows >= COPY_PARTS_FROM_ROWS:
            middle = period.start_at + (period.end_at - period.start_at) / 2
            cursor.execute("SELECT pg_export_snapshot()")
            later = _LaterPart(cursor.fetchone()[0], middle, period.end_at, dialect)
            try:
                first_id, last_id, _rows = _prepare_copy(cursor, period.start_at, middle)
                for chunk in _copy(cursor, period.start_at, middle, first_id, last_id, dialect):
                    yield decoder.decode(chunk)
                for chunk in later.chunks():
                    yield decoder.decode(chunk)
            finally:
                later.stop()
        else:
            for chunk in _copy(cursor, period.start_at, period.end_at, first_id, last_id, dialect):
                yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
        # It wrote nothing, and rolling back also undoes the settings above when nested.
        transaction.set_rollback(True)


def _prepare_copy(cursor, start_at, end_at):
    """The COPY's session settings, and ``(first id, last id, contacts)`` from ``start_at`` to
    ``end_at``."""
    with psycopg.Cursor(cursor.cursor.connection) as bound:
        *_settings, first_id, last_id, rows = bound.execute(
            COPY_PREPARATION,
            {
                "key_setting": KEY_SETTING,
                "key": settings.EXPORT_PSEUDONYM_SECRET.encode(),
                "zone": timezone.get_default_timezone_name(),
                "work_mem": COPY_WORK_MEM,
                "start": start_at,
                "end": end_at,
            },
        ).fetchone()
    return first_id, last_id, rows


def _copy(cursor, start_at, end_at, first_id, last_id, dialect):
    """The CSV records, as bytes, of the contacts from ``start_at`` to ``end_at``."""
    parameters = {
        "start": start_at,
        "end": end_at,
        "first_id": first_id,
        "last_id": last_id,
        "channels_needing_cpr": sorted(CHANNELS_NEEDING_CPR),
        "delimiter": dialect.delimiter,
    }
    with cursor.cursor.copy(_contacts_copy_sql(), parameters) as copy:
        yield from _crlf_records(_gathered(copy))


class _LaterPart:
    """The later half of a two-part COPY export, written by a thread on its own connection in the
    snapshot ``snapshot`` of the earlier half's transaction. It keeps up to ``COPY_SPOOL_BYTES`` in
    memory, the rest in a temporary file."""

    def __init__(self, snapshot, start_at, end_at, dialect):
        self.spool = tempfile.SpooledTemporaryFile(max_size=COPY_SPOOL_BYTES)
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._write, args=(snapshot, start_at, end_at, dialect))
        self.thread.start()

    def _write(self, snapshot, start_at, end_at, dialect):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                first_id, last_id, _rows = _prepare_copy(cursor, start_at, end_at)
                for chunk in _copy(cursor, start_at, end_at, first_id, last_id, dialect):
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
