"""Pseudonymised evaluation exports: one column spec per kind, streamed as CSV.

Each kind's column list is the single source of the header, of the row builder (rows are
dicts keyed by column name, written in the spec's order) and of the data dictionary test
(``docs/data-dictionary.md``). Rows never carry a CPR number, name, phone, nickname or free
text; a citizen appears only as a pseudonym (see ``people.pseudonym``).

Rows come from ``values_list(...).iterator(chunk_size=...)`` with every needed column joined
in SQL, so memory stays constant and no row costs a query of its own. The contacts export, the
large one, is written by PostgreSQL itself (``contacts_by_copy``, a COPY computing every cell by
the rules of the Python path); elsewhere it is built in Python (``contacts_in_python``) from the
rows, their reasons and the persons seen before the period, three queries in all.
"""

import codecs
import csv
import datetime
import io
import tempfile
import threading
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Sum
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute, TruncDate
from django.utils import timezone

from akuttilbud import cpr as cpr_module
from contacts.models import CHANNELS_NEEDING_CPR, Contact, Person

from . import queries
from .figures import nights_in_period
from .models import CostCategory
from .people import AGE_BANDS, age, age_band, age_band_sql, pseudonym, pseudonym_pads, pseudonym_sql

SCHEMA_VERSION = 1
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    allowed: str = ""


@dataclass(frozen=True)
class Dialect:
    label: str
    delimiter: str
    decimal_separator: str
    byte_order_mark: bool


DIALECTS = {
    "standard": Dialect("Standard CSV (UTF-8, comma, decimal point)", ",", ".", False),
    "excel-da": Dialect("Danish Excel (UTF-8 with BOM, semicolon, decimal comma)", ";", ",", True),
}

SCHEMA = Column("schema_version", "integer", "Version of this file's column layout.", str(SCHEMA_VERSION))
PSEUDONYM = Column(
    "pseudonym",
    "text",
    "The citizen's pseudonym, the same in every export; empty for an anonymous contact.",
    "16 hex characters or empty",
)
AGE_BAND = Column("age_band", "text", "Age at the record's date.", ", ".join(AGE_BANDS))
MUNICIPALITY = Column(
    "municipality_code", "text", "The citizen's home municipality code.", "4-digit official code or empty"
)
LACKS_CPR = Column(
    "lacks_cpr", "flag", "The record needs an identified person but has no CPR number.", "1, 0"
)
UNDER_18 = Column("under_18", "flag", "The citizen was under 18 at the record's date.", "1, 0")

