"""One save per intention: the one-time token every create form carries (akuttilbud/once.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from akuttilbud.models import FormSubmission
from contacts.models import Contact
from crisisplans.models import CrisisPlan, FollowUp
from partners.models import Agreement, Partner, PartnerKind, Referral
from reporting.models import CostEntry
from tests.crisisplans.factories import IdentifiedPersonFactory, walk_in_contact
from tests.crisisplans.test_views import _plan_post
from tests.factories import ContactFactory
from tests.helpers import at_once, require_postgres
from tests.partners.factories import PartnerFactory

TOKEN = re.compile(r'name="once_token" value="([0-9a-f-]{36})"')


def _token_on(page):
    return TOKEN.search(page.content.decode()).group(1)


def _call(token, **overrides):
    return {
        "channel": "phone",
        "acuteness": "2",
        "summary": "Ringede om søvn",
        "once_token": token,
    } | overrides


@pytest.mark.django_db
def test_back_after_saving_and_saving_again_leads_to_the_first_contact(staff_client):
    url = reverse("contacts:quick_log")
    token = _token_on(staff_client.get(url))
    first = staff_client.post(url, _call(token))
    # Back shows the page the browser kept, with the same token; saving it again:
    second = staff_client.post(url, _call(token), follow=True)
    contact = Contact.objects.get()
    assert first.url == second.redirect_chain[0][0] == reverse("contacts:contact_detail", args=[contact.pk])
    assert "Der blev ikke oprettet noget nyt" in second.content.decode()


@pytest.mark.django_db
def test_each_page_renders_a_new_token(staff_client):
    url = reverse("contacts:quick_log")
    assert _token_on(staff_client.get(url)) != _token_on(staff_client.get(url))


@pytest.mark.django_db
def test_a_post_without_the_token_keeps_the_text_and_offers_a_new_token(staff_client):
    url = reverse("contacts:quick_log")
    response = staff_client.post(url, _call("not-a-token", summary="Bange for at sove alene"))
    assert response.status_code == 200
    assert "Bange for at sove alene" in response.content.decode()
    assert response.context["form"].non_field_errors()
    new_token = _token_on(response)
    assert not Contact.objects.exists()
    assert staff_client.post(url, _call(new_token)).status_code == 302
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_save_leaves_the_token_free_for_the_corrected_form(staff_client):
    url = reverse("contacts:callback_add")
    token = _token_on(staff_client.get(url))
    refused = staff_client.post(url, {"kind": "missed_call", "phone": "nummer", "once_token": token})
    assert refused.status_code == 200 and not FormSubmission.objects.exists()
    saved = staff_client.post(url, {"kind": "missed_call", "phone": "20304050", "once_token": token})
    assert saved.status_code == 302
    assert FormSubmission.objects.get().result_url == reverse("contacts:board")


@pytest.mark.django_db
def test_another_users_token_is_refused_as_a_form_error(staff_client, leader_user):
    url = reverse("contacts:quick_log")
    token = _token_on(staff_client.get(url))
    staff_client.post(url, _call(token))
    other = Client()
    other.force_login(leader_user)
    response = other.post(url, _call(token, summary="Min egen samtale"))
    assert response.status_code == 200
    assert "Min egen samtale" in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert Contact.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_identical_plan_posts_create_one_plan_and_one_follow_up(staff_user):
    require_postgres()
    person = IdentifiedPersonFactory()
    contact = walk_in_contact(person)
    url = reverse("crisisplans:plan_create", args=[contact.pk])
    opener = Client()
    opener.force_login(staff_user)
    data = {**_plan_post(), "once_token": _token_on(opener.get(url))}
    clients = [Client() for _ in range(4)]
    for client in clients:
        client.force_login(staff_user)
    responses, errors = at_once(*(lambda client=client: client.post(url, data) for client in clients))

    assert errors == []
    plan = CrisisPlan.objects.get()
    assert FollowUp.objects.filter(plan__person=person).count() == 1
    assert [response.status_code for response in responses] == [302] * 4
    assert {response.url for response in responses} == {reverse("crisisplans:plan_detail", args=[plan.pk])}


def _partner_form(objects):
    return {
        "name": "Gentofte Kommune",
        "kind": objects["partner"].kind_id,
        "municipality": "",
        "phone": "",
        "email": "",
        "opening_hours": "",
        "notes": "",
        "active": "on",
        "people-TOTAL_FORMS": "0",
        "people-INITIAL_FORMS": "0",
    }


def _agreement_form(objects):
    return {
        "partner": objects["partner"].pk,
        "type": "collaboration",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "terms": "Aftalte vilkår",
        "price_per_contact": "",
        "price_per_bed_night": "",
    }


# Each create form outside the desk: its URL, who opens it, the data it posts, what it creates.
OTHER_CREATE_FORMS = {
    "partner": ("partners:partner_create", "leader", _partner_form, Partner, {"name": "Gentofte Kommune"}),
    "partner kind": (
        "partners:kind_create",
        "leader",
        lambda objects: {"name": "Misbrugsbehandling", "position": "4"},
        PartnerKind,
        {"name": "Misbrugsbehandling"},
    ),
    "agreement": ("partners:agreement_create", "leader", _agreement_form, Agreement, {}),
    "referral": (
        "partners:contact_referrals",
        "staff",
        lambda objects: {"direction": "out", "partner": objects["partner"].pk, "reason": "Job"},
        Referral,
        {},
    ),
    "cost entry": (
        "reporting:cost_create",
        "leader",
        lambda objects: {"month": "2026-10", "category": "rent", "amount": "100", "note": ""},
        CostEntry,
        {},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", OTHER_CREATE_FORMS)
def test_every_other_create_form_saves_once_per_token(name, client, staff_user, leader_user):
    url_name, role, data_for, model, lookup = OTHER_CREATE_FORMS[name]
    objects = {"partner": PartnerFactory(), "contact": ContactFactory()}
    client.force_login({"staff": staff_user, "leader": leader_user}[role])
    url = reverse(url_name, args=[objects["contact"].pk] if name == "referral" else [])
    before = model.objects.filter(**lookup).count()
    data = {**data_for(objects), "once_token": _token_on(client.get(url))}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert model.objects.filter(**lookup).count() == before + 1


@pytest.mark.django_db
def test_save_and_new_call_leads_to_an_empty_quick_log_once(staff_client):
    url = reverse("contacts:quick_log")
    data = {**_call(_token_on(staff_client.get(url))), "then_new": "Gem og nyt opkald"}
    first = staff_client.post(url, data)
    assert first.status_code == 302 and first.url == url
    assert "Gem og nyt opkald" in staff_client.get(url).content.decode()
    assert staff_client.post(url, data).url == url
    assert Contact.objects.count() == 1
