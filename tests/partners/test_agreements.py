import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from partners.models import Agreement, AgreementStatus, AgreementType, private_storage
from tests.helpers import with_token

from .factories import AgreementFactory, PartnerFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def stored_files():
    root = settings.PRIVATE_MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "day", "expected"),
    [
        (None, None, datetime.date(2026, 10, 1), AgreementStatus.DRAFT),
        (datetime.date(2026, 10, 2), None, datetime.date(2026, 10, 1), AgreementStatus.DRAFT),
        (datetime.date(2026, 10, 1), None, datetime.date(2026, 10, 1), AgreementStatus.ACTIVE),
        (
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 31),
            datetime.date(2026, 10, 31),
            AgreementStatus.ACTIVE,
        ),
        (
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 31),
            datetime.date(2026, 11, 1),
            AgreementStatus.EXPIRED,
        ),
        (
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 1),
            AgreementStatus.ACTIVE,
        ),
    ],
)
def test_status_follows_the_dates_with_both_ends_inclusive(valid_from, valid_to, day, expected):
    agreement = Agreement(valid_from=valid_from, valid_to=valid_to)
    assert agreement.status_on(day) == expected


def test_active_on_agrees_with_status_on_at_the_boundaries():
    agreement = AgreementFactory(valid_from=datetime.date(2026, 1, 1), valid_to=datetime.date(2026, 1, 31))
    for day in [
        datetime.date(2025, 12, 31),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 1, 31),
        datetime.date(2026, 2, 1),
    ]:
        in_queryset = Agreement.objects.active_on(day).filter(pk=agreement.pk).exists()
        assert in_queryset == (agreement.status_on(day) == AgreementStatus.ACTIVE)


def test_expiry_list_holds_29_and_30_days_but_not_31_days_or_expired_or_drafts():
    today = timezone.localdate()
    in_29 = AgreementFactory(valid_to=today + datetime.timedelta(days=29))
    in_30 = AgreementFactory(valid_to=today + datetime.timedelta(days=30))
    today_last = AgreementFactory(valid_to=today)
    in_31 = AgreementFactory(valid_to=today + datetime.timedelta(days=31))
    expired = AgreementFactory(valid_to=today - datetime.timedelta(days=1))
    draft = AgreementFactory(
        valid_from=today + datetime.timedelta(days=5), valid_to=today + datetime.timedelta(days=20)
    )
    open_ended = AgreementFactory(valid_to=None)

    expiring = set(Agreement.objects.expiring_within(today))

    assert {in_29, in_30, today_last} <= expiring
    assert not {in_31, expired, draft, open_ended} & expiring


def test_expiring_page_and_fragment_list_the_soon_expiring_for_the_leader(leader_client):
    today = timezone.localdate()
    soon = AgreementFactory(partner__name="Psykiatrien Nord", valid_to=today + datetime.timedelta(days=29))
    AgreementFactory(partner__name="Jobcenter Syd", valid_to=today + datetime.timedelta(days=31))
    for name in ("partners:expiring", "partners:expiring_fragment"):
        response = leader_client.get(reverse(name))
        assert response.status_code == 200
        assert soon.partner.name in response.text
        assert "Jobcenter Syd" not in response.text


@pytest.mark.parametrize("name", ["partners:expiring", "partners:expiring_fragment"])
def test_expiring_list_is_for_the_leader_only(client, staff_client, name):
    assert staff_client.get(reverse(name)).status_code == 403
    client.logout()
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def agreement_post(partner, **overrides):
    data = {
        "partner": partner.pk,
        "type": AgreementType.COLLABORATION,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "terms": "Aftalte vilkår",
        "price_per_contact": "",
        "price_per_bed_night": "",
    }
    data.update(overrides)
    return with_token(data)


