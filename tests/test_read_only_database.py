"""The database refuses every write (read-only PostgreSQL database, SQLite's query_only): pages that
only read keep working, a write answers a Danish 503 saying nothing was saved, and nothing is."""

import datetime
from contextlib import contextmanager

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from contacts.models import Contact
from crisisplans.models import CrisisPlan
from tests.crisisplans.factories import IdentifiedPersonFactory, short_plan_form, walk_in_contact
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import with_token

NOTHING_SAVED = "Intet blev gemt. Din tekst er bevaret — prøv igen om lidt."


@contextmanager
def read_only_database():
    """PostgreSQL: the database itself set read-only, as a standby or an operator would; every
    new session refuses writes. SQLite: the connection refuses writes (``PRAGMA query_only``)."""
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        connection.close()
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET default_transaction_read_only = off")
                cursor.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            connection.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")


def _refused(response):
    assert response.status_code == 503
    page = response.content.decode()
    assert NOTHING_SAVED in page
    assert '<html lang="da">' in page
    return page


@pytest.mark.django_db(transaction=True)
def test_reading_pages_work_and_writes_answer_a_danish_503_that_nothing_was_saved(staff_client):
    # The error page as a browser gets it, not the exception re-raised into the test.
    staff_client.raise_request_exception = False
    ServiceSettings.load()
    ContactFactory(person=PersonFactory(name="Mette"), summary="Ringede i nat")
    contact = walk_in_contact(IdentifiedPersonFactory())
    contacts_before, plans_before = Contact.objects.count(), CrisisPlan.objects.count()
    # Later than the session's last recorded activity, so the idle bookkeeping wants to write.
    later = timezone.now() + datetime.timedelta(minutes=5)

    with time_machine.travel(later, tick=False), read_only_database():
        board = staff_client.get(reverse("contacts:board"))
        assert board.status_code == 200
        assert staff_client.get(reverse("contacts:contact_list")).status_code == 200
        assert staff_client.get(reverse("crisisplans:follow_up_list")).status_code == 200

        _refused(
            staff_client.post(
                reverse("contacts:quick_log"),
                with_token(
                    {"summary": "Ringede om søvn", "acuteness": "3", "channel": "phone", "answered_at": ""}
                ),
            )
        )
        data = short_plan_form()
        _refused(staff_client.post(reverse("crisisplans:plan_create", args=[contact.pk]), with_token(data)))

    assert Contact.objects.count() == contacts_before
    assert CrisisPlan.objects.count() == plans_before
    # Once the database takes writes again, the same user saves normally.
    response = staff_client.post(
        reverse("contacts:quick_log"),
        with_token({"summary": "Ringede om søvn", "acuteness": "3", "channel": "phone", "answered_at": ""}),
    )
    assert response.status_code == 302
    assert Contact.objects.count() == contacts_before + 1


def test_the_error_pages_are_danish_and_say_nothing_was_saved(client, settings):
    from django.template.loader import render_to_string

    for template in ("400.html", "500.html", "503.html"):
        page = render_to_string(template)
        assert '<html lang="da">' in page
        assert "Intet blev gemt" in page
        assert "Din tekst er bevaret" in page