COLUMNS = {
    "contacts": [
        SCHEMA,
        Column("contact_id", "integer", "The contact's number in the service's system."),
        PSEUDONYM,
        Column("date", "date", "Local date the contact started (Europe/Copenhagen).", "YYYY-MM-DD"),
        Column("time", "text", "Local time the contact started.", "HH:MM"),
        Column("channel", "text", "How the contact came.", "phone, walk_in, outreach, sms, email, chat"),
        Column("direction", "text", "Who made the contact.", "in, out"),
        Column("caller_role", "text", "Who was on the other end.", "citizen, relative, partner, other"),
        Column(
            "acuteness",
            "integer",
            "1 suicidal or close to admission, 2 needs calming, 3 needs care and support; empty if not assessed.",
            "1, 2, 3 or empty",
        ),
        Column(
            "reasons",
            "text",
            "Reasons for the contact, from the service's list, joined by |.",
            "reason names",
        ),
        Column("in_target_group", "flag", "The citizen is in the service's target group.", "1, 0"),
        Column("anonymous", "flag", "No person was recorded for the contact.", "1, 0"),
        LACKS_CPR,
        UNDER_18,
        AGE_BAND,
        MUNICIPALITY,
        Column(
            "first_contact",
            "flag",
            "This is the person's first contact ever with the service.",
            "1, 0 (0 when anonymous)",
        ),
        Column(
            "psychiatry_contact",
            "text",
            "Previous contact with psychiatry, as the citizen told it.",
            "unknown, yes, no or empty when anonymous",
        ),
        Column(
            "wait_minutes",
            "decimal",
            "From ringing or arrival until a staff member took it; empty if not answered.",
        ),
        Column("duration_minutes", "decimal", "From answered (or started) until ended; empty if not ended."),
        Column(
            "notification_decision",
            "text",
            "Duty to notify for under-18s.",
            "notified, not_needed or empty (not decided)",
        ),
    ],
    "wellbeing": [
        SCHEMA,
        Column("score_id", "integer", "The score's number in the service's system."),
        PSEUDONYM,
        Column("occasion", "text", "When the scale was answered.", "contact, follow_up"),
        Column("date", "date", "Local date it was recorded.", "YYYY-MM-DD"),
        *[Column(f"item_{number}", "integer", f"SWEMWBS item {number}.", "1-5") for number in range(1, 8)],
        Column("raw_score", "integer", "Sum of the seven items.", "7-35"),
        Column("metric_score", "decimal", "Metric (Rasch) score converted from the raw score.", "7.00-35.00"),
        Column("contact_id", "integer", "The contact it was recorded at; empty if none."),
        Column("follow_up_id", "integer", "The follow-up it was recorded at; empty if none."),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
    ],
    "stays": [
        SCHEMA,
        Column("stay_id", "integer", "The stay's number in the service's system."),
        PSEUDONYM,
        Column("bed", "integer", "The bed used."),
        Column("check_in_date", "date", "Local date of check-in.", "YYYY-MM-DD"),
        Column(
            "check_out_date",
            "date",
            "Local date of check-out; empty while the stay is open.",
            "YYYY-MM-DD or empty",
        ),
        Column("nights", "integer", "Nights of the whole stay (an open stay: up to the export date)."),
        Column("nights_in_period", "integer", "Nights of the stay inside the exported period."),
        Column("meals", "integer", "Meals offered during the stay."),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
        UNDER_18,
    ],
    "followups": [
        SCHEMA,
        Column("follow_up_id", "integer", "The follow-up's number in the service's system."),
        Column("plan_id", "integer", "The crisis plan followed up."),
        PSEUDONYM,
        Column("plan_date", "date", "Local date the crisis plan was made.", "YYYY-MM-DD"),
        Column("first_due_date", "date", "Local date the follow-up was first due.", "YYYY-MM-DD"),
        Column("completed_date", "date", "Local date it was done; empty if not done.", "YYYY-MM-DD or empty"),
        Column(
            "status",
            "text",
            "Outcome so far.",
            "open, reached, not_reached, declined, not_wanted, cancelled",
        ),
        Column("attempts", "integer", "Attempts made to reach the citizen."),
        Column("done_on_time", "flag", "Done on or before the local date it was first due.", "1, 0"),
        Column("wants_follow_up", "flag", "The citizen wanted a follow-up when the plan was made.", "1, 0"),
        Column(
            "follow_up_channel",
            "text",
            "How the citizen wanted to be followed up.",
            "phone, sms, visit, email",
        ),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
    ],
    "costs": [
        SCHEMA,
        Column("month", "text", "The month the cost belongs to.", "YYYY-MM"),
        Column(
            "category",
            "text",
            "Cost category.",
            "salaries, rent, training, communication, meals, establishment, other",
        ),
        Column("amount", "decimal", "Sum of the month's entries in the category, DKK."),
        Column("running", "flag", "A running cost (every category except establishment).", "1, 0"),
    ],
}
KINDS = list(COLUMNS)


def _local(moment):
    return timezone.localtime(moment) if moment is not None else None


def _local_date(moment):
    return timezone.localdate(moment) if moment is not None else None


def _minutes(delta):
    if delta is None:
        return None
    return (Decimal(delta.total_seconds()) / 60).quantize(Decimal("0.1"))


def _minutes_text(decimal_separator):
    """``_minutes`` as text, by integer arithmetic for whole seconds (the common case): tenths of
    a minute are seconds ÷ 6, rounded half to even as ``Decimal.quantize`` does."""

    def minutes(delta):
        if delta is None:
            return None
        seconds = delta.days * 86400 + delta.seconds
        if delta.microseconds or seconds < 0:
            text = str(_minutes(delta))
        else:
            tenths, rest = divmod(seconds, 6)
            if rest > 3 or (rest == 3 and tenths % 2):
                tenths += 1
            text = f"{tenths // 10}.{tenths % 10}"
        return text if decimal_separator == "." else text.replace(".", decimal_separator)

    return minutes


