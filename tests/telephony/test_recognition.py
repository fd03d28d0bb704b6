"""Recognising the caller: what the board's call card says about a number, and who may link it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Callback
from crisisplans import services as plan_services
from telephony import recognition, services
from telephony.models import CallSession, NumberLink
from tests.factories import CallbackFactory, ContactFactory, PersonFactory

NUMBER = "+4512345678"


def _call(call_id, *, caller=NUMBER, days_ago=0, kind="ringing"):
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return services.record_call_event(
        call_id=call_id,
        event=kind,
        at=at,
        line="akut",
        caller=caller,
        extension="",
        event_id=f"{call_id}-{kind}",
        source="api",
    )


def _fragment(client, call):
    response = client.get(reverse("telephony:known_caller", args=[call.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_first_time_caller_is_shown_by_the_last_four_digits_only(staff_client):
    content = _fragment(staff_client, _call("c1"))
    assert "…5678" in content
    assert "12345678" not in content and "12 34 56 78" not in content
    assert "30 dage" in content or "30 days" in content


@pytest.mark.django_db
def test_earlier_calls_in_the_last_30_days_and_the_last_one_are_counted(staff_user):
    _call("old", days_ago=31)
    _call("a", days_ago=10)
    last = _call("b", days_ago=2)
    CallSession.objects.filter(pk=last.pk).update(contact=ContactFactory())
    _call("other-number", caller="+4587654321", days_ago=1)
    now_ringing = _call("now")
    known = recognition.known_caller(now_ringing, user=staff_user)
    assert (known.recent_calls, known.recent_contacts) == (2, 1)
    assert known.last_call == last
    assert known.persons == []


@pytest.mark.django_db
def test_an_open_call_back_for_the_number_is_shown(staff_client):
    callback = CallbackFactory(phone=NUMBER)
    CallbackFactory(phone=NUMBER, done_at=timezone.now())
    content = _fragment(staff_client, _call("c1"))
    assert reverse("contacts:callback_complete", args=[callback.pk]) in content
    assert Callback.objects.open().count() == 1


@pytest.mark.django_db
def test_a_withheld_number_shows_nothing_known(staff_client, staff_user):
    CallbackFactory(phone=NUMBER)
    call = _call("c1", caller="anonymous")
    known = recognition.known_caller(call, user=staff_user)
    assert known.withheld and known.open_callback is None and known.recent_calls == 0
    assert "Skjult nummer" in _fragment(staff_client, call) or "Withheld" in _fragment(staff_client, call)


@pytest.mark.django_db
def test_no_person_is_shown_from_a_number_until_staff_link_it(staff_client, staff_user):
    person = PersonFactory(name="Hanne Hansen", phone=NUMBER)
    earlier = _call("earlier", days_ago=3)
    CallSession.objects.filter(pk=earlier.pk).update(contact=ContactFactory(person=person))
    # Neither the person's own follow-up number nor an earlier contact names them on the card.
    content = _fragment(staff_client, _call("now"))
    assert "Hanne Hansen" not in content
    assert not AuditEvent.objects.about_person(person.pk).filter(action=AuditAction.VIEW).exists()


@pytest.mark.django_db
def test_linking_is_an_audited_act_and_then_the_person_and_open_plan_are_shown(staff_client, staff_user):
    person = PersonFactory(name="Hanne Hansen", cpr="0101901234")
    contact = ContactFactory(person=person)
    plan = plan_services.create_plan(person=person, contact=contact, user=staff_user, sections={})
    call = _call("c1")
    CallSession.objects.filter(pk=call.pk).update(contact=contact)

    card = _fragment(staff_client, call)
    assert "Hanne Hansen" in card  # the button names the contact's person, whom staff chose
    response = staff_client.post(reverse("telephony:link_caller", args=[call.pk]))
    assert response.status_code == 200
    link = NumberLink.objects.get()
    assert (link.person, link.linked_by, link.phone_index) == (person, staff_user, call.phone_index)
    linked = AuditEvent.objects.about_person(person.pk).filter(action=AuditAction.PHONE_LINK)
    assert linked.count() == 1

    next_call = _call("c2")
    content = _fragment(staff_client, next_call)
    assert reverse("contacts:person_detail", args=[person.pk]) in content
    assert reverse("crisisplans:plan_detail", args=[plan.pk]) in content
    shown = AuditEvent.objects.about_person(person.pk).filter(action=AuditAction.VIEW, user=staff_user)
    assert shown.filter(object_type="telephony.callsession", object_id=str(next_call.pk)).exists()


@pytest.mark.django_db
def test_unlinking_stops_the_person_being_shown(staff_client, staff_user):
    person = PersonFactory(name="Hanne Hansen")
    call = _call("c1")
    recognition.link_number(call=call, person=person, user=staff_user)
    response = staff_client.post(
        reverse("telephony:link_caller", args=[call.pk]), {"person": person.pk, "unlink": "on"}
    )
    assert response.status_code == 200
    assert not NumberLink.objects.exists()
    assert "Hanne Hansen" not in _fragment(staff_client, _call("c2"))
    assert AuditEvent.objects.about_person(person.pk).filter(action=AuditAction.PHONE_LINK).count() == 2


@pytest.mark.django_db
def test_linking_twice_keeps_one_link_and_one_audit_event(staff_user):
    person = PersonFactory(name="Hanne")
    call = _call("c1")
    recognition.link_number(call=call, person=person, user=staff_user)
    recognition.link_number(call=call, person=person, user=staff_user)
    assert NumberLink.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.PHONE_LINK).count() == 1


@pytest.mark.django_db
def test_a_call_without_a_number_or_a_person_cannot_be_linked(staff_client):
    withheld = _call("c1", caller="withheld")
    assert staff_client.post(reverse("telephony:link_caller", args=[withheld.pk])).status_code == 400
    no_contact = _call("c2")
    assert staff_client.post(reverse("telephony:link_caller", args=[no_contact.pk])).status_code == 400
    assert not NumberLink.objects.exists()


@pytest.mark.django_db
def test_the_card_costs_a_fixed_number_of_queries_whatever_the_history(
    staff_client, staff_user, django_assert_max_num_queries
):
    persons = [PersonFactory(name=f"Person {n}") for n in range(3)]
    for n in range(8):
        _call(f"earlier-{n}", days_ago=n + 1)
    call = _call("now")
    for person in persons:
        recognition.link_number(call=call, person=person, user=staff_user)
        plan_services.create_plan(
            person=person, contact=ContactFactory(person=person), user=staff_user, sections={}
        )
    CallbackFactory(phone=NUMBER)
    # Session and user (2), the call (1), earlier calls (3), call-back (1), links (1), plans
    # (1), one audit event for every person shown (6 at most) and the login session's save (3).
    with django_assert_max_num_queries(18):
        response = staff_client.get(reverse("telephony:known_caller", args=[call.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_merging_two_citizens_linked_to_one_number_shows_the_one_kept_once(staff_user):
    from contacts.services import persons as person_services

    keep, remove = PersonFactory(name="Hanne"), PersonFactory(nickname="Natteravn")
    call = _call("c1")
    recognition.link_number(call=call, person=keep, user=staff_user)
    recognition.link_number(call=call, person=remove, user=staff_user)
    person_services.merge_persons(keep=keep, remove=remove, user=staff_user)
    known = recognition.known_caller(_call("c2"), user=staff_user)
    assert [linked.person for linked in known.persons] == [keep]
