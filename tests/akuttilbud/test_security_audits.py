"""Smaller holes closed: CPR-looking login names masked, settings and cost changes audited,
person pages never cached."""

import datetime
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse
from django.utils import timezone

from akuttilbud.login_names import masked
from akuttilbud.models import AuditAction, AuditEvent
from reporting.models import CostEntry
from tests.akuttilbud.test_settings import SERVICE_SETTINGS_FORM
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import with_token
from tests.partners.factories import AgreementFactory, PartnerFactory
from tests.partners.test_agreements import agreement_post
from tests.reporting.factories import CostEntryFactory
from tests.telephony.test_line_settings import _data as line_settings_data

pytestmark = pytest.mark.django_db

CPR = "0101901234"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0101901234", "010190-xxxx"),
        ("010190-1234", "010190-xxxx"),
        ("010190 1234", "010190-xxxx"),
        ("cpr 0101901234", "cpr 010190-xxxx"),
        ("sara", "sara"),
        ("12345", "12345"),
        ("012345678901", "012345678901"),
    ],
)
def test_login_names_that_look_like_a_cpr_number_are_masked(typed, stored):
    assert masked(typed) == stored


@pytest.mark.parametrize("typed", ["0101901234", "010190-1234"])
def test_a_cpr_typed_as_login_name_is_stored_masked_everywhere(client, settings, typed):
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": typed, "password": "forkert"}, REMOTE_ADDR="10.0.0.7")
    # Still locked as one user name, though never stored as typed.
    locked = client.post(reverse("login"), {"username": typed, "password": "forkert"}, REMOTE_ADDR="10.0.0.7")
    assert locked.status_code == 429

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["010190-xxxx"]
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {"010190-xxxx"}
    events = AuditEvent.objects.filter(action__in=[AuditAction.LOGIN_FAILED, AuditAction.LOCKED_OUT])
    assert events.filter(action=AuditAction.LOCKED_OUT).exists()
    for event in events:
        assert "1234" not in event.username + str(event.detail)
        assert event.username == "010190-xxxx"


def test_service_settings_change_is_audited_with_before_and_after(leader_client, leader_user):
    assert leader_client.post(reverse("service_settings"), SERVICE_SETTINGS_FORM).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SETTINGS_CHANGE)
    assert event.user == leader_user
    assert event.detail == {
        "settings": "service",
        "changes": {
            "service_name": ["Socialt akuttilbud", "Akuttilbuddet Vest"],
            "municipality": ["", "0101"],
            "beds": ["4", "6"],
        },
    }


def test_phone_line_settings_change_is_audited(leader_client):
    data = line_settings_data()
    data["settings-number_retention_days"] = "14"
    data["lines-1-code"], data["lines-1-name"] = "partnere", "Partnerlinjen"
    assert leader_client.post(reverse("telephony:line_settings"), data).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SETTINGS_CHANGE)
    assert event.detail["settings"] == "telephony"
    assert event.detail["changes"] == {"number_retention_days": ["7", "14"]}
    assert len(event.detail["lines"]["added"]) == 1
    assert event.detail["extensions"] == {"added": [], "changed": [], "deleted": []}


def test_a_refused_phone_line_change_is_not_audited(leader_client):
    data = line_settings_data(**{"settings-grace_seconds": "not a number"})
    assert leader_client.post(reverse("telephony:line_settings"), data).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.SETTINGS_CHANGE).exists()


def test_agreement_created_and_changed_are_audited(leader_client):
    partner = PartnerFactory()
    assert (
        leader_client.post(reverse("partners:agreement_create"), agreement_post(partner)).status_code == 302
    )
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="partners.agreement")
    assert created.detail["settings"] == "agreement"
    agreement = AgreementFactory(partner=partner, price_per_contact=Decimal("100.00"))
    data = agreement_post(partner, price_per_contact="150.00")
    response = leader_client.post(reverse("partners:agreement_edit", args=[agreement.pk]), data)
    assert response.status_code == 302
    changed = AuditEvent.objects.get(action=AuditAction.SETTINGS_CHANGE, object_id=str(agreement.pk))
    assert "price_per_contact" in changed.detail["fields"]


