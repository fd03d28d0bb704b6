"""Every cell of the contacts file is the Python rule of its column, on SQLite (the queryset
iterated) and on PostgreSQL (its COPY): the expressions the file is built from and the rules the
pages use are the same rules."""

import csv
import datetime
import io
import math

import pytest
from django.db.models import DateField, DateTimeField, IntegerField, Value
from django.utils import timezone

from akuttilbud.cpr import age
from akuttilbud.expressions import LocalTimestamp, OrderedJoin, WholeSeconds, local_timestamp
from contacts.models import Contact, Person, Reason
from reporting import exports
from reporting.people import Age, age_band, pseudonym, record_key
from tests.factories import PersonFactory

from .test_export_copy import PERIOD, _build

pytestmark = pytest.mark.django_db


def _seconds(end, start):
    return None if end is None or start is None else math.floor((end - start).total_seconds())


def _text(value):
    return "" if value is None else str(value)


def _expected_rows():
    contacts = sorted(
        Contact.objects.in_period(PERIOD.start_at, PERIOD.end_at).select_related("person"),
        key=lambda contact: (contact.started_at, contact.pk),
    )
    first_ever = {}
    for contact in Contact.objects.exclude(person=None).order_by("started_at", "pk"):
        first_ever.setdefault(contact.person_id, contact.pk)
    rows = []
    for contact in contacts:
        person = contact.person
        day = timezone.localdate(contact.started_at)
        years = age(
            day,
            birth_date=person and person.birth_date,
            birth_year=person and person.birth_year,
            stated_age=contact.stated_age,
        )
        reasons = sorted(contact.reasons.all(), key=lambda reason: (reason.position, reason.name))
        rows.append(
            [
                str(exports.SCHEMA_VERSION),
                record_key("contact", contact.pk),
                pseudonym(contact.person_id, person and person.cpr_index),
                day.isoformat(),
                local_timestamp(contact.started_at),
                contact.channel,
                contact.direction,
                contact.caller_role,
                _text(contact.acuteness),
                "|".join(reason.name for reason in reasons),
                "1" if contact.in_target_group else "0",
                "1" if person is None else "0",
                "1" if contact.lacks_required_cpr else "0",
                "1" if years is not None and years < 18 else "0",
                age_band(years),
                _text(person and person.home_municipality_id),
                "1" if person is not None and first_ever[person.pk] == contact.pk else "0",
                _text(person and person.psychiatry_contact),
                _text(_seconds(contact.answered_at, contact.started_at)),
                _text(_seconds(contact.ended_at, contact.answered_at or contact.started_at)),
                contact.notification_decision,
            ]
        )
    return rows


@pytest.mark.parametrize("dialect", list(exports.DIALECTS))
def test_every_cell_of_the_contacts_file_is_its_python_rule(dialect):
    _build()
    text = "".join(exports.stream("contacts", PERIOD, dialect)).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=exports.DIALECTS[dialect].delimiter))
    assert rows[0] == exports.header("contacts")
    assert rows[1:] == _expected_rows()


def _one(expression):
    PersonFactory()
    return Person.objects.annotate(value=expression).values_list("value", flat=True).first()


@pytest.mark.parametrize(
    ("day", "birth_date", "birth_year", "stated_age"),
    [
        (datetime.date(2027, 2, 28), datetime.date(2024, 2, 29), None, None),
        (datetime.date(2027, 3, 1), datetime.date(2024, 2, 29), None, None),
        (datetime.date(2026, 10, 25), datetime.date(2008, 10, 25), None, None),
        (datetime.date(2026, 10, 24), datetime.date(2008, 10, 25), None, None),
        (datetime.date(2026, 10, 29), datetime.date(2026, 12, 1), None, None),
        (datetime.date(2026, 1, 1), None, 2009, 40),
        (datetime.date(2026, 1, 1), None, None, 40),
        (datetime.date(2026, 1, 1), None, None, None),
    ],
)
def test_the_database_age_is_the_python_age(day, birth_date, birth_year, stated_age):
    expression = Age(
        Value(day, output_field=DateField()),
        Value(birth_date, output_field=DateField()),
        Value(birth_year, output_field=IntegerField()),
        Value(stated_age, output_field=IntegerField()),
    )
    assert _one(expression) == age(day, birth_date=birth_date, birth_year=birth_year, stated_age=stated_age)


UTC = datetime.UTC


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime.datetime(2026, 10, 31, 22, 59, 59, 999999, tzinfo=UTC),
        datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime.datetime(1999, 12, 31, 23, 0, tzinfo=UTC),
    ],
)
def test_the_database_local_timestamp_is_the_python_one(moment):
    assert _one(LocalTimestamp(Value(moment, output_field=DateTimeField()))) == local_timestamp(moment)


@pytest.mark.parametrize(
    "microseconds",
    [0, 1, 999_999, 1_000_000, 3_000_001, -1, -999_999, -1_000_000, -1_000_001, 2 * 86_400 * 10**6],
)
def test_whole_seconds_round_down_on_both_databases(microseconds):
    start = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    end = start + datetime.timedelta(microseconds=microseconds)
    seconds = _one(
        WholeSeconds(Value(end, output_field=DateTimeField()), Value(start, output_field=DateTimeField()))
    )
    assert seconds == math.floor(microseconds / 10**6)


def test_ordered_join_joins_in_the_given_order_and_is_null_for_none():
    names = [("Zz zebra", 0), ("Aa angst", 2), ("Øø økonomi", 0), ("Bb bolig", 2)]
    for name, position in names:
        Reason.objects.create(name=name, position=position)
    joined = (
        Reason.objects.filter(name__in=[name for name, _position in names]).aggregate(
            names=OrderedJoin("name", "|", ["position", "name"])
        )
    )["names"]
    assert joined == "|".join(name for name, _position in sorted(names, key=lambda pair: (pair[1], pair[0])))
    none = Reason.objects.filter(name="no such reason")
    assert none.aggregate(names=OrderedJoin("name", "|", ["position", "name"]))["names"] is None
