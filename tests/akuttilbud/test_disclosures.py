"""Every path that discloses a citizen's data leaves an event their access report lists."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from akuttilbud.models import AuditAction, AuditEvent, AuditEventPerson, Municipality
from partners.models import AgreementType, PartnerKind
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import with_token
from tests.partners.factories import AgreementFactory, PartnerFactory
from tests.reporting.dataset import build

pytestmark = pytest.mark.django_db

CPR = "0101901234"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def reporter(leader_user):
    """A leader in a browser of their own, apart from the user whose look-ups are made."""
    browser = Client()
    browser.force_login(leader_user)
    return browser


def reported(reporter, person):
    """``(action, user name)`` of each look-up ``/access/<id>/`` lists, its own making left out."""
    response = reporter.get(reverse("access_report", args=[person.pk]))
    assert response.status_code == 200
    return [
        (event.action, event.username)
        for event in response.context["look_ups"]
        if event.action != AuditAction.ACCESS_REPORT
    ]


def test_cpr_search_hit_is_in_the_report(staff_client, reporter):
    person = PersonFactory(cpr=CPR)
    other = PersonFactory(cpr="0202802345")
    staff_client.post(reverse("contacts:person_search"), {"term": CPR})
    assert reported(reporter, person) == [(AuditAction.SEARCH, "sara")]
    assert reported(reporter, other) == []


def test_every_name_search_hit_is_in_its_report(staff_client, reporter):
    hanne, hans = PersonFactory(name="Hanne Holm"), PersonFactory(name="Hans Holm")
    staff_client.post(reverse("contacts:person_search"), {"term": "Holm"})
    event = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert set(event.person_links.values_list("person_id", flat=True)) == {hanne.pk, hans.pk}
    assert reported(reporter, hanne) == [(AuditAction.SEARCH, "sara")]
    assert reported(reporter, hans) == [(AuditAction.SEARCH, "sara")]


def test_the_desks_who_look_up_is_in_the_report_of_every_match(staff_client, reporter):
    hanne, hans = PersonFactory(name="Hanne Holm"), PersonFactory(name="Hans Holm", cpr=CPR)
    staff_client.post(reverse("contacts:person_lookup"), {"who": "Holm"})
    staff_client.post(reverse("contacts:person_lookup"), {"who": CPR})
    assert reported(reporter, hanne) == [(AuditAction.SEARCH, "sara")]
    assert reported(reporter, hans) == [(AuditAction.SEARCH, "sara")] * 2


def test_creating_a_person_with_a_taken_cpr_is_a_disclosure_of_the_holder(staff_client, reporter):
    holder = PersonFactory(cpr=CPR, name="Hanne Holm")
    response = staff_client.post(
        reverse("contacts:person_create"), with_token({"cpr": CPR, "psychiatry_contact": "unknown"})
    )
    assert response.status_code == 200
    assert reverse("contacts:person_detail", args=[holder.pk]) in response.text
    event = AuditEvent.objects.get(action=AuditAction.VIEW, person_id=holder.pk)
    assert event.detail == {"duplicate_cpr": True}
    assert reported(reporter, holder) == [(AuditAction.VIEW, "sara")]


def test_identifying_with_a_taken_cpr_is_a_disclosure_of_the_holder(staff_client, reporter):
    holder = PersonFactory(cpr=CPR)
    nameless = PersonFactory()
    response = staff_client.post(reverse("contacts:person_identify", args=[nameless.pk]), {"cpr": CPR})
    assert response.status_code == 200
    assert reverse("contacts:person_merge", args=[holder.pk, nameless.pk]) in response.text
    assert reported(reporter, holder) == [(AuditAction.VIEW, "sara")]


def test_cpr_reveal_is_in_the_report(staff_client, reporter):
    person = PersonFactory(cpr=CPR)
    staff_client.post(reverse("contacts:person_reveal", args=[person.pk]))
    assert (AuditAction.CPR_REVEAL, "sara") in reported(reporter, person)


def test_person_page_read_is_in_the_report(staff_client, reporter):
    person = PersonFactory()
    staff_client.get(reverse("contacts:person_detail", args=[person.pk]))
    assert reported(reporter, person) == [(AuditAction.VIEW, "sara")]


def test_contact_page_read_is_in_the_report_of_its_citizen(staff_client, reporter):
    contact = ContactFactory(person=PersonFactory())
    staff_client.get(reverse("contacts:contact_detail", args=[contact.pk]))
    assert reported(reporter, contact.person) == [(AuditAction.VIEW, "sara")]


def test_crisis_plan_section_read_is_in_the_report(staff_client, reporter):
    person = PersonFactory()
    staff_client.get(reverse("crisisplans:person_section", args=[person.pk]))
    assert reported(reporter, person) == [(AuditAction.VIEW, "sara")]


@pytest.fixture
def billed():
    """Two of Lyngby-Taarbæk's citizens with use in October 2026, and one without a CPR number."""
    lyngby = Municipality.objects.get(code="0173")
    AgreementFactory(
        partner=PartnerFactory(kind=PartnerKind.objects.get(name="Nabokommune"), municipality=lyngby),
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
        price_per_contact=Decimal("1000.00"),
        price_per_bed_night=Decimal("500.00"),
    )
    october = datetime.datetime(2026, 10, 5, 12, 0, tzinfo=COPENHAGEN)
    persons = [
        PersonFactory(cpr=CPR, home_municipality=lyngby),
        PersonFactory(cpr="0202802345", home_municipality=lyngby),
        PersonFactory(home_municipality=lyngby),
    ]
    for person in persons:
        ContactFactory(person=person, started_at=october)
    return persons