def test_cost_entries_created_changed_and_deleted_are_audited(leader_client, leader_user):
    response = leader_client.post(
        reverse("reporting:cost_create"),
        with_token(
            {"month": "2026-10", "category": "rent", "amount": "12500.50", "note": "Husleje for Hanne"}
        ),
    )
    assert response.status_code == 302
    entry = CostEntry.objects.get()
    leader_client.post(
        reverse("reporting:cost_edit", args=[entry.pk]),
        {"month": "2026-10", "category": "rent", "amount": "13000", "note": "Husleje for Hanne"},
    )
    leader_client.post(reverse("reporting:cost_delete", args=[entry.pk]))
    events = AuditEvent.objects.filter(object_type="reporting.costentry").order_by("id")
    assert [(event.action, event.user) for event in events] == [
        (AuditAction.CREATE, leader_user),
        (AuditAction.UPDATE, leader_user),
        (AuditAction.DELETE, leader_user),
    ]
    assert events[0].detail == {"month": "2026-10-01", "category": "rent", "amount": "12500.50"}
    assert events[1].detail["fields"] == ["amount"]
    assert events[2].detail["amount"] == "13000.00"
    assert all("Hanne" not in str(event.detail) for event in events)


def test_a_cost_entry_unchanged_is_audited_with_no_fields(leader_client):
    entry = CostEntryFactory(month=datetime.date(2026, 10, 1), amount=Decimal("10"), category="rent", note="")
    leader_client.post(
        reverse("reporting:cost_edit", args=[entry.pk]),
        {"month": "2026-10", "category": "rent", "amount": "10"},
    )
    assert AuditEvent.objects.get(action=AuditAction.UPDATE).detail["fields"] == []


@pytest.fixture
def citizen():
    return PersonFactory(cpr=CPR)


@pytest.mark.parametrize(
    ("client_fixture", "method", "url_for"),
    [
        ("staff_client", "get", lambda person: reverse("contacts:person_detail", args=[person.pk])),
        ("staff_client", "post", lambda person: reverse("contacts:person_reveal", args=[person.pk])),
        ("staff_client", "get", lambda person: reverse("contacts:person_edit", args=[person.pk])),
        ("staff_client", "get", lambda person: reverse("contacts:person_identify", args=[person.pk])),
        ("staff_client", "get", lambda person: reverse("crisisplans:person_section", args=[person.pk])),
        (
            "staff_client",
            "get",
            lambda person: reverse("contacts:contact_detail", args=[ContactFactory(person=person).pk]),
        ),
        ("staff_client", "get", lambda person: reverse("contacts:person_create")),
        ("leader_client", "get", lambda person: reverse("access_report", args=[person.pk])),
    ],
)
def test_pages_with_a_persons_data_are_never_stored_by_a_cache(
    request, citizen, client_fixture, method, url_for
):
    response = getattr(request.getfixturevalue(client_fixture), method)(url_for(citizen))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_cpr_reveal_itself_is_not_cached(staff_client, citizen):
    response = staff_client.post(reverse("contacts:person_reveal", args=[citizen.pk]))
    assert "010190-1234" in response.text
    assert "no-store" in response["Cache-Control"]
    assert response["Expires"]


def test_a_login_leaves_no_row_in_axes_access_log(client, staff_user):
    from axes.models import AccessLog

    response = client.post(reverse("login"), {"username": "sara", "password": "korrekt-hest-batteri-42"})
    assert response.status_code == 302
    assert not AccessLog.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, user=staff_user).exists()


def test_expired_sessions_are_removed_by_the_nightly_task(client, staff_user, settings):
    from django.contrib.sessions.models import Session

    from akuttilbud.tasks import clear_expired_sessions_task

    client.force_login(staff_user)
    live = Session.objects.get()
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - datetime.timedelta(hours=1)
    )
    assert "akuttilbud.tasks.clear_expired_sessions_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    clear_expired_sessions_task.delay()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
