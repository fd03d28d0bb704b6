import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from akuttilbud import cpr
from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Channel, Contact, Direction, Person, Reason
from contacts.services import persons as person_services
from crisisplans.models import CrisisPlan
from tests.factories import CallbackFactory, ContactFactory, PersonFactory, StayFactory, UserFactory
from tests.helpers import with_token

pytestmark = pytest.mark.django_db

CPR = "0101901234"
CPR_FORMATTED = "010190-1234"


def test_cpr_search_goes_through_the_blind_index_without_decrypting(staff_user, monkeypatch):
    person = PersonFactory(name="Jens", cpr=CPR)
    PersonFactory(name="Anden", cpr="0202851234")

    def refuse(token):
        raise AssertionError("a CPR search must never decrypt")

    monkeypatch.setattr(cpr, "decrypt", refuse)
    assert person_services.search_persons(term="010190-1234", user=staff_user) == [person]
    event = AuditEvent.objects.filter(action=AuditAction.SEARCH).latest("id")
    assert event.detail["criterion"] == "cpr"
    assert CPR not in str(event.detail)


def test_search_by_nickname_name_or_phone_masks_the_criterion(staff_user):
    nickname = PersonFactory(nickname="Jensemand")
    named = PersonFactory(name="Jenny Hansen")
    phone = PersonFactory(phone="20304050")
    assert set(person_services.search_persons(term="jen", user=staff_user)) == {nickname, named}
    assert person_services.search_persons(term="20 30 40 50", user=staff_user) == [phone]
    assert person_services.search_persons(term="+4520304050", user=staff_user) == [phone]
    criteria = [event.detail["criterion"] for event in AuditEvent.objects.filter(action=AuditAction.SEARCH)]
    assert "name:…" in criteria
    assert "phone" in criteria
    assert all("Jen" not in criterion and "2030" not in criterion for criterion in criteria)


def test_a_phone_search_goes_through_the_blind_index_only(staff_user):
    """Part of a number finds nobody: the clear number is not stored to match against."""
    PersonFactory(phone="20304050")
    assert person_services.search_persons(term="2030 40", user=staff_user) == []
    assert person_services.search_persons(term="4050", user=staff_user) == []


def test_search_for_a_valid_cpr_does_not_match_names_or_phones(staff_user):
    PersonFactory(phone="20304050")
    assert person_services.search_persons(term=CPR, user=staff_user) == []


def test_identifying_with_a_cpr_held_by_another_person_offers_a_merge(staff_user):
    existing = PersonFactory(name="Kendt", cpr=CPR)
    anonymous = PersonFactory(nickname="Natteravn")
    with pytest.raises(person_services.DuplicateCPR) as raised:
        person_services.identify_person(person=anonymous, cpr=CPR, user=staff_user)
    assert raised.value.existing == existing
    anonymous.refresh_from_db()
    assert not anonymous.has_cpr


def test_identify_view_shows_the_merge_offer(staff_client):
    existing = PersonFactory(name="Kendt", cpr=CPR)
    anonymous = PersonFactory(nickname="Natteravn")
    response = staff_client.post(reverse("contacts:person_identify", args=[anonymous.pk]), {"cpr": CPR})
    assert response.status_code == 200
    assert reverse("contacts:person_merge", args=[existing.pk, anonymous.pk]) in response.content.decode()


