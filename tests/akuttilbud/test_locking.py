"""Two staff members edit the same record: the second save is refused, never silently overwritten
(optimistic locking on a version, akuttilbud/locking.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Contact, Person
from crisisplans.models import CrisisPlan
from crisisplans.services import create_plan
from tests.contacts.test_views import _contact_page_form
from tests.crisisplans.factories import IdentifiedPersonFactory, walk_in_contact
from tests.crisisplans.test_views import _plan_post
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import at_once, require_postgres


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _opened_version(page, prefix=""):
    match = re.search(rf'name="{prefix}version" value="(\d+)"', page.content.decode())
    return match.group(1)


def _contact_post(contact, version, summary, situation=""):
    return _contact_page_form(
        contact,
        **{"contact-summary": summary, "contact-version": version, "conversation-situation": situation},
    )


def _conflict(response):
    return [tuple(row) for row in response.context["conflict"]]


@pytest.mark.django_db
def test_the_second_contact_save_is_refused_with_both_texts_and_saving_again_keeps_it(
    staff_user, leader_user
):
    contact = ContactFactory(summary="Ringede")
    url = reverse("contacts:contact_detail", args=[contact.pk])
    first, second = _client(staff_user), _client(leader_user)
    version = _opened_version(second.get(url), "contact-")
    assert _opened_version(first.get(url), "contact-") == version

    saved = first.post(url, _contact_post(contact, version, "Ringede om søvn", situation="Kan ikke sove"))
    assert saved.status_code == 302
    refused = second.post(url, _contact_post(contact, version, "Ringede om sin søster"))

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Ringede om sin søster" in page  # the typing is kept
    assert "gemte dette kl." in page
    assert ("Kort resumé", "Ringede om søvn", "Ringede om sin søster") in _conflict(refused)
    assert ("Hvad der skete – situationen, som borgeren fortæller den", "Kan ikke sove", "—") in _conflict(
        refused
    )
    contact.refresh_from_db()
    assert (contact.summary, contact.version) == ("Ringede om søvn", int(version) + 1)

    # Saving the refused page again is a choice made having seen the other's text.
    again = second.post(
        url, _contact_post(contact, _opened_version(refused, "contact-"), "Ringede om sin søster")
    )
    assert again.status_code == 302
    contact.refresh_from_db()
    assert contact.summary == "Ringede om sin søster"


@pytest.mark.django_db
def test_a_contact_post_without_its_version_is_refused_and_keeps_the_text(staff_client):
    contact = ContactFactory(summary="Før")
    url = reverse("contacts:contact_detail", args=[contact.pk])
    data = _contact_post(contact, "", "Efter")
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "Efter" in response.content.decode()
    contact.refresh_from_db()
    assert contact.summary == "Før"


@pytest.mark.django_db
def test_linking_a_person_meanwhile_is_not_undone_by_a_contact_page_opened_before(staff_client):
    contact = ContactFactory(person=None)
    url = reverse("contacts:contact_detail", args=[contact.pk])
    version = _opened_version(staff_client.get(url), "contact-")
    person = PersonFactory()
    staff_client.post(reverse("contacts:contact_link_person", args=[contact.pk]), {"person": person.pk})
    response = staff_client.post(url, _contact_post(contact, version, "Ringede"))
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.person == person


def _person_post(version, **fields):
    return {"name": "", "nickname": "", "psychiatry_contact": "unknown", "version": version, **fields}


@pytest.mark.django_db
def test_the_second_person_save_is_refused_with_the_others_changes(staff_user, leader_user):
    person = PersonFactory(name="Ole", nickname="")
    url = reverse("contacts:person_edit", args=[person.pk])
    first, second = _client(staff_user), _client(leader_user)
    version = _opened_version(first.get(url))
    assert first.post(url, _person_post(version, name="Ole Hansen", nickname="Ravnen")).status_code == 302
    refused = second.post(url, _person_post(version, name="Ole H.", notes="Har en hund"))
    assert refused.status_code == 200
    rows = _conflict(refused)
    assert ("Navn", "Ole Hansen", "Ole H.") in rows
    assert ("Kaldenavn", "Ravnen", "—") in rows
    assert ("Notater", "—", "Har en hund") in rows
    assert "Har en hund" in refused.content.decode()
    person.refresh_from_db()
    assert (person.name, person.nickname, person.notes) == ("Ole Hansen", "Ravnen", "")


@pytest.fixture
def open_plan(staff_user):
    person = IdentifiedPersonFactory(name="Jonas Holm")
    return create_plan(
        person=person,
        contact=walk_in_contact(person),
        user=staff_user,
        sections={"own_coping": ["Gå en tur"]},
    )


@pytest.mark.django_db
def test_the_second_plan_save_is_refused_with_the_others_sections(open_plan, staff_user, leader_user):
    url = reverse("crisisplans:plan_edit", args=[open_plan.pk])
    first, second = _client(staff_user), _client(leader_user)
    version = _opened_version(first.get(url))
    saved = first.post(url, {**_plan_post(own_coping="Lytte til musik"), "version": version})
    assert saved.status_code == 302
    typed = _plan_post(own_coping="Ringe til Anne")
    typed["people_to_ask-0-name"] = "Bror Kim"
    refused = second.post(url, {**typed, "version": version})
    assert refused.status_code == 200
    rows = _conflict(refused)
    assert any(saved == "Lytte til musik" and mine == "Ringe til Anne" for _label, saved, mine in rows)
    assert any(
        saved.startswith("Søster Anne") and mine.startswith("Bror Kim") for _label, saved, mine in rows
    )
    open_plan.refresh_from_db()
    assert open_plan.sections["own_coping"] == ["Lytte til musik"]
    assert open_plan.version == 2


@pytest.mark.django_db
def test_a_plan_saved_as_the_other_saved_it_is_no_conflict(open_plan, staff_user, leader_user):
    url = reverse("crisisplans:plan_edit", args=[open_plan.pk])
    version = _opened_version(_client(staff_user).get(url))
    # As the page posts them: the people rows it rendered are the formsets' initial forms.
    data = {
        **_plan_post(own_coping="Lytte til musik"),
        "people_to_ask-INITIAL_FORMS": "1",
        "professionals-INITIAL_FORMS": "1",
    }
    assert _client(staff_user).post(url, {**data, "version": version}).status_code == 302
    assert _client(leader_user).post(url, {**data, "version": version}).status_code == 302
    assert CrisisPlan.objects.get().version == 2


def _race(url, posts):
    """Post each ``(user, data)`` at the same moment from its own session and database connection."""
    sessions = [(_client(user), data) for user, data in posts]
    responses, errors = at_once(
        *(lambda client=client, data=data: client.post(url, data) for client, data in sessions)
    )
    assert errors == []
    return responses


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sessions_saving_a_contact_at_once_one_wins_and_the_other_is_shown_the_conflict(
    staff_user, leader_user
):
    require_postgres()
    contact = ContactFactory(summary="Ringede")
    url = reverse("contacts:contact_detail", args=[contact.pk])
    version = str(contact.version)
    texts = {staff_user.pk: "Tekst fra vagt 1", leader_user.pk: "Tekst fra vagt 2"}
    responses = _race(
        url, [(user, _contact_post(contact, version, texts[user.pk])) for user in (staff_user, leader_user)]
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 302]
    winner = next(
        text for response, text in zip(responses, texts.values(), strict=True) if response.status_code == 302
    )
    loser = next(response for response in responses if response.status_code == 200)
    contact.refresh_from_db()
    assert (contact.summary, contact.version) == (winner, 2)
    assert any(row[1] == winner for row in _conflict(loser))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sessions_saving_a_person_at_once_one_wins(staff_user, leader_user):
    require_postgres()
    person = PersonFactory(name="Ole")
    url = reverse("contacts:person_edit", args=[person.pk])
    responses = _race(
        url,
        [
            (staff_user, _person_post("1", name="Ole A")),
            (leader_user, _person_post("1", name="Ole B")),
        ],
    )
    assert sorted(response.status_code for response in responses) == [200, 302]
    assert Person.objects.get().version == 2
    assert Contact.objects.count() == 0
