import pytest
from django.urls import reverse

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction, AuditEvent


@pytest.mark.django_db
def test_each_event_carries_the_hash_of_the_one_before(staff_user):
    first = audit(AuditAction.VIEW, user=staff_user, person_id=7)
    second = audit(AuditAction.SEARCH, user=staff_user, detail={"criterion": "nickname"})
    assert first.previous_hash == ""
    assert second.previous_hash == first.hash
    assert second.hash == second.compute_hash([])
    assert first.hash == first.compute_hash([7])
    assert first.username == staff_user.username


@pytest.mark.django_db
def test_leader_can_list_and_filter_the_audit_log(leader_client, staff_user):
    audit(AuditAction.CPR_REVEAL, user=staff_user, person_id=42)
    audit(AuditAction.VIEW, user=staff_user, person_id=43)
    response = leader_client.get(reverse("audit_log"), {"action": AuditAction.CPR_REVEAL})
    assert response.status_code == 200
    events = list(response.context["page"])
    assert [event.person_id for event in events] == [42]


@pytest.mark.django_db
@pytest.mark.parametrize("client_fixture", ["staff_client", "evaluator_client"])
def test_only_the_leader_reads_the_audit_log(request, client_fixture):
    response = request.getfixturevalue(client_fixture).get(reverse("audit_log"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_audit_log_filter_with_bad_date_is_a_form_error_not_a_500(leader_client):
    response = leader_client.get(reverse("audit_log"), {"from_date": "31-02-2026", "person_id": "x"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_in_the_admin(admin_client):
    event = audit(AuditAction.VIEW, person_id=1)
    response = admin_client.post(
        reverse("admin:akuttilbud_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
