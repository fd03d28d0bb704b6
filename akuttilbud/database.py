"""What PostgreSQL and SQLite do differently, asked for by what it is for.

App code never branches on ``connection.vendor``: it asks this module to copy rows in, to tell
whether the database can write CSV itself, to serialize a transaction against others, to purge
the audit log or to lift its append-only triggers for a re-chaining.
PostgreSQL is production; SQLite is the laptop and the default test run, so each function
does the same job on both.
"""

import contextlib
import datetime

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import audit_database


def register_functions(sender, connection, **kwargs):
    """Give each new SQLite connection the functions PostgreSQL has built in or by extension, or
    that an expression spells in SQL there (``connection_created``, connected in ``apps.py``):
    each calls the Python rule itself. ``akuttilbud_pseudonym`` and ``akuttilbud_record_key``
    (``reporting.people.Pseudonym`` and ``RecordKey``, pgcrypto's ``hmac()`` on PostgreSQL),
    ``akuttilbud_age`` and ``akuttilbud_age_band`` (``reporting.people.Age`` and ``AgeBand``), ``akuttilbud_local_timestamp`` and the
    aggregate ``akuttilbud_ordered_join`` (``akuttilbud.expressions``)."""
    if connection.vendor != "sqlite":
        return
    from reporting.people import age_band, pseudonym, record_key

    from .cpr import age
    from .expressions import OrderedJoinAggregate, local_timestamp

    def age_on(day, birth_date, birth_year, stated_age):
        if day is None:
            return None
        birth_date = datetime.date.fromisoformat(birth_date) if birth_date else None
        return age(
            datetime.date.fromisoformat(day),
            birth_date=birth_date,
            birth_year=birth_year,
            stated_age=stated_age,
        )

    def local(stored):
        # Django stores an aware datetime on SQLite as its UTC time, without the offset.
        if stored is None:
            return None
        return local_timestamp(datetime.datetime.fromisoformat(stored).replace(tzinfo=datetime.UTC))

    functions = {
        "akuttilbud_pseudonym": (2, lambda person_id, cpr_index: pseudonym(person_id, cpr_index)),
        "akuttilbud_record_key": (2, lambda kind, record_id: record_key(kind, record_id)),
        "akuttilbud_age": (4, age_on),
        "akuttilbud_age_band": (1, age_band),
        "akuttilbud_local_timestamp": (1, local),
    }
    for name, (arguments, function) in functions.items():
        connection.connection.create_function(name, arguments, function, deterministic=True)
    connection.connection.create_aggregate("akuttilbud_ordered_join", -1, OrderedJoinAggregate)


def _postgresql():
    return connection.vendor == "postgresql"


def copies_csv():
    """Whether the database writes CSV itself (``COPY … TO STDOUT``): PostgreSQL only."""
    return _postgresql()


def copy_rows_in(table, columns, rows):
    """Write tuples into ``table``'s ``columns``: ``COPY … FROM STDIN`` on PostgreSQL, a plain
    ``executemany`` on SQLite. ``bulk_create``'s work per object costs more than the database
    spends storing the rows when there are hundreds of thousands."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if _postgresql():
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})", rows)  # noqa: S608 (the caller's own names)


def set_for_transaction(name, value):
    """Set the PostgreSQL setting ``name`` to the text ``value`` until the transaction ends, the
    value bound on the server so that it never appears in a statement's text, which a server
    may log. SQLite has no settings; its registered functions read Django's."""
    if _postgresql():
        with psycopg.Cursor(connection.connection) as bound:
            bound.execute("SELECT set_config(%s, %s, true)", [name, value])


def lock_for_transaction(key):
    """Hold the lock ``key`` (an integer) until the transaction ends, so transactions taking it
    run one after another. PostgreSQL takes an advisory lock; SQLite runs one writer at a time
    already."""
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def analyze(*, vacuum=False):
    """Refresh the planner's statistics (and with ``vacuum`` the visibility map) after a bulk
    load, as autovacuum would in time. SQLite's planner needs nothing here."""
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def install_audit_purge(using_connection):
    """After ``migrate`` (apps.py): PostgreSQL's purge function for the audit log, rewritten with
    the current retention; SQLite purges in Python and needs none."""
    if using_connection.vendor == "postgresql":
        audit_database.install_purge_function(using_connection)


def purge_audit_events():
    """Delete the audit events older than ``AUDIT_RETENTION_DAYS``, a prefix of the chain in id
    order, and return ``(count, last_deleted_id, last_deleted_hash, cutoff)``. PostgreSQL: the
    owner's purge function, with the retention and the clock of the database
    (``audit_database``); SQLite: the same prefix deleted here."""
    if _postgresql():
        return audit_database.purge(connection)
    return _purge_in_python()


def _purge_in_python():
    """SQLite's purge, the same prefix as ``audit_database.PURGE_FUNCTION`` deletes."""
    from .models import AuditEvent, AuditEventPerson

    cutoff = timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    first_kept_id = (
        AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    )
    if first_kept_id is None:
        first_kept_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    old = AuditEvent.objects.filter(id__lt=first_kept_id)
    last_deleted = old.order_by("-id").values("id", "hash").first() or {"id": None, "hash": None}
    AuditEventPerson.objects.filter(event_id__lt=first_kept_id).delete()
    count, _by_model = old.delete()
    return count, last_deleted["id"], last_deleted["hash"], cutoff


# The triggers that refuse an UPDATE of the audit tables, per database; only their owner can lift them.
_APPEND_ONLY_TRIGGERS = {
    "postgresql": [
        ("akuttilbud_auditevent", "akuttilbud_auditevent_append_only"),
        ("akuttilbud_auditeventperson", "akuttilbud_auditeventperson_append_only"),
    ],
    "sqlite": [
        ("akuttilbud_auditevent", "akuttilbud_auditevent_no_update"),
        ("akuttilbud_auditeventperson", "akuttilbud_auditeventperson_no_update"),
    ],
}


@contextlib.contextmanager
def append_only_triggers_lifted():
    """Lift the triggers that refuse an UPDATE of the audit tables for the ``with`` block, in
    the caller's transaction (which rolls a failed block back with them); only the tables'
    owner may."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        saved = _lift_triggers(cursor, vendor)
        yield
        _restore_triggers(cursor, vendor, saved)


def _lift_triggers(cursor, vendor):
    saved = []
    if vendor == "postgresql":
        # A table with foreign-key checks still pending in this transaction cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, trigger in _APPEND_ONLY_TRIGGERS.get(vendor, []):
        if vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        else:
            # SQLite cannot disable a trigger: keep its definition, drop it, create it again after.
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger])
            saved.append(cursor.fetchone()[0])
            cursor.execute(f"DROP TRIGGER {trigger}")
    return saved


def _restore_triggers(cursor, vendor, saved):
    if vendor == "postgresql":
        for table, trigger in _APPEND_ONLY_TRIGGERS[vendor]:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    for definition in saved:
        cursor.execute(definition)
