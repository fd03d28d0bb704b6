"""Citizens' and call-backs' numbers are kept encrypted: pages show the last four digits, the
clear number only on an audited request to call it, and nothing stores it in clear."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from akuttilbud import phone
from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Callback, Person
from contacts.services import persons as person_services
from tests.factories import CallbackFactory, PersonFactory
from tests.helpers import with_token

NUMBER = "+4520304050"
DIGITS = ("20304050", "20 30 40 50", "2030 4050")


def _shows_no_clear_number(content):
    return not any(digits in content for digits in DIGITS)


def _stored_rows_hold_no_clear_number(model):
    columns = [field.column for field in model._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    return rows and not any("20304050" in str(value) for row in rows for value in row)


@pytest.mark.django_db
def test_a_registered_call_back_keeps_the_number_encrypted_with_its_index_and_last_four(staff_client):
    response = staff_client.post(
        reverse("contacts:callback_add"), with_token({"kind": "missed_call", "phone": "20 30 40 50"})
    )
    assert response.status_code == 302
    callback = Callback.objects.get()
    assert callback.decrypted_phone() == NUMBER
    assert callback.phone_index == phone.blind_index(NUMBER)
    assert callback.phone_last4 == "4050"
    assert _stored_rows_hold_no_clear_number(Callback)


@pytest.mark.django_db
def test_a_call_back_form_error_keeps_what_was_typed_and_says_why(staff_client):
    response = staff_client.post(
        reverse("contacts:callback_add"), with_token({"kind": "missed_call", "phone": "ring mig"})
    )
    assert response.status_code == 200
    assert not Callback.objects.exists()
    content = response.content.decode()
    assert 'value="ring mig"' in content
    assert "Skriv et telefonnummer" in content or "Enter a phone number" in content


@pytest.mark.django_db
def test_the_board_and_the_call_back_page_show_the_last_four_digits_only(staff_client):
    callback = CallbackFactory(phone="20304050")
    board = staff_client.get(reverse("contacts:board_section", args=["callbacks"])).content.decode()
    page = staff_client.get(reverse("contacts:callback_complete", args=[callback.pk])).content.decode()
    for content in (board, page):
        assert "…4050" in content
        assert _shows_no_clear_number(content)
    assert not AuditEvent.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


@pytest.mark.django_db
def test_showing_the_number_to_call_back_is_audited_and_linked_to_the_citizen(staff_client, staff_user):
    person = PersonFactory(name="Hanne")
    callback = CallbackFactory(phone="20304050", person=person)
    response = staff_client.post(reverse("contacts:callback_number", args=[callback.pk]))
    assert response.status_code == 200
    assert "20 30 40 50" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.PHONE_REVEAL)
    assert (event.user, event.object_type, event.object_id) == (
        staff_user,
        "contacts.callback",
        str(callback.pk),
    )
    assert list(AuditEvent.objects.about_person(person.pk).filter(action=AuditAction.PHONE_REVEAL)) == [event]
    assert "20304050" not in str(event.detail)


@pytest.mark.django_db
def test_a_persons_page_masks_the_number_and_reveals_it_on_an_audited_request(staff_client):
    person = PersonFactory(name="Hanne", phone="20304050")
    page = staff_client.get(reverse("contacts:person_detail", args=[person.pk])).content.decode()
    assert "…4050" in page and _shows_no_clear_number(page)
    revealed = staff_client.post(reverse("contacts:person_phone", args=[person.pk])).content.decode()
    assert 'href="tel:20304050"' in revealed
    assert AuditEvent.objects.about_person(person.pk).filter(action=AuditAction.PHONE_REVEAL).count() == 1


@pytest.mark.django_db
def test_a_number_gone_by_retention_reveals_nothing_and_audits_nothing(staff_client):
    callback = CallbackFactory(phone="20304050")
    Callback.objects.filter(pk=callback.pk).update(phone_encrypted="")
    response = staff_client.post(reverse("contacts:callback_number", args=[callback.pk]))
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


@pytest.mark.django_db
def test_the_edit_form_never_shows_the_stored_number_and_empty_keeps_it(staff_client):
    person = PersonFactory(name="Hanne", phone="20304050")
    url = reverse("contacts:person_edit", args=[person.pk])
    form = staff_client.get(url).content.decode()
    assert "…4050" in form and _shows_no_clear_number(form)
    data = {"name": "Hanne", "psychiatry_contact": "unknown", "phone": "", "version": person.version}
    assert staff_client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.decrypted_phone() == NUMBER


@pytest.mark.django_db
def test_editing_replaces_or_removes_the_number_and_audits_the_change(staff_client):
    person = PersonFactory(name="Hanne", phone="20304050")
    url = reverse("contacts:person_edit", args=[person.pk])
    staff_client.post(
        url,
        {
            "name": "Hanne",
            "psychiatry_contact": "unknown",
            "phone": "+46 70 123 45 67",
            "version": person.version,
        },
    )
    person.refresh_from_db()
    assert person.decrypted_phone() == "+46701234567"
    assert person.phone_index == phone.blind_index("+46701234567")
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, person_id=person.pk).latest("id")
    assert event.detail["fields"] == ["phone"]
    staff_client.post(
        url,
        {"name": "Hanne", "psychiatry_contact": "unknown", "remove_phone": "on", "version": person.version},
    )
    person.refresh_from_db()
    assert (person.phone_encrypted, person.phone_index, person.phone_last4) == ("", "", "")


@pytest.mark.django_db
def test_typing_a_number_and_ticking_remove_is_an_error_that_changes_nothing(staff_client):
    person = PersonFactory(name="Hanne", phone="20304050")
    url = reverse("contacts:person_edit", args=[person.pk])
    response = staff_client.post(
        url,
        {
            "name": "Hanne",
            "psychiatry_contact": "unknown",
            "phone": "30405060",
            "remove_phone": "on",
            "version": person.version,
        },
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.decrypted_phone() == NUMBER


@pytest.mark.django_db
def test_a_new_person_with_a_number_is_stored_encrypted(staff_user):
    person_services.create_person(user=staff_user, data={"name": "Ny", "phone": NUMBER})
    assert Person.objects.get().phone_last4 == "4050"
    assert _stored_rows_hold_no_clear_number(Person)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_numbers_and_going_back_restores_them():
    executor = MigrationExecutor(connection)
    before = [("contacts", "0009_callback_closed_by")]
    after = [("contacts", "0010_phone_encrypted_with_blind_index")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("contacts", "Person").objects.create(name="Ann", phone="20 30 40 50")
    old.get_model("contacts", "Person").objects.create(name="Bo", phone="")
    old.get_model("contacts", "Callback").objects.create(
        phone="+46701234567", received_at="2026-03-07T20:00Z", due_at="2026-03-07T22:00Z"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    ann = new.get_model("contacts", "Person").objects.get(name="Ann")
    assert phone.decrypt(ann.phone_encrypted) == NUMBER
    assert (ann.phone_index, ann.phone_last4) == (phone.blind_index(NUMBER), "4050")
    assert new.get_model("contacts", "Person").objects.get(name="Bo").phone_encrypted == ""
    callback = new.get_model("contacts", "Callback").objects.get()
    assert callback.phone_last4 == "4567"

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    restored = executor.loader.project_state(before).apps
    assert restored.get_model("contacts", "Person").objects.get(name="Ann").phone == NUMBER
    assert restored.get_model("contacts", "Callback").objects.get().phone == "+46701234567"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
