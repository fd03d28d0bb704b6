import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from partners.models import Partner, PartnerContactPerson, PartnerKind, ReferralDirection
from tests.helpers import with_token

from .factories import AgreementFactory, PartnerContactPersonFactory, PartnerFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_staff_searches_partners_by_name_and_filters_by_kind(staff_client):
    police = PartnerKind.objects.get(name="Politi")
    PartnerFactory(name="Nordsjællands Politi", kind=police)
    PartnerFactory(name="Politiets Rejsehold", kind=PartnerKind.objects.get(name="Andet"))
    PartnerFactory(name="Lægehuset Torvet", kind=PartnerKind.objects.get(name="Praktiserende læger"))

    response = staff_client.get(reverse("partners:partner_list"), {"name": "politi"})
    names = [partner.name for partner in response.context["page"]]
    assert names == ["Nordsjællands Politi", "Politiets Rejsehold"]

    response = staff_client.get(reverse("partners:partner_list"), {"name": "politi", "kind": police.pk})
    assert [partner.name for partner in response.context["page"]] == ["Nordsjællands Politi"]


def test_a_kind_that_does_not_parse_is_shown_as_a_form_error_not_a_500(staff_client):
    PartnerFactory(name="Jobcenter Lyngby")
    response = staff_client.get(reverse("partners:partner_list"), {"kind": "abc"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors


def test_evaluator_and_anonymous_cannot_see_the_directory(client, evaluator_client):
    assert evaluator_client.get(reverse("partners:partner_list")).status_code == 403
    client.logout()
    response = client.get(reverse("partners:partner_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def make_partners(count):
    kinds = list(PartnerKind.objects.all())
    for number in range(count):
        partner = PartnerFactory(
            kind=kinds[number % len(kinds)], municipality_id="0173" if number % 2 else None
        )
        PartnerContactPersonFactory(partner=partner)
        AgreementFactory(partner=partner)


# Session, user, service settings and the session's idle-time update come with every page.
def test_partner_list_queries_do_not_grow_with_the_data(staff_client, django_assert_max_num_queries):
    ServiceSettings.load()
    make_partners(10)
    with django_assert_max_num_queries(9):
        assert staff_client.get(reverse("partners:partner_list")).status_code == 200
    make_partners(40)
    with django_assert_max_num_queries(9):
        assert staff_client.get(reverse("partners:partner_list")).status_code == 200


def test_partner_page_queries_do_not_grow_with_the_data(staff_client, django_assert_max_num_queries):
    ServiceSettings.load()
    partner = PartnerFactory()

    def add(count):
        for _number in range(count):
            PartnerContactPersonFactory(partner=partner)
            AgreementFactory(partner=partner)
            ReferralFactory(partner=partner)

    add(10)
    url = reverse("partners:partner_detail", args=[partner.pk])
    with django_assert_max_num_queries(10):
        assert staff_client.get(url).status_code == 200
    add(30)
    with django_assert_max_num_queries(10):
        assert staff_client.get(url).status_code == 200


def test_partner_page_shows_people_active_agreements_and_referrals_per_month(staff_client):
    today = timezone.localdate()
    partner = PartnerFactory(name="Psykiatrisk Akutmodtagelse", opening_hours="Døgnåben", notes="Ring før")
    PartnerContactPersonFactory(partner=partner, name="Hanne Hjort", role="Overlæge")
    active = AgreementFactory(partner=partner, terms="aktiv", valid_to=today + datetime.timedelta(days=10))
    expired = AgreementFactory(
        partner=partner,
        valid_from=today - datetime.timedelta(days=400),
        valid_to=today - datetime.timedelta(days=40),
    )
    this_month = timezone.now()
    ReferralFactory(partner=partner, direction=ReferralDirection.OUT, created_at=this_month)
    ReferralFactory(partner=partner, direction=ReferralDirection.OUT, created_at=this_month)
    ReferralFactory(partner=partner, direction=ReferralDirection.IN, created_at=this_month)

    response = staff_client.get(reverse("partners:partner_detail", args=[partner.pk]))

    assert response.status_code == 200
    assert "Hanne Hjort" in response.text and "Døgnåben" in response.text
    assert response.context["active_agreements"] == [active]
    assert response.context["other_agreements"] == [expired]
    [month] = response.context["referral_months"]
    assert (month["out"], month["in"]) == (2, 1)
    assert month["month"] == timezone.localdate().replace(day=1)
    # Staff read the partner but get no edit link and no document link.
    assert reverse("partners:partner_edit", args=[partner.pk]) not in response.text


def test_unknown_partner_gives_404(staff_client):
    assert staff_client.get(reverse("partners:partner_detail", args=[999999])).status_code == 404


def people_management(total=2, initial=0, prefix="people"):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_leader_creates_a_partner_with_contact_people(leader_client):
    kind = PartnerKind.objects.get(name="Nabokommune")
    data = {
        "name": "Gentofte Kommune",
        "kind": kind.pk,
        "municipality": "0157",
        "phone": "39 98 00 00",
        "email": "",
        "opening_hours": "Hverdage 9-15",
        "notes": "",
        "active": "on",
        **people_management(),
        "people-0-name": "Pia Pedersen",
        "people-0-role": "Visitator",
        "people-0-phone": "39 98 12 34",
        "people-0-email": "pia@example.org",
    }
    response = leader_client.post(reverse("partners:partner_create"), with_token(data))
    partner = Partner.objects.get(name="Gentofte Kommune")
    assert response.status_code == 302
    assert response.url == reverse("partners:partner_detail", args=[partner.pk])
    assert partner.municipality_id == "0157"
    assert list(partner.people.values_list("name", flat=True)) == ["Pia Pedersen"]


def test_leader_edits_and_removes_contact_people(leader_client):
    partner = PartnerFactory(name="Jobcenter")
    person = PartnerContactPersonFactory(partner=partner, name="Gammel Kontakt")
    data = {
        "name": "Jobcenter Lyngby",
        "kind": partner.kind_id,
        "active": "on",
        **people_management(total=1, initial=1),
        "people-0-id": person.pk,
        "people-0-partner": partner.pk,
        "people-0-name": "Gammel Kontakt",
        "people-0-DELETE": "on",
    }
    response = leader_client.post(reverse("partners:partner_edit", args=[partner.pk]), data)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "Jobcenter Lyngby"
    assert not PartnerContactPerson.objects.exists()


def test_bad_partner_input_keeps_what_was_typed_with_errors_beside_the_fields(leader_client):
    data = {
        "name": "",
        "kind": "",
        "phone": "abc",
        "email": "not-an-email",
        "opening_hours": "Altid",
        **people_management(),
        "people-0-name": "",
        "people-0-phone": "12",
    }
    response = leader_client.post(reverse("partners:partner_create"), with_token(data))
    assert response.status_code == 200
    form = response.context["form"]
    assert {"name", "kind", "phone", "email"} <= set(form.errors)
    assert response.context["people_formset"].errors[0]
    assert "Altid" in response.text
    assert not Partner.objects.exists()


def test_staff_cannot_create_or_edit_partners(staff_client):
    partner = PartnerFactory()
    assert staff_client.get(reverse("partners:partner_create")).status_code == 403
    assert (
        staff_client.post(reverse("partners:partner_edit", args=[partner.pk]), {"name": "x"}).status_code
        == 403
    )


def test_leader_edits_the_partner_kind_list(leader_client):
    response = leader_client.get(reverse("partners:kind_list"))
    assert "Psykiatrisk akutmodtagelse" in response.text
    response = leader_client.post(
        reverse("partners:kind_create"), with_token({"name": "Misbrugsbehandling", "position": 4})
    )
    assert response.status_code == 302
    kind = PartnerKind.objects.get(name="Misbrugsbehandling")
    response = leader_client.post(
        reverse("partners:kind_edit", args=[kind.pk]), {"name": "Rusmiddelbehandling", "position": 4}
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.name == "Rusmiddelbehandling"


def test_a_duplicate_or_empty_kind_gives_a_form_error(leader_client):
    response = leader_client.post(
        reverse("partners:kind_create"), with_token({"name": "Politi", "position": 1})
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("name")
    response = leader_client.post(reverse("partners:kind_create"), with_token({"name": "", "position": "x"}))
    assert response.context["form"].has_error("position")


def test_staff_cannot_edit_the_kind_list(client, staff_user):
    client.force_login(staff_user)
    for name in ("partners:kind_list", "partners:kind_create"):
        assert client.get(reverse(name)).status_code == 403


def test_every_partners_page_renders_for_the_leader(leader_client):
    partner = PartnerFactory(municipality_id="0173")
    PartnerContactPersonFactory(partner=partner)
    agreement = AgreementFactory(partner=partner)
    kind = PartnerKind.objects.first()
    for url in [
        reverse("partners:partner_list"),
        reverse("partners:partner_create"),
        reverse("partners:partner_detail", args=[partner.pk]),
        reverse("partners:partner_edit", args=[partner.pk]),
        reverse("partners:kind_list"),
        reverse("partners:kind_create"),
        reverse("partners:kind_edit", args=[kind.pk]),
        reverse("partners:agreement_list"),
        reverse("partners:agreement_create") + f"?partner={partner.pk}",
        reverse("partners:agreement_create") + "?partner=abc",
        reverse("partners:agreement_edit", args=[agreement.pk]),
        reverse("partners:expiring"),
        reverse("partners:billing"),
    ]:
        response = leader_client.get(url)
        assert response.status_code == 200, url
        assert response.text.count("<h1") == (0 if "fragment" in url else 1), url
