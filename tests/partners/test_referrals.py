import pytest
from django.urls import reverse

from akuttilbud.models import AuditAction, AuditEvent
from partners.models import Referral, ReferralDirection
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import with_token

from .factories import PartnerFactory, ReferralFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def url_for(contact):
    return reverse("partners:contact_referrals", args=[contact.pk])


def test_the_fragment_lives_at_the_agreed_path():
    assert reverse("partners:contact_referrals", args=[7]) == "/partners/contacts/7/referrals/"


def test_fragment_lists_the_contacts_referrals_only(staff_client):
    contact = ContactFactory()
    ReferralFactory(contact=contact, partner__name="Regionspsykiatrien Ballerup")
    ReferralFactory(partner__name="Andet Sted")
    response = staff_client.get(url_for(contact))
    assert response.status_code == 200
    assert "Regionspsykiatrien Ballerup" in response.text
    assert "Andet Sted" not in response.text.split("<form")[0]
    assert "<html" not in response.text


def test_contact_outside_the_target_group_is_hinted_to_refer_outwards(staff_client):
    inside = ContactFactory(in_target_group=True)
    outside = ContactFactory(in_target_group=False)
    hint = "alert-info"
    assert hint not in staff_client.get(url_for(inside)).text
    response = staff_client.get(url_for(outside))
    assert hint in response.text
    assert response.context["form"].initial["direction"] == ReferralDirection.OUT


def test_posting_adds_an_audited_referral_and_returns_the_refreshed_fragment(staff_client, staff_user):
    person = PersonFactory(name="Jens")
    contact = ContactFactory(person=person, in_target_group=False)
    partner = PartnerFactory(name="Jobcenter Lyngby")
    response = staff_client.post(
        url_for(contact),
        {
            "direction": ReferralDirection.OUT,
            "partner": partner.pk,
            "reason": "Behov for hjælp til job",
            "agreed_by_citizen": "true",
            "outcome": "Tid hos sagsbehandler",
            **with_token(),
        },
        HTTP_HX_REQUEST="true",
        follow=True,
    )
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert (referral.contact, referral.partner, referral.created_by) == (contact, partner, staff_user)
    assert referral.agreed_by_citizen is True
    assert "Tid hos sagsbehandler" in response.text
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="partners.referral")
    assert event.person_id == person.pk
    assert event.detail == {"contact": contact.pk, "partner": partner.pk, "direction": "out"}


def test_hostile_text_is_stored_as_text_and_shown_escaped(staff_client):
    contact = ContactFactory()
    partner = PartnerFactory()
    response = staff_client.post(
        url_for(contact),
        {
            "direction": "in",
            "partner": partner.pk,
            "reason": HOSTILE,
            "agreed_by_citizen": "unknown",
            "outcome": "",
            **with_token(),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Referral.objects.get().reason == HOSTILE
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text
    assert "<img src=x" not in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"direction": "sideways", "partner": "1"},
        {"direction": "out", "partner": "999999"},
        {"direction": "out", "partner": "' OR 1=1 --"},
        {"direction": "out", "partner": "", "reason": "x" * 400},
        {"direction": "out", "agreed_by_citizen": "maybe"},
    ],
)
def test_bad_input_gives_form_errors_and_keeps_the_typing(staff_client, data):
    contact = ContactFactory()
    PartnerFactory()
    response = staff_client.post(url_for(contact), with_token({"reason": "Skrevet tekst", **data}))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(object_type="partners.referral").exists()


def test_inactive_partners_cannot_be_chosen(staff_client):
    contact = ContactFactory()
    closed = PartnerFactory(active=False)
    response = staff_client.post(url_for(contact), {"direction": "out", "partner": closed.pk})
    assert response.context["form"].has_error("partner")


def test_unknown_contact_gives_404(staff_client):
    assert staff_client.get("/partners/contacts/999999/referrals/").status_code == 404


def test_evaluators_and_anonymous_cannot_use_the_fragment(client, evaluator_user):
    contact = ContactFactory()
    response = client.get(url_for(contact))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(evaluator_user)
    assert client.get(url_for(contact)).status_code == 403
    assert client.post(url_for(contact), {"direction": "out"}).status_code == 403
    assert not Referral.objects.exists()


def test_leader_can_add_a_referral_too(leader_client):
    contact = ContactFactory()
    partner = PartnerFactory()
    leader_client.post(url_for(contact), with_token({"direction": "in", "partner": partner.pk}))
    assert Referral.objects.filter(direction=ReferralDirection.IN).count() == 1
