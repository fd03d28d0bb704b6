"""Times: no form takes a time in the future, and the error stands on the field that is wrong."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from contacts.models import Callback, Contact, Stay
from tests.factories import ContactFactory, PersonFactory, StayFactory
from tests.helpers import with_token

pytestmark = pytest.mark.django_db

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
FUTURE = "2027-06-01T10:00"


def _contact_post(contact, **overrides):
    return {
        "contact-channel": "phone",
        "contact-direction": "in",
        "contact-caller_role": "citizen",
        "contact-started_at": "",
        "contact-answered_at": "",
        "contact-ended_at": "",
        "contact-in_target_group": "on",
        "contact-summary": "Ringede om søvn",
        "contact-notification_decision": "",
        "contact-version": contact.version,
        **{f"contact-{name}": value for name, value in overrides.items()},
    }


@time_machine.travel(datetime.datetime(2026, 12, 2, 18, 0, tzinfo=COPENHAGEN), tick=False)
def test_a_start_in_the_future_is_refused_on_start_when_the_other_times_are_empty(staff_client):
    contact = ContactFactory()
    url = reverse("contacts:contact_detail", args=[contact.pk])
    response = staff_client.post(url, _contact_post(contact, started_at=FUTURE))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["started_at"]
    assert 'value="2027-06-01T10:00"' in response.content.decode()
    contact.refresh_from_db()
    assert contact.started_at.year == 2026


@time_machine.travel(datetime.datetime(2026, 12, 2, 18, 0, tzinfo=COPENHAGEN), tick=False)
def test_a_start_in_the_future_is_blamed_not_the_answer_and_end_after_it(staff_client):
    contact = ContactFactory()
    url = reverse("contacts:contact_detail", args=[contact.pk])
    data = _contact_post(
        contact, started_at=FUTURE, answered_at="2026-12-02T17:40", ended_at="2026-12-02T17:55"
    )
    response = staff_client.post(url, data)
    assert list(response.context["form"].errors) == ["started_at"]


@time_machine.travel(datetime.datetime(2026, 12, 2, 18, 0, tzinfo=COPENHAGEN), tick=False)
def test_an_end_in_the_future_is_refused_on_the_end(staff_client):
    contact = ContactFactory()
    url = reverse("contacts:contact_detail", args=[contact.pk])
    data = _contact_post(contact, started_at="2026-12-02T17:30", ended_at="2026-12-02T23:00")
    response = staff_client.post(url, data)
    assert list(response.context["form"].errors) == ["ended_at"]


@time_machine.travel(datetime.datetime(2026, 12, 2, 18, 0, tzinfo=COPENHAGEN), tick=False)
@pytest.mark.parametrize(
    ("url_name", "data", "field", "model"),
    [
        ("contacts:arrival", {"name": "Ny", "arrived_at": FUTURE}, "arrived_at", Contact),
        (
            "contacts:callback_add",
            {"kind": "missed_call", "phone": "20304050", "received_at": FUTURE},
            "received_at",
            Callback,
        ),
        ("stay_book", {"bed": "1", "check_in": FUTURE, "meals": "0"}, "check_in", Stay),
        (
            "stay_book",
            {"bed": "1", "check_in": "2026-12-02T17:00", "check_out": FUTURE, "meals": "0"},
            "check_out",
            Stay,
        ),
    ],
)
def test_every_form_refuses_a_time_in_the_future_on_that_field(staff_client, url_name, data, field, model):
    if url_name == "stay_book":
        url = reverse("contacts:stay_book", args=[PersonFactory().pk])
    else:
        url = reverse(url_name)
    response = staff_client.post(url, with_token(data))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not model.objects.exists()


def test_a_check_out_in_the_future_is_refused(staff_client):
    stay = StayFactory()
    response = staff_client.post(
        reverse("contacts:stay_check_out", args=[stay.pk]), {"check_out": "2099-01-01T09:00", "meals": "0"}
    )
    assert list(response.context["form"].errors) == ["check_out"]


def _default_of(page, name):
    return re.search(rf'name="{name}" value="([^"]+)"', page.content.decode()).group(1)


def test_check_out_in_the_check_ins_minute_works_with_the_forms_own_defaults(staff_client):
    person = PersonFactory()
    with time_machine.travel(datetime.datetime(2026, 12, 2, 18, 56, 10, tzinfo=COPENHAGEN), tick=False):
        url = reverse("contacts:stay_book", args=[person.pk])
        check_in = _default_of(staff_client.get(url), "check_in")
        staff_client.post(url, with_token({"bed": "1", "check_in": check_in, "meals": "0"}))
    stay = Stay.objects.get()
    with time_machine.travel(datetime.datetime(2026, 12, 2, 18, 56, 50, tzinfo=COPENHAGEN), tick=False):
        url = reverse("contacts:stay_check_out", args=[stay.pk])
        page = staff_client.get(url)
        response = staff_client.post(url, {"check_out": _default_of(page, "check_out"), "meals": "0"})
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.check_in < stay.check_out == datetime.datetime(2026, 12, 2, 18, 56, 50, tzinfo=COPENHAGEN)


def test_a_check_out_typed_at_the_check_in_later_on_is_still_refused(staff_client):
    check_in = datetime.datetime(2026, 12, 2, 18, 56, tzinfo=COPENHAGEN)
    stay = StayFactory(check_in=check_in, check_out=None)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 20, 0, tzinfo=COPENHAGEN), tick=False):
        response = staff_client.post(
            reverse("contacts:stay_check_out", args=[stay.pk]),
            {"check_out": "2026-12-02T18:56", "meals": "0"},
        )
    assert list(response.context["form"].errors) == ["check_out"]
