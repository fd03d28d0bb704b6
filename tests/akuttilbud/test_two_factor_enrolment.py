"""Enrolment needs a code from someone else; recovery codes; wrong codes audited and locked."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from akuttilbud import otp
from akuttilbud.models import AuditAction, AuditEvent, EnrolmentCode, Role
from akuttilbud.two_factor import SECOND_FACTOR_SESSION_KEY, mark_second_factor
from tests.factories import UserFactory

from .test_settings import PRODUCTION_ENV, _manage

pytestmark = pytest.mark.django_db

PASSWORD = "korrekt-hest-batteri-42"


@pytest.fixture(autouse=True)
def required_for_leaders(settings):
    settings.OTP_REQUIRED_FOR_ROLES = ["leader", "evaluator"]


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _logged_in(username):
    browser = Client()
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


@pytest.fixture
def verified_leader(leader_client):
    """The issuing leader, past their own second factor."""
    session = leader_client.session
    session[SECOND_FACTOR_SESSION_KEY] = "totp"
    session.save()
    return leader_client


@pytest.fixture
def lene():
    return UserFactory(username="lene", role=Role.LEADER)


def test_production_always_asks_leaders_and_evaluators_and_a_setting_widens_it():
    script = "from django.conf import settings; print(','.join(settings.OTP_REQUIRED_FOR_ROLES))"
    production = _manage("shell", "--no-imports", "-c", script, env=PRODUCTION_ENV)
    assert production.stdout.strip() == "leader,evaluator", production.stderr
    widened = _manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        env={**PRODUCTION_ENV, "OTP_REQUIRED_FOR_ROLES": "staff,leader,evaluator"},
    )
    assert widened.stdout.strip() == "leader,evaluator,staff", widened.stderr
    emptied = _manage(
        "shell", "--no-imports", "-c", script, env={**PRODUCTION_ENV, "OTP_REQUIRED_FOR_ROLES": ""}
    )
    assert emptied.stdout.strip() == "leader,evaluator", emptied.stderr
    development = _manage("shell", "--no-imports", "-c", script, env={"DJANGO_ENV": "development"})
    assert development.stdout.strip() == "", development.stderr


def test_the_password_alone_never_shows_a_secret(lene):
    browser = _logged_in("lene")
    page = browser.get(reverse("otp_setup"))
    assert page.status_code == 200
    assert "secret" not in page.context
    assert "otpauth://" not in page.text
    assert not TOTPDevice.objects.filter(user=lene).exists()
    # Posting a six-digit "first code" straight away does not enrol a device either.
    browser.post(reverse("otp_setup"), {"code": "123456"})
    assert not TOTPDevice.objects.filter(user=lene).exists()
    assert browser.get(reverse("audit_log")).status_code == 302


def test_a_leader_issues_a_code_that_is_shown_once_hashed_and_audited(verified_leader, leader_user):
    colleague = UserFactory(username="erik", role=Role.EVALUATOR)
    response = verified_leader.post(reverse("enrolment_code_issue"), {"user": colleague.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    code = response.context["code"]
    assert code in response.text
    row = EnrolmentCode.objects.get(user=colleague)
    assert code not in row.code_hash and code.replace("-", "") not in row.code_hash
    assert row.issued_by == leader_user
    event = AuditEvent.objects.get(action=AuditAction.ENROLMENT_CODE)
    assert (event.user, event.detail["for_user"]) == (leader_user, colleague.pk)
    assert code not in str(event.detail)
    assert verified_leader.get(reverse("enrolment_code_issue")).context.get("code") is None


def test_nobody_issues_a_code_for_themselves(verified_leader, leader_user):
    response = verified_leader.post(reverse("enrolment_code_issue"), {"user": leader_user.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert not EnrolmentCode.objects.exists()


@pytest.mark.parametrize("bad", ["", "x" * 500, "abc", "-1", "\x00"])
def test_bad_input_on_the_issue_page_is_a_form_error(verified_leader, bad):
    response = verified_leader.post(reverse("enrolment_code_issue"), {"user": bad})
    assert response.status_code == 200
    assert response.context["form"].errors["user"]


def test_staff_cannot_issue_codes(staff_client, leader_user):
    assert staff_client.post(reverse("enrolment_code_issue"), {"user": leader_user.pk}).status_code == 403
    assert not EnrolmentCode.objects.exists()


def test_the_whole_enrolment_then_login_with_the_app(lene):
    issued = otp.issue_enrolment_code(user=lene, via="command")
    browser = _logged_in("lene")
    assert browser.post(reverse("otp_setup"), {"enrolment_code": issued.lower()}).status_code == 302
    page = browser.get(reverse("otp_setup"))
    assert page.context["secret"] in page.text
    device = TOTPDevice.objects.get(user=lene, confirmed=False)
    shown = browser.post(reverse("otp_setup"), {"code": _code(device)})
    recovery_codes = shown.context["recovery_codes"]
    assert all(code in shown.text for code in recovery_codes)
    assert browser.get(reverse("audit_log")).status_code == 200
    # Shown once: the set-up page now only says two-factor is on.
    assert "recovery_codes" not in browser.get(reverse("otp_setup")).context
    assert EnrolmentCode.objects.get(user=lene).used_at is not None

    again = _logged_in("lene")
    assert again.get(reverse("audit_log"))["Location"].startswith(reverse("otp_verify"))
    device.refresh_from_db()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        assert again.post(reverse("otp_verify"), {"code": _code(device)}).status_code == 302
        assert again.get(reverse("audit_log")).status_code == 200
    actions = list(AuditEvent.objects.filter(user=lene).order_by("id").values_list("action", flat=True))
    assert actions.count(AuditAction.SECOND_FACTOR) == 2
    assert AuditAction.RECOVERY_CODES in actions


def test_an_enrolment_code_works_once(lene):
    code = otp.issue_enrolment_code(user=lene, via="command")
    assert _logged_in("lene").post(reverse("otp_setup"), {"enrolment_code": code}).status_code == 302
    second = _logged_in("lene").post(reverse("otp_setup"), {"enrolment_code": code})
    assert second.status_code == 200
    assert second.context["form"].errors["enrolment_code"]


def test_an_expired_or_replaced_code_does_not_work(lene):
    old = otp.issue_enrolment_code(user=lene, via="command")
    new = otp.issue_enrolment_code(user=lene, via="command")
    browser = _logged_in("lene")
    assert browser.post(reverse("otp_setup"), {"enrolment_code": old}).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=73)):
        late = _logged_in("lene").post(reverse("otp_setup"), {"enrolment_code": new})
    assert late.status_code == 200
    assert late.context["form"].errors["enrolment_code"]


def test_another_users_code_does_not_work(lene):
    code = otp.issue_enrolment_code(user=UserFactory(username="anne"), via="command")
    assert _logged_in("lene").post(reverse("otp_setup"), {"enrolment_code": code}).status_code == 200


def test_a_recovery_code_logs_in_once_and_is_audited(lene):
    TOTPDevice.objects.create(user=lene, name="TOTP", confirmed=True)
    static = StaticDevice.objects.create(user=lene, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    browser = _logged_in("lene")
    response = browser.post(reverse("otp_verify"), {"recovery_code": " ABCD2345 "})
    assert response.status_code == 302
    assert browser.get(reverse("audit_log")).status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.RECOVERY_CODES).latest("id")
    assert event.detail == {"used": True, "left": 0}
    used_again = _logged_in("lene").post(reverse("otp_verify"), {"recovery_code": "abcd2345"})
    assert used_again.status_code == 200
    assert used_again.context["recovery_form"].errors["recovery_code"]


def test_wrong_codes_are_audited_and_lock_like_passwords(lene, settings):
    device = TOTPDevice.objects.create(user=lene, name="TOTP", confirmed=True)
    browser = _logged_in("lene")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        device.refresh_from_db()
        device.throttle_reset()
        response = browser.post(reverse("otp_verify"), {"code": _wrong(_code(device))})
        assert response.status_code == 200
    failed = AuditEvent.objects.filter(action=AuditAction.OTP_FAILED, user=lene)
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    assert {event.detail["factor"] for event in failed} == {"totp"}
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, user=lene).exists()

    device.refresh_from_db()
    device.throttle_reset()
    locked = browser.post(reverse("otp_verify"), {"code": _code(device)})
    assert locked.status_code == 200
    assert locked.context["form"].non_field_errors()
    # Recovery codes and enrolment codes are behind the same lock.
    assert browser.post(reverse("otp_verify"), {"recovery_code": "abcd2345"}).status_code == 200
    assert browser.get(reverse("audit_log")).status_code == 302

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)):
        device.refresh_from_db()
        device.throttle_reset()
        assert browser.post(reverse("otp_verify"), {"code": _code(device)}).status_code == 302


def test_wrong_enrolment_codes_count_toward_the_lock(lene, settings):
    code = otp.issue_enrolment_code(user=lene, via="command")
    browser = _logged_in("lene")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        browser.post(reverse("otp_setup"), {"enrolment_code": "AAAA-BBBB-CCCC"})
    locked = browser.post(reverse("otp_setup"), {"enrolment_code": code})
    assert locked.status_code == 200
    assert locked.context["form"].non_field_errors()
    assert EnrolmentCode.objects.get(user=lene).used_at is None


def test_the_command_prints_an_audited_code(lene):
    out = io.StringIO()
    call_command("issue_enrolment_code", "lene", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 14
    event = AuditEvent.objects.get(action=AuditAction.ENROLMENT_CODE)
    assert event.username == "manage.py issue_enrolment_code"
    assert _logged_in("lene").post(reverse("otp_setup"), {"enrolment_code": code}).status_code == 302


def test_a_second_factor_from_the_identity_provider_is_audited(rf, lene):
    request = rf.get("/")
    request.user = lene
    request.session = {}
    mark_second_factor(request, method="oidc")
    event = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR)
    assert (event.user, event.detail) == (lene, {"method": "oidc"})