def test_merge_moves_every_record_and_fills_blanks(staff_user):
    keep = PersonFactory(nickname="Natteravn")
    remove = PersonFactory(name="Jens Jensen", cpr=CPR, phone="20304050")
    for person in (keep, remove):
        ContactFactory(person=person)
        CallbackFactory(person=person)
    StayFactory(person=remove, bed=1)
    plan = CrisisPlan.objects.create(person=remove, created_by=staff_user)
    removed_id = remove.pk

    merged = person_services.merge_persons(keep=keep, remove=remove, user=staff_user)

    assert not Person.objects.filter(pk=removed_id).exists()
    assert merged.contacts.count() == 2
    assert merged.callbacks.count() == 2
    assert merged.stays.count() == 1
    plan.refresh_from_db()
    assert plan.person_id == keep.pk
    assert merged.name == "Jens Jensen"
    assert merged.nickname == "Natteravn"
    assert merged.decrypted_phone() == "+4520304050"
    assert merged.cpr_index == cpr.blind_index(CPR)
    assert merged.decrypted_cpr() == CPR
    assert AuditEvent.objects.filter(action=AuditAction.MERGE, person_id=keep.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.MERGE, person_id=removed_id).exists()


def test_two_persons_with_different_cpr_are_not_merged(staff_user):
    keep = PersonFactory(cpr=CPR)
    remove = PersonFactory(cpr="0202851234")
    with pytest.raises(ValidationError):
        person_services.merge_persons(keep=keep, remove=remove, user=staff_user)
    assert Person.objects.count() == 2


def test_merge_view_merges_after_confirmation(staff_client):
    keep = PersonFactory(nickname="A")
    remove = PersonFactory(nickname="B")
    ContactFactory(person=remove)
    url = reverse("contacts:person_merge", args=[keep.pk, remove.pk])
    assert staff_client.post(url, {}).status_code == 200
    response = staff_client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert Contact.objects.get().person == keep


def test_person_page_never_shows_the_raw_cpr_before_reveal(staff_client):
    person = PersonFactory(name="Jens", cpr=CPR)
    ContactFactory(person=person)
    page = staff_client.get(reverse("contacts:person_detail", args=[person.pk])).content.decode()
    assert CPR not in page and CPR_FORMATTED not in page
    assert "010190-xxxx" in page
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, person_id=person.pk).exists()

    revealed = staff_client.post(reverse("contacts:person_reveal", args=[person.pk])).content.decode()
    assert CPR_FORMATTED in revealed
    assert AuditEvent.objects.filter(action=AuditAction.CPR_REVEAL, person_id=person.pk).exists()


def test_cpr_never_travels_in_a_url(staff_client):
    response = staff_client.post(
        reverse("contacts:person_create"), with_token({"cpr": CPR_FORMATTED, "psychiatry_contact": "unknown"})
    )
    assert response.status_code == 302
    assert CPR not in response["Location"] and "010190" not in response["Location"]
    person = Person.objects.get()
    assert person.cpr_index == cpr.blind_index(CPR)
    search_page = staff_client.get(reverse("contacts:person_search")).content.decode()
    assert 'method="post"' in search_page
    results = staff_client.post(reverse("contacts:person_search"), {"term": CPR}).content.decode()
    assert CPR not in results.replace(f'value="{CPR}"', "")
    for url in (reverse("contacts:person_detail", args=[person.pk]), reverse("contacts:board")):
        page = staff_client.get(url).content.decode()
        assert CPR not in page and CPR_FORMATTED not in page


def test_create_person_with_a_taken_cpr_points_to_the_existing_person(staff_client):
    existing = PersonFactory(name="Kendt", cpr=CPR)
    response = staff_client.post(
        reverse("contacts:person_create"),
        with_token({"cpr": CPR, "name": "Ny", "psychiatry_contact": "unknown"}),
    )
    assert response.status_code == 200
    assert reverse("contacts:person_detail", args=[existing.pk]) in response.content.decode()
    assert Person.objects.count() == 1