def test_leader_creates_an_agreement_with_a_pdf_stored_privately_under_a_random_name(leader_client):
    partner = PartnerFactory()
    upload = SimpleUploadedFile(
        "Aftale med Hansen 010190-1234.pdf", PDF_BYTES, content_type="application/pdf"
    )
    response = leader_client.post(
        reverse("partners:agreement_create"), agreement_post(partner, document=upload)
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.document.name.startswith("agreements/")
    assert "Hansen" not in agreement.document.name
    files = stored_files()
    assert len(files) == 1
    assert files[0].read_bytes() == PDF_BYTES


def test_a_file_that_is_not_a_pdf_by_content_is_refused_and_nothing_is_stored(leader_client):
    partner = PartnerFactory()
    fake = SimpleUploadedFile("aftale.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = leader_client.post(
        reverse("partners:agreement_create"), agreement_post(partner, document=fake)
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("document", "not_pdf")
    assert Agreement.objects.count() == 0
    assert stored_files() == []
    # What was typed is kept.
    assert "Aftalte vilkår" in response.text


def test_an_oversized_pdf_is_refused_and_nothing_is_stored(leader_client, settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 100
    partner = PartnerFactory()
    big = SimpleUploadedFile("aftale.pdf", PDF_BYTES + b"0" * 200, content_type="application/pdf")
    response = leader_client.post(reverse("partners:agreement_create"), agreement_post(partner, document=big))
    assert response.status_code == 200
    assert response.context["form"].has_error("document", "too_large")
    assert Agreement.objects.count() == 0
    assert stored_files() == []


def test_bad_dates_and_missing_prices_give_form_errors_not_500(leader_client):
    partner = PartnerFactory()
    response = leader_client.post(
        reverse("partners:agreement_create"),
        agreement_post(
            partner, type=AgreementType.INTER_MUNICIPAL, valid_from="2026-12-31", valid_to="2026-01-01"
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("valid_to")
    assert form.has_error("price_per_contact")
    assert form.has_error("partner")  # no municipality code on the partner
    assert not Agreement.objects.exists()
    response = leader_client.post(
        reverse("partners:agreement_create"), agreement_post(partner, valid_from="31-31-2026")
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("valid_from")


def test_replacing_a_document_removes_the_old_file(leader_client):
    partner = PartnerFactory()
    leader_client.post(
        reverse("partners:agreement_create"),
        agreement_post(partner, document=SimpleUploadedFile("a.pdf", PDF_BYTES)),
    )
    agreement = Agreement.objects.get()
    old_name = agreement.document.name
    leader_client.post(
        reverse("partners:agreement_edit", args=[agreement.pk]),
        agreement_post(partner, document=SimpleUploadedFile("b.pdf", PDF_BYTES + b"v2")),
    )
    agreement.refresh_from_db()
    assert agreement.document.name != old_name
    assert not private_storage.exists(old_name)
    assert len(stored_files()) == 1


def test_staff_can_read_agreements_but_not_create_or_edit_them(staff_client):
    agreement = AgreementFactory()
    assert staff_client.get(reverse("partners:agreement_list")).status_code == 200
    assert staff_client.get(reverse("partners:agreement_create")).status_code == 403
    response = staff_client.post(reverse("partners:agreement_edit", args=[agreement.pk]), {"terms": "x"})
    assert response.status_code == 403


def test_evaluator_cannot_see_agreements(evaluator_client):
    assert evaluator_client.get(reverse("partners:agreement_list")).status_code == 403


@pytest.fixture
def agreement_with_document():
    agreement = AgreementFactory()
    agreement.document.save("x.pdf", SimpleUploadedFile("x.pdf", PDF_BYTES))
    return agreement


def test_leader_downloads_the_document_as_an_attachment(leader_client, agreement_with_document):
    response = leader_client.get(reverse("partners:agreement_document", args=[agreement_with_document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_document_is_not_served_to_staff_evaluators_or_anonymous(
    client, staff_user, evaluator_user, agreement_with_document
):
    url = reverse("partners:agreement_document", args=[agreement_with_document.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    for user in (staff_user, evaluator_user):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_document_is_not_reachable_under_static_or_media_urls(leader_client, agreement_with_document):
    name = agreement_with_document.document.name
    root = settings.PRIVATE_MEDIA_ROOT.resolve()
    assert not root.is_relative_to(settings.BASE_DIR / "static")
    assert not root.is_relative_to(settings.STATIC_ROOT)
    for prefix in ("/", "/" + settings.STATIC_URL.strip("/") + "/", "/media/", "/private_media/"):
        assert leader_client.get(prefix + name).status_code == 404


def test_agreement_without_a_document_gives_404(leader_client):
    agreement = AgreementFactory()
    assert leader_client.get(reverse("partners:agreement_document", args=[agreement.pk])).status_code == 404
    assert leader_client.get(reverse("partners:agreement_document", args=[999999])).status_code == 404
