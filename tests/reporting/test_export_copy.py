"""The contacts export on PostgreSQL (COPY) against the Python path, byte for byte.

The data hits every column's edges: anonymous contacts, every source of an age and a birthday on
the contact's local date, the daylight-saving change of 25 October 2026 and local midnight, reasons
with the delimiters, quotes and a line break in their names, waits and durations a fraction of a
second either side of a whole one and negative, first and repeat contacts, notification decisions,
municipalities and psychiatry answers.
"""

import datetime
import threading
import time

import pytest
from django.db import connection

from akuttilbud.models import Municipality
from contacts.models import (
    CallerRole,
    Channel,
    Direction,
    NotificationDecision,
    PsychiatryContact,
    Reason,
)
from reporting import exports
from reporting.exports import contacts_copy
from reporting.people import KEY_SETTING, record_key
from reporting.periods import Period
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import require_postgres

PERIOD = Period(datetime.date(2026, 10, 20), datetime.date(2026, 11, 1))


def _utc(*parts):
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def _seconds(seconds, microseconds=0):
    return datetime.timedelta(seconds=seconds, microseconds=microseconds)


def _build():
    copenhagen = Municipality.objects.get(code="0101")
    reasons = [
        Reason.objects.create(name=name, position=position)
        for name, position in [
            ('Sagde "nej", to gange', 2),
            ("Vold; trusler", 2),
            ("Økonomi, gæld", 0),
            ("Linje\nskift", 1),
            ("Zebra", 2),
        ]
    ]
    turning_18 = PersonFactory(
        cpr="2510084123", home_municipality=copenhagen, psychiatry_contact=PsychiatryContact.YES
    )
    adult = PersonFactory(cpr="0101601234", psychiatry_contact=PsychiatryContact.NO)
    unborn = PersonFactory(birth_date=datetime.date(2026, 12, 1))
    year_teen = PersonFactory(birth_year=2009, nickname="Solsort")
    year_senior = PersonFactory(birth_year=1960, home_municipality=copenhagen)
    year_young = PersonFactory(birth_year=2002)
    nothing = PersonFactory()
    empty_index = PersonFactory(birth_year=1990)
    type(empty_index).objects.filter(pk=empty_index.pk).update(cpr_index="")

    ContactFactory(person=adult, started_at=_utc(2026, 9, 1, 10))
    ContactFactory(person=adult, started_at=_utc(2026, 10, 19, 21, 59, 59))
    contacts = [
        # The first local moment of the period, summer time (UTC+2), a wait of whole seconds.
        dict(person=adult, started_at=_utc(2026, 10, 19, 22), answered_at=_seconds(3)),
        # Local midnight of the 18th birthday, still 24 October in UTC.
        dict(
            person=turning_18,
            started_at=_utc(2026, 10, 24, 22, 30),
            answered_at=_seconds(9),
            ended_at=_seconds(15 * 60 + 15),
            channel=Channel.WALK_IN,
            notification_decision=NotificationDecision.NOT_NEEDED,
        ),
        # 02:30 local twice: before and after the clocks go back at 03:00 summer time.
        dict(person=year_teen, started_at=_utc(2026, 10, 25, 0, 30), answered_at=_seconds(15)),
        dict(
            person=year_teen,
            started_at=_utc(2026, 10, 25, 1, 30),
            answered_at=_seconds(21),
            notification_decision=NotificationDecision.NOTIFIED,
            channel=Channel.OUTREACH,
        ),
        # Two at the same moment: the lower id is the first contact.
        dict(person=nothing, started_at=_utc(2026, 10, 25, 22, 59, 59, 999999), stated_age=40),
        dict(person=nothing, started_at=_utc(2026, 10, 25, 22, 59, 59, 999999), stated_age=40),
        dict(
            person=None,
            started_at=_utc(2026, 10, 26, 9, 0, 0, 1),
            stated_age=15,
            channel=Channel.OUTREACH,
            direction=Direction.OUTGOING,
            caller_role=CallerRole.OTHER,
            acuteness=None,
            answered_at=None,
            ended_at=None,
            in_target_group=False,
        ),
        dict(person=None, started_at=_utc(2026, 10, 26, 10), stated_age=None, channel=Channel.PHONE),
        # Answered after it ended: negative durations, rounded down (-3 s; -9.5 s to -10 s).
        dict(
            person=year_senior,
            started_at=_utc(2026, 10, 27, 8),
            answered_at=_seconds(600),
            ended_at=_seconds(597),
            caller_role=CallerRole.RELATIVE,
        ),
        dict(
            person=year_senior,
            started_at=_utc(2026, 10, 27, 9),
            answered_at=_seconds(600),
            ended_at=_seconds(590, 500000),
            caller_role=CallerRole.PARTNER,
        ),
        # Fractions of a second either side of 3 s (3 and 2 whole seconds), and a wait of two days.
        dict(person=year_young, started_at=_utc(2026, 10, 28, 12), answered_at=_seconds(3, 1)),
        dict(person=year_young, started_at=_utc(2026, 10, 28, 13), answered_at=_seconds(2, 999999)),
        dict(
            person=unborn,
            started_at=_utc(2026, 10, 29, 12),
            answered_at=_seconds(2 * 86400 + 33),
            ended_at=_seconds(2 * 86400 + 33 + 45 * 60 + 27),
            channel=Channel.WALK_IN,
        ),
        dict(person=empty_index, started_at=_utc(2026, 10, 30, 7), channel=Channel.WALK_IN, stated_age=70),
        # The last local moment of the period, winter time (UTC+1).
        dict(person=adult, started_at=_utc(2026, 10, 31, 22, 59, 59, 999999), answered_at=_seconds(45)),
    ]
    made = []
    for fields in contacts:
        started_at = fields["started_at"]
        for name in ("answered_at", "ended_at"):
            if isinstance(fields.get(name), datetime.timedelta):
                fields[name] = started_at + fields[name]
        made.append(ContactFactory(**fields))
        if len(made) == 5:
            # Outside the period but among its ids: its reasons are read and left unused.
            ContactFactory(person=adult, started_at=_utc(2026, 11, 5, 12)).reasons.add(reasons[4])
    ContactFactory(person=adult, started_at=_utc(2026, 10, 31, 23))
    # Registered afterwards for a day in the period: the highest id of the period.
    made.append(ContactFactory(person=year_teen, started_at=_utc(2026, 10, 22, 6, 15)))
    made[0].reasons.add(*reasons)
    made[1].reasons.add(reasons[3], reasons[1])
    made[2].reasons.add(reasons[0])
    made[6].reasons.add(reasons[2], reasons[4])
    made[-1].reasons.add(reasons[4], reasons[2])
    return made


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("dialect", list(exports.DIALECTS))
@pytest.mark.parametrize("secret", ["kort", "en nøgle længere end blokken på 64 bytes " * 2])
def test_copy_export_is_the_python_export_byte_for_byte(settings, dialect, secret):
    require_postgres()
    settings.EXPORT_PSEUDONYM_SECRET = secret
    made = _build()
    python = "".join(exports.contacts_in_python(PERIOD, exports.DIALECTS[dialect]))
    copy = "".join(exports.contacts_by_copy(PERIOD, exports.DIALECTS[dialect]))
    assert copy == python
    assert python.count("\r\n") == 1 + len(made)
    assert "|Linje\nskift" in python
    # The two 02:30s of the night the clocks go back, told apart by their offsets.
    delimiter = exports.DIALECTS[dialect].delimiter
    for offset in ("+02:00", "+01:00"):
        assert f"{delimiter}2026-10-25T02:30:00{offset}{delimiter}" in python


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_copy_export_spells_out_reasons_with_ids_beyond_a_64_bit_set():
    require_postgres()
    made = _build()
    many = [Reason.objects.create(name=f"Grund {number:03d}", position=number % 5) for number in range(140)]
    assert max(reason.pk for reason in many) > 63
    made[3].reasons.add(*many)
    # The same mixed set in two orders, and sets wholly beyond 63.
    made[4].reasons.add(many[-1], many[0], many[70])
    made[5].reasons.add(many[70], many[-1], many[0])
    made[7].reasons.add(many[-1])
    made[8].reasons.add(many[-2], many[-1])
    dialect = exports.DIALECTS["excel-da"]
    python = "".join(exports.contacts_in_python(PERIOD, dialect))
    assert "Grund 139" in python
    assert "".join(exports.contacts_by_copy(PERIOD, dialect)) == python


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_copy_export_of_an_empty_period_is_the_header():
    require_postgres()
    period = Period(datetime.date(2020, 1, 1), datetime.date(2020, 1, 2))
    dialect = exports.DIALECTS["excel-da"]
    assert "".join(exports.contacts_by_copy(period, dialect)) == "".join(
        exports.contacts_in_python(period, dialect)
    )


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_copy_export_leaves_the_session_as_it_was():
    require_postgres()
    _build()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('work_mem')")
        before = cursor.fetchone()
    list(exports.contacts_by_copy(PERIOD, exports.DIALECTS["standard"]))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('TimeZone'), current_setting('work_mem'), current_setting(%s, true)",
            [KEY_SETTING],
        )
        after = cursor.fetchone()
    assert after[:2] == before
    assert not after[2]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 1000])
