"""What PostgreSQL and SQLite do differently, asked for by what it is for.

App code never branches on ``connection.vendor``: it asks this module to copy rows in, to tell
whether the database can write CSV itself, or to serialize a transaction against others.
PostgreSQL is production; SQLite is the laptop and the default test run, so each function
does the same job on both.
"""

import datetime

import psycopg
from django.db import connection


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
