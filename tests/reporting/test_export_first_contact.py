import csv
import datetime
import io

import pytest
from django.utils import timezone

from reporting import exports
from reporting.exports import contacts as contacts_export
from reporting.people import record_key
from reporting.periods import Period
from tests.factories import ContactFactory, PersonFactory

pytestmark = pytest.mark.django_db

PERIOD = Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(datetime.date(2026, 3, day), datetime.time(hour)))


def test_first_contact_is_flagged_once_per_person_across_chunks(monkeypatch):
    monkeypatch.setattr(contacts_export, "CHUNK_SIZE", 2)
    returning = PersonFactory()
    newcomer = PersonFactory()
    ContactFactory(person=returning, started_at=_at(1, 10) - datetime.timedelta(days=40))
    contacts = [
        ContactFactory(person=returning, started_at=_at(2, 10)),
        ContactFactory(person=None, started_at=_at(2, 11)),
        ContactFactory(person=newcomer, started_at=_at(3, 10)),
        ContactFactory(person=newcomer, started_at=_at(3, 10)),
        ContactFactory(person=newcomer, started_at=_at(4, 10)),
    ]
    text = "".join(exports.stream("contacts", PERIOD))
    records = list(csv.DictReader(io.StringIO(text)))
    assert [record["contact_key"] for record in records] == [
        record_key("contact", contact.pk) for contact in contacts
    ]
    # Two contacts at the same moment: the one with the lower id came first.
    assert [record["first_contact"] for record in records] == ["0", "0", "1", "0", "0"]