def test_crlf_ends_records_but_keeps_line_breaks_inside_quoted_cells(size):
    data = b'1,"a\nb",x\n2,"say ""hi""\n",\n3,,"\n"\n'
    chunks = [data[start : start + size] for start in range(0, len(data), size)]
    assert b"".join(contacts_copy._crlf_records(chunks)) == (
        b'1,"a\nb",x\r\n2,"say ""hi""\n",\r\n3,,"\n"\r\n'
    )


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_an_abandoned_copy_export_leaves_the_connection_usable(monkeypatch):
    require_postgres()
    # A chunk per record, so the download is left while the COPY still runs.
    monkeypatch.setattr(contacts_copy, "COPY_CHUNK_BYTES", 1)
    _build()
    stream = exports.contacts_by_copy(PERIOD, exports.DIALECTS["standard"])
    assert next(stream).startswith("schema_version,")
    next(stream)
    stream.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_contact")
        assert cursor.fetchone()[0] > 0


def _two_parts(monkeypatch, before_later_part=None):
    """Every COPY export in two parts; records each later part started (after
    ``before_later_part`` ran, once the earlier part's snapshot is taken)."""
    monkeypatch.setattr(contacts_copy, "COPY_PARTS_FROM_ROWS", 1)
    started = []
    later_part = contacts_copy._LaterPart

    def start(*args):
        if before_later_part is not None:
            before_later_part()
        started.append(later_part(*args))
        return started[-1]

    monkeypatch.setattr(contacts_copy, "_LaterPart", start)
    return started


