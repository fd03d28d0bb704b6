import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import CrisisConversation, Reason
from crisisplans.models import CrisisPlan
from tests.factories import ContactFactory, PersonFactory, StayFactory, UserFactory

CPR = "0101901234"


@pytest.fixture
def person(db):
    citizen = PersonFactory(cpr=CPR, name="Hanne Hansen", nickname="Hanne", phone="20304050")
    contact = ContactFactory(person=citizen, summary="Ringede om ensomhed")
    contact.reasons.add(Reason.objects.create(name="Ensomhed-test"))
    CrisisConversation.objects.create(contact=contact, situation="Kæresten gik sin vej")
    StayFactory(person=citizen, contact=contact, note="Sov uroligt")
    CrisisPlan.objects.create(
        person=citizen,
        contact=contact,
        created_by=UserFactory(),
        sections={"warning_signs": ["Sover ikke om natten"]},
    )
    return citizen


@pytest.mark.django_db
def test_leader_sees_everything_held_about_the_person(leader_client, person):
    response = leader_client.get(reverse("access_report", args=[person.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for held in (
        "010190-1234",
        "Hanne Hansen",
        "20 30 40 50",
        "Ringede om ensomhed",
        "Ensomhed-test",
        "Kæresten gik sin vej",
        "Sov uroligt",
        "Sover ikke om natten",
    ):
        assert held in content or held.replace("-", "") in content, held


@pytest.mark.django_db
def test_report_lists_the_look_ups_made_about_the_person(leader_client, person, staff_user):
    audit(AuditAction.CPR_REVEAL, user=staff_user, person=person)
    audit(AuditAction.SEARCH, user=staff_user, person=person, detail={"criterion": "cpr"})
    audit(AuditAction.VIEW, user=staff_user, person_id=person.pk + 1000)

    response = leader_client.get(reverse("access_report", args=[person.pk]))

    look_ups = list(response.context["look_ups"])
    assert [event.action for event in look_ups] == [
        AuditAction.CPR_REVEAL,
        AuditAction.SEARCH,
        AuditAction.ACCESS_REPORT,
    ]
    content = response.content.decode()
    assert staff_user.display_name in content
    assert "criterion: cpr" in content
    assert timezone.localtime(look_ups[0].at).strftime("%d.%m.%Y") in content


@pytest.mark.django_db
def test_making_the_report_is_audited(leader_client, leader_user, person):
    leader_client.get(reverse("access_report", args=[person.pk]))
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_REPORT)
    assert (event.user, event.person_id, event.object_type) == (leader_user, person.pk, "contacts.person")
    assert CPR not in str(event.detail)


@pytest.mark.django_db
@pytest.mark.parametrize("client_fixture", ["staff_client", "evaluator_client"])
def test_only_the_leader_makes_the_report(request, client_fixture, person):
    response = request.getfixturevalue(client_fixture).get(reverse("access_report", args=[person.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.ACCESS_REPORT).exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, person):
    response = client.get(reverse("access_report", args=[person.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_unknown_person_is_a_404(leader_client):
    assert leader_client.get(reverse("access_report", args=[987654])).status_code == 404


@pytest.mark.django_db
def test_report_is_printable_without_inline_script(leader_client, person):
    content = leader_client.get(reverse("access_report", args=[person.pk])).content.decode()
    assert "css/akuttilbud.css" in content
    assert "data-print" in content
    assert "<script>" not in content
    assert " onclick=" not in content


@pytest.mark.django_db
def test_report_query_count_does_not_grow_with_the_records(
    leader_client, person, django_assert_max_num_queries
):
    def count_queries():
        with django_assert_max_num_queries(40) as captured:
            assert leader_client.get(reverse("access_report", args=[person.pk])).status_code == 200
        return len(captured.captured_queries)

    count_queries()  # the session's first request stores it; measure the ones after
    few = count_queries()
    start = timezone.now() - datetime.timedelta(days=400)
    for day in range(15):
        contact = ContactFactory(person=person, started_at=start + datetime.timedelta(days=day))
        CrisisConversation.objects.create(contact=contact, situation=f"Samtale {day}")
        audit(AuditAction.VIEW, person=person)
    assert count_queries() == few
