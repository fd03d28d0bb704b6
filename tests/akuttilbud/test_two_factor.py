import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from akuttilbud import otp
from akuttilbud.models import AuditAction, AuditEvent, Role
from tests.factories import UserFactory

PASSWORD = "korrekt-hest-batteri-42"


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def _wrong_code(device):
    return f"{(int(_code(device)) + 1) % 1_000_000:06d}"


def _redeem(client, user, next_url=""):
    code = otp.issue_enrolment_code(user=user, via="command")
    response = client.post(reverse("otp_setup"), {"enrolment_code": code, "next": next_url})
    assert response.status_code == 302, response.content[:500]
    return code


def _log_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.fixture
def required_for_leaders(settings):
    settings.OTP_REQUIRED_FOR_ROLES = ["leader", "evaluator"]


@pytest.mark.django_db
def test_two_factor_is_not_asked_for_by_default(client):
    UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    assert client.get(reverse("audit_log")).status_code == 200


@pytest.mark.django_db
def test_a_leader_without_a_device_is_sent_to_set_one_up(client, required_for_leaders):
    UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    response = client.get(reverse("audit_log"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('otp_setup')}?next=%2Faudit%2F"


@pytest.mark.django_db
def test_staff_are_not_asked_when_only_leaders_and_evaluators_must(client, required_for_leaders):
    UserFactory(username="sara", role=Role.STAFF)
    _log_in(client, "sara")
    assert client.get(reverse("audit_log")).status_code == 403


@pytest.mark.django_db
def test_set_up_shows_the_secret_and_turns_on_two_factor_with_a_right_code(client, required_for_leaders):
    leader = UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    _redeem(client, leader, reverse("audit_log"))
    page = client.get(reverse("otp_setup"), {"next": reverse("audit_log")})
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    content = page.content.decode()
    assert page.context["secret"] in content
    assert "otpauth://totp/Akuttilbud%3Alene?secret=" in content

    response = client.post(reverse("otp_setup"), {"code": _code(device), "next": reverse("audit_log")})

    assert response.status_code == 200
    assert len(response.context["recovery_codes"]) == 10
    assert response.context["next"] == reverse("audit_log")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("audit_log")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="otp_totp.totpdevice").exists()


@pytest.mark.django_db
def test_set_up_with_a_wrong_code_is_a_form_error(client, required_for_leaders):
    leader = UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    _redeem(client, leader)
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=leader)
    for bad in (_wrong_code(device), "12ab56", "", "1" * 200):
        response = client.post(reverse("otp_setup"), {"code": bad})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("audit_log")).status_code == 302


@pytest.mark.django_db
def test_set_up_keeps_the_same_secret_between_showing_and_checking(client):
    staff = UserFactory(username="sara", role=Role.STAFF)
    _log_in(client, "sara")
    _redeem(client, staff)
    first = client.get(reverse("otp_setup")).context["secret"]
    second = client.get(reverse("otp_setup")).context["secret"]
    assert first == second


@pytest.mark.django_db
def test_a_user_with_two_factor_must_enter_a_code_after_each_login(client, required_for_leaders):
    leader = UserFactory(username="lene", role=Role.LEADER)
    device = TOTPDevice.objects.create(user=leader, name="TOTP", confirmed=True)
    _log_in(client, "lene")

    response = client.get(reverse("audit_log"))
    assert response["Location"] == f"{reverse('otp_verify')}?next=%2Faudit%2F"
    wrong = client.post(reverse("otp_verify"), {"code": _wrong_code(device)})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    assert client.get(reverse("audit_log")).status_code == 302

    device.refresh_from_db()
    # A wrong code throttles the device for a moment; the test does not wait it out.
    device.throttle_reset()
    right = client.post(reverse("otp_verify"), {"code": _code(device), "next": reverse("audit_log")})
    assert right["Location"] == reverse("audit_log")
    assert client.get(reverse("audit_log")).status_code == 200


@pytest.mark.django_db
def test_a_staff_member_who_turned_two_factor_on_is_asked_too(client):
    staff = UserFactory(username="sara", role=Role.STAFF)
    TOTPDevice.objects.create(user=staff, name="TOTP", confirmed=True)
    _log_in(client, "sara")
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("otp_verify"))


@pytest.mark.django_db
def test_htmx_requests_owing_a_code_get_a_client_side_redirect(client, required_for_leaders):
    UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    response = client.get(reverse("audit_log"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("otp_setup")


@pytest.mark.django_db
def test_next_pointing_off_site_is_ignored(client, required_for_leaders):
    leader = UserFactory(username="lene", role=Role.LEADER)
    device = TOTPDevice.objects.create(user=leader, name="TOTP", confirmed=True)
    _log_in(client, "lene")
    response = client.post(reverse("otp_verify"), {"code": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["otp_setup", "otp_verify"])
def test_two_factor_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_logout_works_while_a_code_is_owed(client, required_for_leaders):
    UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_second_factor_given_another_way_counts(client, required_for_leaders):
    from akuttilbud.two_factor import SECOND_FACTOR_SESSION_KEY

    UserFactory(username="lene", role=Role.LEADER)
    _log_in(client, "lene")
    assert client.get(reverse("audit_log")).status_code == 302
    session = client.session
    # What an identity provider's trusted multi-factor claim leads to (two_factor.mark_second_factor).
    session[SECOND_FACTOR_SESSION_KEY] = "oidc"
    session.save()
    assert client.get(reverse("audit_log")).status_code == 200
