import pytest
from django.urls import reverse

from akuttilbud.models import AuditAction, AuditEvent, Role
from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.STAFF, "contacts:board"),
        (Role.LEADER, "reporting:dashboard"),
        (Role.EVALUATOR, "reporting:exports"),
    ],
)
def test_each_role_lands_on_its_own_home_after_login(client, role, home):
    UserFactory(username="bruger", role=role)
    response = client.post(
        reverse("login"), {"username": "bruger", "password": "korrekt-hest-batteri-42"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, username="bruger").exists()


@pytest.mark.django_db
def test_login_page_is_danish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Log ind" in response.content.decode()


@pytest.mark.django_db
def test_failed_login_is_audited_without_the_password(client):
    UserFactory(username="bruger")
    response = client.post(reverse("login"), {"username": "bruger", "password": "forkert-kode"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.detail["username"] == "bruger"
    assert "forkert-kode" not in str(event.detail)


@pytest.mark.django_db
def test_logout_is_audited(staff_client):
    staff_client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()