@pytest.mark.parametrize("route", ["partners:billing", "partners:billing_csv"])
def test_billing_statement_is_in_the_report_of_every_citizen_on_it(leader_client, reporter, billed, route):
    response = leader_client.get(reverse(route), {"municipality": "0173", "month": "2026-10"})
    assert response.status_code == 200
    anna, bo, without_cpr = billed
    assert reported(reporter, anna) == [(AuditAction.BILLING_STATEMENT, "lene")]
    assert reported(reporter, bo) == [(AuditAction.BILLING_STATEMENT, "lene")]
    # Counted, never named: the statement discloses nothing about them.
    assert reported(reporter, without_cpr) == []


def test_linkage_key_is_in_the_report_of_every_citizen_it_names(leader_client, reporter):
    records = build()
    form = {"start": "2026-10-25", "end": "2026-10-31", "dialect": "standard", "reason": "Registerkobling"}
    response = leader_client.post(reverse("reporting:linkage_key"), form)
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action=AuditAction.LINKAGE_KEY)
    linked = set(event.person_links.values_list("person_id", flat=True))
    assert len(linked) == event.detail["rows"] == 3
    assert {records["ann"].pk, records["bo"].pk} <= linked
    assert reported(reporter, records["ann"]) == [(AuditAction.LINKAGE_KEY, "lene")]


def test_a_bulk_disclosure_is_one_event_with_its_links_in_one_insert(leader_client, billed):
    for number in range(40):
        person = PersonFactory(cpr=f"030380{number:02d}23", home_municipality_id="0173")
        ContactFactory(person=person, started_at=datetime.datetime(2026, 10, 6, 12, 0, tzinfo=COPENHAGEN))
    with CaptureQueriesContext(connection) as captured:
        leader_client.get(reverse("partners:billing"), {"municipality": "0173", "month": "2026-10"})
    link_inserts = [
        query
        for query in captured.captured_queries
        if 'INSERT INTO "akuttilbud_auditeventperson"' in query["sql"]
    ]
    assert len(link_inserts) == 1
    assert AuditEvent.objects.filter(action=AuditAction.BILLING_STATEMENT).count() == 1
    assert AuditEventPerson.objects.count() == 42
