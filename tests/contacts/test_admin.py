"""The admin lists contacts to read; writing them there would bypass the services' audit."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_contacts_are_listed_in_the_admin_but_cannot_be_added_changed_or_deleted(admin_client):
    contact = ContactFactory(summary="Ringede om natten")
    assert admin_client.get(reverse("admin:contacts_contact_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:contacts_contact_add")).status_code == 403
    change = reverse("admin:contacts_contact_change", args=[contact.pk])
    assert admin_client.post(change, {"summary": "Ændret"}).status_code == 403
    delete = reverse("admin:contacts_contact_delete", args=[contact.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    contact.refresh_from_db()
    assert contact.summary == "Ringede om natten"
    assert Contact.objects.filter(pk=contact.pk).exists()
