"""The leader's page for lines and extensions: which staff member answers where."""

import datetime

import pytest
from django.urls import reverse

from telephony import services
from telephony.forms import TelephonySettingsForm
from telephony.models import Extension, Line, TelephonySettings
from tests.factories import UserFactory


def _data(**changes):
    """The page's form as the leader sends it back: the existing lines, one empty line and one
    empty extension row, then ``changes``."""
    data = {
        "settings-grace_seconds": "5",
        "settings-undescribed_after_minutes": "30",
        "settings-sms_text": "Vi ringer dig op senest kl. {time}.",
        "settings-number_retention_days": "7",
        "settings-index_retention_days": "90",
        "extensions-TOTAL_FORMS": "1",
        "extensions-INITIAL_FORMS": "0",
        "extensions-0-number": "",
        "extensions-0-user": "",
    }
    lines = list(Line.objects.order_by("name"))
    data["lines-TOTAL_FORMS"] = str(len(lines) + 1)
    data["lines-INITIAL_FORMS"] = str(len(lines))
    for number, line in enumerate(lines):
        data |= {f"lines-{number}-id": str(line.pk), f"lines-{number}-code": line.code}
        data[f"lines-{number}-name"] = line.name
    data |= {f"lines-{len(lines)}-code": "", f"lines-{len(lines)}-name": ""}
    return data | changes


@pytest.mark.django_db
def test_the_leader_maps_an_extension_to_a_staff_member_and_adds_a_line(leader_client):
    sara = UserFactory(username="sara-lokal")
    data = _data(**{"extensions-0-number": "201", "extensions-0-user": str(sara.pk)})
    data["lines-1-code"], data["lines-1-name"] = "partnere", "Partnerlinjen"
    data["settings-grace_seconds"] = "8"
    response = leader_client.post(reverse("telephony:line_settings"), data)
    assert response.status_code == 302
    assert Extension.objects.get(number="201").user == sara
    assert Line.objects.filter(code="partnere").exists()
    assert TelephonySettings.load().grace_seconds == 8


@pytest.mark.django_db
def test_bad_input_keeps_what_was_typed(leader_client):
    data = _data(**{"extensions-0-number": "2 0 1<", "settings-grace_seconds": "-3"})
    response = leader_client.post(reverse("telephony:line_settings"), data)
    assert response.status_code == 200
    assert "2 0 1&lt;" in response.content.decode()
    assert not Extension.objects.exists()


@pytest.mark.django_db
def test_a_line_with_calls_is_not_deleted(leader_client):
    services.record_call_event(
        call_id="c1",
        event="ringing",
        at=datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC),
        line="akut",
        caller="withheld",
        extension="",
        event_id="e1",
        source="test",
    )
    response = leader_client.post(
        reverse("telephony:line_settings"), _data(**{"lines-0-DELETE": "on"}), follow=True
    )
    assert Line.objects.filter(code="akut").exists()
    assert "En linje med opkald kan ikke slettes" in response.content.decode()


@pytest.mark.django_db
def test_staff_cannot_change_the_line_settings(staff_client):
    assert staff_client.post(reverse("telephony:line_settings"), _data()).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("Vi ringer dig op senest kl. {time}.", True),
        ("Vi ringer dig op i aften.", False),
        ("Hej {name}, vi ringer kl. {time}", False),
    ],
)
def test_the_sms_text_names_the_promised_time_and_nothing_else(text, accepted):
    form = TelephonySettingsForm(
        {
            "grace_seconds": "5",
            "undescribed_after_minutes": "30",
            "sms_text": text,
            "number_retention_days": "7",
            "index_retention_days": "90",
        },
        instance=TelephonySettings.load(),
    )
    assert form.is_valid() is accepted


def test_the_settings_page_gives_the_switchboards_addresses_and_whether_twilio_is_set_up(
    leader_client, settings
):
    settings.TWILIO_AUTH_TOKEN = ""
    page = leader_client.get(reverse("telephony:line_settings")).content.decode()
    assert "http://testserver/telephony/events/" in page
    assert "http://testserver/telephony/twilio/status/?line=akut" in page
    assert "Twilios callbacks afvises" in page
    settings.TWILIO_AUTH_TOKEN = "a-secret-token"
    page = leader_client.get(reverse("telephony:line_settings")).content.decode()
    assert "Twilios auth token er sat." in page
    assert "a-secret-token" not in page