def _in_another_connection(function):
    def run():
        try:
            function()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dialect", list(exports.DIALECTS))
def test_a_copy_export_in_two_parts_at_once_is_the_python_export_byte_for_byte(monkeypatch, dialect):
    require_postgres()
    made = _build()
    started = _two_parts(monkeypatch)
    python = "".join(exports.contacts_in_python(PERIOD, exports.DIALECTS[dialect]))
    copy = "".join(exports.contacts_by_copy(PERIOD, exports.DIALECTS[dialect]))
    assert len(started) == 1
    assert copy == python
    assert python.count("\r\n") == 1 + len(made)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_later_part_sees_the_contacts_the_earlier_part_saw(monkeypatch):
    require_postgres()
    _build()
    dialect = exports.DIALECTS["standard"]
    before = "".join(exports.contacts_in_python(PERIOD, dialect))
    late = []

    def commit_a_contact_in_the_later_half():
        if not late:
            late.append(ContactFactory(started_at=_utc(2026, 10, 30, 12)))

    started = _two_parts(monkeypatch, lambda: _in_another_connection(commit_a_contact_in_the_later_half))
    copy = "".join(exports.contacts_by_copy(PERIOD, dialect))
    assert len(started) == 1
    assert late
    assert copy == before
    assert f"\r\n{exports.SCHEMA_VERSION},{record_key('contact', late[0].pk)}," in "".join(
        exports.contacts_by_copy(PERIOD, dialect)
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_abandoned_two_part_export_ends_its_thread_and_connection(monkeypatch):
    require_postgres()
    monkeypatch.setattr(contacts_copy, "COPY_CHUNK_BYTES", 1)
    _build()
    started = _two_parts(monkeypatch)
    other_sessions = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with connection.cursor() as cursor:
        cursor.execute(other_sessions)
        before = set(cursor.fetchall())
    stream = exports.contacts_by_copy(PERIOD, exports.DIALECTS["standard"])
    next(stream)
    next(stream)
    stream.close()
    assert not started[0].thread.is_alive()
    with connection.cursor() as cursor:
        # The thread closed its connection; the server's backend leaves pg_stat_activity a moment
        # later, longer on a busy machine.
        for _attempt in range(50):
            cursor.execute(other_sessions)
            if set(cursor.fetchall()) <= before:
                break
            time.sleep(0.1)
        cursor.execute(other_sessions)
        assert set(cursor.fetchall()) <= before
        cursor.execute("SELECT count(*) FROM contacts_contact")
        assert cursor.fetchone()[0] > 0
