"""Finding the person while logging (issue 16 §4): the "Who" look-up of the quick log and the
arrival form, the arrival's persons of the same name, Ny borger's duplicate CPR linked to the
contact, and a new contact started from the person page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Channel, Contact, Person
from tests.crisisplans.factories import PlanFactory
from tests.factories import CallbackFactory, ContactFactory, PersonFactory
from tests.helpers import with_token

pytestmark = pytest.mark.django_db

LOOK_UP = reverse("contacts:person_lookup")
CPR = "0101901234"


def _look_up(client, term):
    response = client.post(LOOK_UP, {"who": term})
    assert response.status_code == 200
    return response.content.decode()


def _searches():
    return AuditEvent.objects.filter(action=AuditAction.SEARCH)


def test_a_name_shows_each_match_with_its_last_contact_open_plan_and_call_back(staff_client):
    ole = PersonFactory(name="Ole Testmand", nickname="Ravnen")
    ContactFactory(person=ole, started_at=timezone.now() - datetime.timedelta(days=2))
    last = ContactFactory(person=ole, started_at=timezone.now() - datetime.timedelta(hours=3))
    PlanFactory(person=ole)
    CallbackFactory(person=ole, due_at=timezone.now() + datetime.timedelta(hours=1))
    PersonFactory(name="Olivia Berg")
    PersonFactory(name="Karen Madsen")
    page = _look_up(staff_client, "ol")
    assert f'name="person" value="{ole.pk}"' in page
    assert "Ole Testmand" in page and "Olivia Berg" in page and "Karen Madsen" not in page
    assert "«Ravnen»" in page
    assert f"{timezone.localtime(last.started_at):%-d.%-m.%Y %H:%M}" in page
    assert "åben kriseplan" in page
    assert "tilbagekald senest" in page
    event = _searches().get()
    assert set(event.person_links.values_list("person_id", flat=True)) >= {ole.pk}


def test_a_cpr_number_finds_by_its_blind_index_and_is_audited_masked(staff_client):
    person = PersonFactory(name="Jonas Holm", cpr=CPR)
    page = _look_up(staff_client, "010190-1234")
    assert f'value="{person.pk}"' in page
    event = _searches().get()
    assert event.detail["criterion"] == "cpr"
    assert CPR not in str(event.detail)
    assert "1234" not in page  # the number masked as everywhere: the birth date, not the rest


def test_a_phone_number_finds_by_its_blind_index(staff_client):
    person = PersonFactory(name="Jonas Holm", phone="20304050")
    page = _look_up(staff_client, "20 30 40 50")
    assert f'value="{person.pk}"' in page
    assert _searches().get().detail["criterion"] == "phone"


def test_digits_are_looked_up_only_as_a_whole_number(staff_client):
    PersonFactory(name="Jonas Holm", cpr=CPR)
    for term in ("0", "0101", "010190-", "x"):
        assert 'name="person"' not in _look_up(staff_client, term)
    assert not _searches().exists()


def test_matches_are_shown_by_name(staff_client):
    for name in ("Ole Åby", "Ole Berg", "Ole Andersen"):
        PersonFactory(name=name)
    page = _look_up(staff_client, "Ole")
    assert page.index("Ole Andersen") < page.index("Ole Berg") < page.index("Ole Åby")
    assert "Flere borgere passer" not in page


def test_nothing_found_says_so(staff_client):
    assert "Ingen borger fundet" in _look_up(staff_client, "Zacharias")


def test_the_look_up_is_post_only(staff_client):
    assert staff_client.get(LOOK_UP, {"who": "Ole"}).status_code == 405


def test_an_evaluator_cannot_look_up(evaluator_client):
    assert evaluator_client.post(LOOK_UP, {"who": "Ole"}).status_code == 403
    assert not _searches().exists()


def test_an_anonymous_look_up_leads_to_the_login(client):
    response = client.post(LOOK_UP, {"who": "Ole"})
    assert response.status_code == 302 and "/login/" in response.url
    assert not _searches().exists()


def test_a_too_long_or_hostile_term_finds_nothing_and_is_no_error(staff_client):
    assert 'name="person"' not in _look_up(staff_client, "x" * 5000)
    assert "<script>" not in _look_up(staff_client, "<script>alert(1)</script>")


def _queries_for(client, term):
    with CaptureQueriesContext(connection) as queries:
        _look_up(client, term)
    return len(queries)


def test_the_look_up_costs_the_same_queries_whatever_it_finds(staff_client, django_assert_max_num_queries):
    PersonFactory(name="Borger Alene")
    one = _queries_for(staff_client, "Borger Alene")
    for number in range(8):
        person = PersonFactory(name=f"Borger {number}")
        for _ in range(3):
            ContactFactory(person=person)
        PlanFactory(person=person)
        CallbackFactory(person=person)
    with django_assert_max_num_queries(one):
        page = _look_up(staff_client, "Borger")
    assert page.count('name="person"') == 9  # eight of the nine matches, and "none of them"
    assert "Flere borgere passer" in page
    with django_assert_max_num_queries(10):
        _look_up(staff_client, "Borger")


def _quick_log(client, **data):
    return client.post(
        reverse("contacts:quick_log"),
        with_token({"summary": "Ringede om søvn", "acuteness": "2", "channel": Channel.PHONE, **data}),
    )


def test_a_quick_log_with_a_chosen_match_is_tied_to_that_person(staff_client):
    person = PersonFactory(name="Ole Testmand")
    response = _quick_log(staff_client, who="Ole", person=str(person.pk))
    assert response.status_code == 302
    assert response.url == reverse("contacts:board")
    assert Contact.objects.get().person == person


def test_a_quick_log_without_a_match_stays_anonymous(staff_client):
    PersonFactory(name="Ole Testmand")
    _quick_log(staff_client, who="Ole", person="")
    assert Contact.objects.get().person is None


def test_a_quick_log_with_an_unknown_person_is_refused_keeping_the_text(staff_client):
    response = _quick_log(staff_client, who="Ole", person="999999")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ringede om søvn" in page and 'value="Ole"' in page
    assert not Contact.objects.exists()


def test_a_refused_quick_log_shows_the_chosen_match_still_chosen(staff_client):
    person = PersonFactory(name="Ole Testmand")
    response = _quick_log(staff_client, who="Ole", person=str(person.pk), summary="")
    page = response.content.decode()
    assert f'value="{person.pk}" id="who-match-{person.pk}" checked' in page
    assert not Contact.objects.exists()


def test_a_new_call_from_the_person_page_is_tied_to_them(staff_client):
    person = PersonFactory(name="Ole Testmand")
    page = staff_client.get(reverse("contacts:person_detail", args=[person.pk])).content.decode()
    assert f"{reverse('contacts:quick_log')}?person={person.pk}" in page
    form = staff_client.get(reverse("contacts:quick_log"), {"person": person.pk}).content.decode()
    assert f'value="{person.pk}" id="who-match-{person.pk}" checked' in form
    # Shown with their last contact and plan: a disclosure, audited.
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, person_id=person.pk).count() == 2
    _quick_log(staff_client, person=str(person.pk))
    assert Contact.objects.get().person == person


def test_a_new_call_for_an_unknown_person_is_not_found(staff_client):
    assert staff_client.get(reverse("contacts:quick_log"), {"person": "abc"}).status_code == 404
    assert staff_client.get(reverse("contacts:quick_log"), {"person": "424242"}).status_code == 404


def _arrive(client, **data):
    return client.post(reverse("contacts:arrival"), with_token(data))


def test_the_same_walk_in_three_times_is_one_person(staff_client):
    assert _arrive(staff_client, name="Ole Testmand", nickname="Ravnen").status_code == 302
    ole = Person.objects.get()
    # The second time the persons of that name are shown first, and nothing is saved yet.
    response = _arrive(staff_client, name="Ole Testmand", nickname="Ravnen")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{ole.pk}"' in page and "Registrér som ny person" in page
    assert Contact.objects.count() == 1
    assert _arrive(staff_client, name="Ole Testmand", person=str(ole.pk)).status_code == 302
    assert _arrive(staff_client, nickname="ravnen", person=str(ole.pk)).status_code == 302
    assert Person.objects.count() == 1
    assert list(Contact.objects.values_list("person", flat=True)) == [ole.pk] * 3


def test_a_nickname_alone_is_matched_too(staff_client):
    ravnen = PersonFactory(nickname="Ravnen")
    page = _arrive(staff_client, nickname="Ravnen").content.decode()
    assert f'value="{ravnen.pk}"' in page
    assert not Contact.objects.exists()


def test_the_persons_of_the_same_name_cost_the_same_queries_however_many(
    staff_client, django_assert_max_num_queries
):
    PersonFactory(name="Ole Testmand")
    with CaptureQueriesContext(connection) as one:
        _arrive(staff_client, name="Ole Testmand", nickname="Ravnen")
    for _ in range(12):
        person = PersonFactory(name="Ole Testmand", nickname="Ravnen")
        ContactFactory(person=person)
        PlanFactory(person=person)
    with django_assert_max_num_queries(len(one)):
        page = _arrive(staff_client, name="Ole Testmand", nickname="Ravnen").content.decode()
    assert page.count('name="person"') == 8
    assert Contact.objects.count() == 12  # their own, and no arrival yet


def test_staff_can_confirm_a_new_person_of_the_same_name(staff_client):
    PersonFactory(name="Ole Testmand")
    assert _arrive(staff_client, name="Ole Testmand", new_person="on").status_code == 302
    assert Person.objects.filter(name="Ole Testmand").count() == 2


def test_an_arrival_for_a_person_chosen_under_who(staff_client):
    ole = PersonFactory(name="Ole Testmand")
    assert _arrive(staff_client, who="Ole", person=str(ole.pk)).status_code == 302
    contact = Contact.objects.get()
    assert (contact.person, contact.channel) == (ole, Channel.WALK_IN)


def test_new_citizen_with_an_existing_cpr_offers_to_link_them_to_the_contact(staff_client):
    existing = PersonFactory(name="Jonas Holm", cpr=CPR)
    contact = ContactFactory(person=None)
    url = f"{reverse('contacts:person_create')}?contact={contact.pk}"
    page = staff_client.post(
        url, with_token({"cpr": CPR, "name": "Jonas", "psychiatry_contact": "unknown"})
    ).content.decode()
    assert "Knyt til denne henvendelse" in page
    assert reverse("contacts:contact_link_person", args=[contact.pk]) in page
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, person_id=existing.pk, detail__duplicate_cpr=True
    ).exists()
    response = staff_client.post(
        reverse("contacts:contact_link_person", args=[contact.pk]), {"person": existing.pk}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.person == existing
    assert Person.objects.count() == 1