def test_new_person_from_an_anonymous_contact_is_tied_to_it(staff_client):
    contact = ContactFactory()
    response = staff_client.post(
        reverse("contacts:person_create") + f"?contact={contact.pk}",
        with_token({"nickname": "Natteravn", "home_municipality": "0101", "psychiatry_contact": "yes"}),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.person.nickname == "Natteravn"
    assert contact.person.home_municipality_id == "0101"


def test_contact_is_tied_to_a_found_person(staff_client):
    contact = ContactFactory()
    person = PersonFactory(nickname="Bo")
    response = staff_client.post(
        reverse("contacts:contact_link_person", args=[contact.pk]), {"person": person.pk}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.person == person


def test_person_update_is_audited_with_field_names_only(staff_client):
    person = PersonFactory(name="Jens", notes="")
    response = staff_client.post(
        reverse("contacts:person_edit", args=[person.pk]),
        {"name": "Jens J", "notes": "Hemmelig tekst", "psychiatry_contact": "no", "version": person.version},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, person_id=person.pk).latest("id")
    assert set(event.detail["fields"]) == {"name", "notes", "psychiatry_contact"}
    assert "Hemmelig" not in str(event.detail)


# Copenhagen leaves winter time at 02:00 on 31 March 2024 and goes back at 03:00 on 27 October 2024,
# when 02:30 comes twice.
DST_MOMENTS = {
    datetime.datetime(2024, 3, 31, 0, 59, tzinfo=datetime.UTC): "31.03.2024 01:59",
    datetime.datetime(2024, 3, 31, 1, 0, tzinfo=datetime.UTC): "31.03.2024 03:00",
    datetime.datetime(2024, 10, 27, 0, 30, tzinfo=datetime.UTC): "27.10.2024 02:30",
    datetime.datetime(2024, 10, 27, 1, 30, tzinfo=datetime.UTC): "27.10.2024 02:30",
    datetime.datetime(2024, 12, 31, 23, 30, tzinfo=datetime.UTC): "01.01.2025 00:30",
}


@pytest.mark.parametrize("language", ["da", "en"])
def test_timeline_shows_local_times_in_danish_format_across_dst_and_links_each_contact(
    staff_client, settings, language
):
    person = PersonFactory(nickname="Sommertid")
    contacts = [ContactFactory(person=person, started_at=moment) for moment in DST_MOMENTS]
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = staff_client.get(reverse("contacts:person_detail", args=[person.pk])).content.decode()
    assert f'<html lang="{language}">' in page
    newest_first = list(reversed(DST_MOMENTS.values()))
    assert re.findall(r"<td>(\d\d\.\d\d\.\d{4} \d\d:\d\d)</td>", page) == newest_first
    links = [f'href="{reverse("contacts:contact_detail", args=[contact.pk])}"' for contact in contacts]
    positions = [page.index(link) for link in reversed(links)]
    assert positions == sorted(positions)


def test_timeline_row_shows_channel_direction_acuteness_reasons_and_staff(staff_client):
    person = PersonFactory(nickname="Detaljer")
    staff = UserFactory(username="vagt7", first_name="Åse", last_name="Holm")
    first = Reason.objects.create(name="Zeta", position=1)
    second = Reason.objects.create(name="Alfa", position=2)
    now = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.UTC)
    told = ContactFactory(
        person=person,
        started_at=now,
        channel=Channel.WALK_IN,
        direction=Direction.OUTGOING,
        acuteness=1,
        summary="x" * 120,
        staff=staff,
    )
    told.reasons.set([second, first])
    ContactFactory(
        person=person,
        started_at=now - datetime.timedelta(hours=1),
        acuteness=None,
        summary="Stille",
        staff=None,
    )
    page = staff_client.get(reverse("contacts:person_detail", args=[person.pk])).content.decode()
    assert "Personligt fremmøde</a> (Udgående)" in page
    assert f"Akuthed 1. {'x' * 99}…" in page
    assert '<span class="text-body-secondary">(Zeta, Alfa)</span>' in page
    assert "– Åse Holm" in page
    quiet = page.index("Stille")
    quiet_row = page[page.rindex("<tr>", 0, quiet) : page.index("</tr>", quiet)]
    assert "Akuthed" not in quiet_row and "text-body-secondary" not in quiet_row and "–" not in quiet_row