def _person_columns(day, person_id, cpr_index, birth_date, birth_year, municipality, stated_age=None):
    years = age(day, birth_date=birth_date, birth_year=birth_year, stated_age=stated_age)
    return {
        "pseudonym": pseudonym(person_id, cpr_index),
        "age_band": age_band(years),
        "municipality_code": municipality,
        "under_18": years is not None and years < 18,
    }


PERSON_FIELDS = ("person__birth_date", "person__birth_year", "person__home_municipality_id")


def _contact_chunks(period, dialect):
    """The contacts export's data lines, a chunk of rows per list.

    Three queries however many rows: the contacts, their reasons in the same order (merged row by
    row), and the persons who had a contact before the period. The database hands over each
    contact's local date, hour and minute and its wait and duration as intervals, so no row pays
    for a time-zone conversion or an aware datetime in Python.
    """
    zone = timezone.get_default_timezone()
    in_period = queries.contacts(period)
    contacts = (
        in_period.annotate(
            local_date=TruncDate("started_at", tzinfo=zone),
            local_hour=ExtractHour("started_at", tzinfo=zone),
            local_minute=ExtractMinute("started_at", tzinfo=zone),
            wait=ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField()),
            duration=ExpressionWrapper(
                F("ended_at") - Coalesce("answered_at", "started_at"), output_field=DurationField()
            ),
        )
        .order_by("started_at", "id")
        .values_list(
            "id",
            "local_date",
            "local_hour",
            "local_minute",
            "wait",
            "duration",
            "channel",
            "direction",
            "caller_role",
            "acuteness",
            "in_target_group",
            "stated_age",
            "notification_decision",
            "person_id",
            "person__cpr_index",
            *PERSON_FIELDS,
            "person__psychiatry_contact",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    reasons = iter(
        Contact.reasons.through.objects.filter(
            contact__started_at__gte=period.start_at, contact__started_at__lt=period.end_at
        )
        .order_by("contact__started_at", "contact_id", "reason__position", "reason__name")
        .values_list("contact_id", "reason__name")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    # A contact is the person's first when the person had none before the period and none
    # earlier in it, i.e. earlier in this stream.
    seen = set(
        Person.objects.filter(pk__in=in_period.values("person_id"))
        .filter(Exists(Contact.objects.filter(person=OuterRef("pk"), started_at__lt=period.start_at)))
        .values_list("pk", flat=True)
    )
    minutes = _minutes_text(dialect.decimal_separator)
    secret = settings.EXPORT_PSEUDONYM_SECRET
    next_reason = next(reasons, None)
    while chunk := list(islice(contacts, CHUNK_SIZE)):
        lines = []
        for (
            contact_id,
            day,
            hour,
            minute,
            wait,
            duration,
            channel,
            direction,
            caller_role,
            acuteness,
            in_target_group,
            stated_age,
            notification_decision,
            person_id,
            cpr_index,
            birth_date,
            birth_year,
            municipality,
            psychiatry_contact,
        ) in chunk:
            first_contact = person_id is not None and person_id not in seen
            seen.add(person_id)
            names = []
            while next_reason is not None and next_reason[0] == contact_id:
                names.append(next_reason[1])
                next_reason = next(reasons, None)
            years = age(day, birth_date=birth_date, birth_year=birth_year, stated_age=stated_age)
            lines.append(
                (
                    SCHEMA_VERSION,
                    contact_id,
                    pseudonym(person_id, cpr_index, secret=secret),
                    day.isoformat(),
                    f"{hour:02d}:{minute:02d}",
                    channel,
                    direction,
                    caller_role,
                    acuteness,
                    "|".join(names),
                    "1" if in_target_group else "0",
                    "1" if person_id is None else "0",
                    "1" if channel in CHANNELS_NEEDING_CPR and cpr_index is None else "0",
                    "1" if years is not None and years < 18 else "0",
                    age_band(years),
                    municipality,
                    "1" if first_contact else "0",
                    psychiatry_contact,
                    minutes(wait),
                    minutes(duration),
                    notification_decision,
                )
            )
        yield lines


# The contacts export on PostgreSQL: the database writes the CSV itself (COPY ... TO STDOUT), every
# column computed in SQL by the same rules as ``_contact_chunks``. tests/reporting holds the two to
# the same bytes.

COPY_CHUNK_BYTES = 64 * 1024
PAD_SETTINGS = ("akuttilbud.pseudonym_inner_pad", "akuttilbud.pseudonym_outer_pad")
# A year's rows of a million-contact database are sorted in memory (about 70 MB), and the person
# and reason hash tables stay in one batch; the default 4 MB spills all three to disk.
COPY_WORK_MEM = "128MB"
# Below this many contacts a second backend costs more than it saves.
COPY_PARTS_FROM_ROWS = 50_000
COPY_SPOOL_BYTES = 4 * 1024 * 1024


def _flag(condition):
    return f"CASE WHEN {condition} THEN '1' ELSE '0' END"


def _tenths_sql(interval):
    """Tenths of a minute in ``abs(interval)``, rounded half to even as ``_minutes`` does.

    ``date_part`` gives the seconds as a double: exact for whole seconds, where every tie falls
    (3 s past a multiple of 6 s), so ``round(double)``, which rounds half to even, meets them
    exactly; a fraction of a second is never a tie and lies far from one next to a double's error.
    """
    return f"round(abs(date_part('epoch', {interval})) / 6)::bigint"


def _minutes_sql(negative, tenths):
    """``_minutes_text`` from a sign and a count of tenths: '-' for a negative interval (as
    ``str(Decimal)`` writes it, also for -0.0), whole minutes, the decimal separator, the tenth."""
    return (
        f"CASE WHEN {negative} THEN '-' ELSE '' END || ({tenths} / 10)::text "
        f"|| %(decimal_separator)s || mod({tenths}, 10)::text"
    )


def _years_sql(local_text):
    """``people.age`` on the local date starting ``local_text`` (ISO): from the birth date (as
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
    pads = [f"(SELECT decode(current_setting('{name}'), 'hex'))" for name in PAD_SETTINGS]
    bit = "1::bigint << cr.reason_id::int"
    in_mask = "cr.reason_id BETWEEN 0 AND 63"
    key = "{0}.mask::text || coalesce({0}.others::text, '')"
    return f"""COPY (
WITH reason_sets AS MATERIALIZED (
  SELECT cr.contact_id, coalesce(bit_or(CASE WHEN {in_mask} THEN {bit} END), 0) AS mask,
         array_agg(cr.reason_id) FILTER (WHERE NOT {in_mask}) AS others
    FROM contacts_contact_reasons cr
   WHERE cr.contact_id BETWEEN %(first_id)s AND %(last_id)s
   GROUP BY cr.contact_id
)
SELECT {SCHEMA_VERSION}, id, pseudonym, left(local_text, 10), substr(local_text, 12, 5),
       nullif(channel, ''), nullif(direction, ''), nullif(caller_role, ''), acuteness,
       nullif(reasons, ''), {_flag("in_target_group")}, {_flag("person_id IS NULL")},
       {_flag("lacks_cpr")}, {_flag("years < 18")}, {age_band_sql("years")},
       nullif(home_municipality_id, ''), {_flag("first_contact")}, nullif(psychiatry_contact, ''),
       {_minutes_sql("wait_negative", "wait_tenths")},
       {_minutes_sql("duration_negative", "duration_tenths")},
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
           {_tenths_sql("c.answered_at - c.started_at")} AS wait_tenths,
           c.answered_at < c.started_at AS wait_negative,
           {_tenths_sql("c.ended_at - coalesce(c.answered_at, c.started_at)")} AS duration_tenths,
           c.ended_at < coalesce(c.answered_at, c.started_at) AS duration_negative
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
               {pseudonym_sql("p.id", "p.cpr_index", *pads)} AS pseudonym,
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
COPY_PREPARATION = """SELECT set_config(%(inner_setting)s, encode(%(inner_pad)s, 'hex'), true),
       set_config(%(outer_setting)s, encode(%(outer_pad)s, 'hex'), true),
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
    yield _header_line(header("contacts"), dialect)
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
    inner_pad, outer_pad = pseudonym_pads()
    with psycopg.Cursor(cursor.cursor.connection) as bound:
        *_settings, first_id, last_id, rows = bound.execute(
            COPY_PREPARATION,
            {
                "inner_setting": PAD_SETTINGS[0],
                "inner_pad": inner_pad,
                "outer_setting": PAD_SETTINGS[1],
                "outer_pad": outer_pad,
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
        "decimal_separator": dialect.decimal_separator,
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


def _wellbeing_rows(period):
    items = [f"item_{number}" for number in range(1, 8)]
    scores = (
        queries.wellbeing_scores(period)
        .order_by("recorded_at", "id")
        .values_list(
            "id",
            "occasion",
            "recorded_at",
            *items,
            "raw_score",
            "metric_score",
            "contact_id",
            "follow_up_id",
            "person_id",
            "person__cpr_index",
            *PERSON_FIELDS,
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for values in scores:
        score_id, occasion, recorded_at, *rest = values
        answers, rest = rest[:7], rest[7:]
        raw, metric, contact_id, follow_up_id, person_id, cpr_index, birth_date, birth_year, municipality = (
            rest
        )
        day = _local_date(recorded_at)
        row = _person_columns(day, person_id, cpr_index, birth_date, birth_year, municipality)
        row.update(dict(zip(items, answers, strict=True)))
        row.update(
            score_id=score_id,
            occasion=occasion,
            date=day,
            raw_score=raw,
            metric_score=Decimal(metric).quantize(Decimal("0.01")),
            contact_id=contact_id,
            follow_up_id=follow_up_id,
            lacks_cpr=cpr_index is None,
        )
        yield row


def _stay_rows(period):
    today = timezone.localdate()
    stays = (
        queries.stays(period)
        .order_by("check_in", "id")
        .values_list(
            "id", "bed", "check_in", "check_out", "meals", "person_id", "person__cpr_index", *PERSON_FIELDS
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        stay_id,
        bed,
        check_in,
        check_out,
        meals,
        person_id,
        cpr_index,
        birth_date,
        birth_year,
        municipality,
    ) in stays:
        check_in_date = _local_date(check_in)
        check_out_date = _local_date(check_out)
        row = _person_columns(check_in_date, person_id, cpr_index, birth_date, birth_year, municipality)
        row.update(
            stay_id=stay_id,
            bed=bed,
            check_in_date=check_in_date,
            check_out_date=check_out_date,
            nights=((check_out_date or today) - check_in_date).days,
            nights_in_period=nights_in_period(check_in, check_out, period, today),
            meals=meals,
            lacks_cpr=cpr_index is None,
        )
        yield row


def _follow_up_rows(period):
    follow_ups = (
        queries.follow_ups(period)
        .order_by("first_due_at", "id")
        .values_list(
            "id",
            "plan_id",
            "plan__created_at",
            "first_due_at",
            "completed_at",
            "status",
            "attempts",
            "plan__wants_follow_up",
            "plan__follow_up_channel",
            "plan__person_id",
            "plan__person__cpr_index",
            "plan__person__birth_date",
            "plan__person__birth_year",
            "plan__person__home_municipality_id",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        follow_up_id,
        plan_id,
        plan_created_at,
        first_due_at,
        completed_at,
        status,
        attempts,
        wants_follow_up,
        channel,
        person_id,
        cpr_index,
        birth_date,
        birth_year,
        municipality,
    ) in follow_ups:
        due_date = _local_date(first_due_at)
        completed_date = _local_date(completed_at)
        row = _person_columns(due_date, person_id, cpr_index, birth_date, birth_year, municipality)
        del row["under_18"]
        row.update(
            follow_up_id=follow_up_id,
            plan_id=plan_id,
            plan_date=_local_date(plan_created_at),
            first_due_date=due_date,
            completed_date=completed_date,
            status=status,
            attempts=attempts,
            done_on_time=completed_date is not None and completed_date <= due_date,
            wants_follow_up=wants_follow_up,
            follow_up_channel=channel,
            lacks_cpr=cpr_index is None,
        )
        yield row


def _cost_queryset(period):
    return (
        queries.costs(period)
        .values("month", "category")
        .annotate(amount=Sum("amount"))
        .order_by("month", "category")
    )


def _cost_rows(period):
    for entry in _cost_queryset(period).iterator(chunk_size=CHUNK_SIZE):
        yield {
            "month": entry["month"].strftime("%Y-%m"),
            "category": entry["category"],
            "amount": Decimal(entry["amount"]).quantize(Decimal("0.01")),
            "running": entry["category"] != CostCategory.ESTABLISHMENT,
        }


ROW_BUILDERS = {
    "wellbeing": _wellbeing_rows,
    "stays": _stay_rows,
    "followups": _follow_up_rows,
    "costs": _cost_rows,
}


def count_rows(kind, period):
    """How many rows an export of ``kind`` holds, in one COUNT query (for the audit)."""
    if kind == "costs":
        return _cost_queryset(period).count()
    return {
        "contacts": queries.contacts,
        "wellbeing": queries.wellbeing_scores,
        "stays": queries.stays,
        "followups": queries.follow_ups,
    }[kind](period).count()


def format_cell(value, dialect):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value).replace(".", dialect.decimal_separator)
    return str(value)


class _Line:
    """A file-like object whose ``write`` hands back the line, for streaming csv.writer output."""

    def write(self, text):
        return text


def write_csv(header, rows, dialect):
    """Yield the CSV text of ``header`` and ``rows`` (lists of cells) line by line."""
    writer = csv.writer(_Line(), delimiter=dialect.delimiter, lineterminator="\r\n")
    yield ("\ufeff" if dialect.byte_order_mark else "") + writer.writerow(header)
    for row in rows:
        yield writer.writerow([format_cell(value, dialect) for value in row])


def header(kind):
    return [column.name for column in COLUMNS[kind]]


def stream(kind, period, dialect_name="standard"):
    """The CSV text of an export: the header line, then the rows, a line or a chunk at a time."""
    names = header(kind)
    dialect = DIALECTS[dialect_name]
    if kind == "contacts":
        if connection.vendor == "postgresql":
            return contacts_by_copy(period, dialect)
        return contacts_in_python(period, dialect)
    rows = ({**row, "schema_version": SCHEMA_VERSION} for row in ROW_BUILDERS[kind](period))
    return write_csv(names, ([row[name] for name in names] for row in rows), dialect)


def _header_line(names, dialect):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n").writerow(names)
    return ("\ufeff" if dialect.byte_order_mark else "") + buffer.getvalue()


def contacts_in_python(period, dialect):
    """The contacts export built row by row in Python: any database, and the reference that
    ``contacts_by_copy`` must equal byte for byte."""
    return _write_chunks(header("contacts"), _contact_chunks(period, dialect), dialect)


def _write_chunks(header, chunks, dialect):
    """Yield the header line, then one string per chunk of rows whose cells are already text,
    numbers or ``None`` (an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    yield _header_line(header, dialect)
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def _linkage_persons(period):
    return queries.persons_with_activity(period).filter(cpr_index__isnull=False).order_by("id")


def linkage_person_ids(period):
    """The ids of the persons the linkage key of ``period`` names, for its audit event."""
    return list(_linkage_persons(period).values_list("id", flat=True))


def linkage_stream(period, dialect_name="standard"):
    """Pseudonym → CPR for identified persons with activity in the period: the register-linkage key."""
    persons = (
        _linkage_persons(period)
        .values_list("id", "cpr_index", "cpr_encrypted")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    rows = (
        [pseudonym(person_id, cpr_index), cpr_module.decrypt(token)]
        for person_id, cpr_index, token in persons
    )
    return write_csv(["pseudonym", "cpr"], rows, DIALECTS[dialect_name])


def filename(kind, period, dialect_name):
    return f"akuttilbud-{kind}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}-{dialect_name}.csv"
