"""Giving a second factor: enrolment codes, the authenticator app, recovery codes, and the lock
that wrong codes lead to.

Every code a user types is checked here, so each wrong one is audited and counts toward the same
lock the password has (``AXES_FAILURE_LIMIT`` wrong codes within ``AXES_COOLOFF_TIME``).
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit
from .models import AuditAction, AuditEvent, EnrolmentCode
from .two_factor import ENROLMENT_SESSION_KEY, OTP_DEVICE_SESSION_KEY, mark_second_factor

# No 0/O or 1/I/L, so a code read aloud or copied by hand comes through.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12  # about 59 bits
RECOVERY_CODE_COUNT = 10


class TooManyWrongCodes(Exception):
    """The user typed too many wrong codes lately; no code is checked until the lock lifts."""


def _wrong_codes_lately(user):
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    events = AuditEvent.objects.filter(user=user, at__gte=since)
    last_success = (
        events.filter(action=AuditAction.SECOND_FACTOR).order_by("-id").values_list("id", flat=True).first()
    )
    return events.filter(action=AuditAction.OTP_FAILED, id__gt=last_success or 0).count()


def _check(*, request, factor, is_right):
    """Run ``is_right()`` unless the user is locked; audit a wrong code and lock at the limit."""
    user = request.user
    if _wrong_codes_lately(user) >= settings.AXES_FAILURE_LIMIT:
        raise TooManyWrongCodes
    if is_right():
        return True
    audit(AuditAction.OTP_FAILED, request=request, detail={"factor": factor})
    if _wrong_codes_lately(user) >= settings.AXES_FAILURE_LIMIT:
        audit(AuditAction.LOCKED_OUT, request=request, detail={"factor": factor})
    return False


# Enrolment codes


def _new_code():
    return "-".join(
        "".join(secrets.choice(_CODE_ALPHABET) for _position in range(4))
        for _group in range(_CODE_LENGTH // 4)
    )


def _normalised(code):
    return code.replace("-", "").replace(" ", "").upper()


@transaction.atomic
def issue_enrolment_code(*, user, issued_by=None, request=None, via="web"):
    """A new enrolment code for ``user``, returned in clear this once; earlier unused ones lapse.

    ``issued_by`` is the leader who hands it over, ``None`` for an administrator at the
    command line."""
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    code = _new_code()
    row = EnrolmentCode.objects.create(
        user=user,
        issued_by=issued_by,
        code_hash=make_password(_normalised(code)),
        issued_at=now,
        expires_at=now + datetime.timedelta(hours=settings.OTP_ENROLMENT_CODE_HOURS),
    )
    detail = {"for_user": user.pk, "expires_at": row.expires_at.isoformat(), "via": via}
    if issued_by is None and request is None:
        detail["username"] = "manage.py issue_enrolment_code"
    audit(AuditAction.ENROLMENT_CODE, request=request, user=issued_by, obj=row, detail=detail)
    return code


def redeem_enrolment_code(*, request, code):
    """Use one of the user's enrolment codes: ``True`` and this session may set up a device.

    A code is claimed with a conditional update, so two sessions typing it at once cannot
    both use it. Raises ``TooManyWrongCodes``.
    """
    user = request.user
    now = timezone.now()
    candidates = EnrolmentCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now)
    match = None

    def is_right():
        nonlocal match
        match = next(
            (row for row in candidates if check_password(_normalised(code), row.code_hash)),
            None,
        )
        return match is not None and bool(
            EnrolmentCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now)
        )

    if not _check(request=request, factor="enrolment_code", is_right=is_right):
        return False
    audit(AuditAction.ENROLMENT_CODE, request=request, obj=match, detail={"used": True})
    request.session[ENROLMENT_SESSION_KEY] = match.pk
    return True


def enrolling(request):
    """Whether this session redeemed an enrolment code of its user and has not yet used it up."""
    code_id = request.session.get(ENROLMENT_SESSION_KEY)
    return bool(code_id) and EnrolmentCode.objects.filter(pk=code_id, user=request.user).exists()


# The authenticator app


def start_totp_setup(*, user):
    """The user's unconfirmed TOTP device, made on first use so the secret stays the same
    between showing it and checking the first code."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "TOTP"})
    return device


def confirm_totp_device(*, request, device, code):
    """Turn on two-factor with the first right code from the new device: earlier devices (a lost
    phone) go, new recovery codes are made, and this session counts as verified.

    Returns the recovery codes, to be shown this once, or ``None`` for a wrong code. Raises
    ``TooManyWrongCodes``."""
    if not _check(request=request, factor="totp_setup", is_right=lambda: device.verify_token(code)):
        return None
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.full_clean()
        device.save(update_fields=["confirmed"])
        audit(AuditAction.UPDATE, request=request, obj=device, detail={"two_factor": "on"})
        recovery_codes = _new_recovery_codes(request=request, user=user)
    request.session.pop(ENROLMENT_SESSION_KEY, None)
    otp_login(request, device)
    mark_second_factor(request, method="totp")
    request.session[OTP_DEVICE_SESSION_KEY] = True
    return recovery_codes


def verify_totp(*, request, code):
    """The second factor from the authenticator app; ``True`` when the code is right. Raises
    ``TooManyWrongCodes``."""
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if device is None or not _check(
        request=request, factor="totp", is_right=lambda: device.verify_token(code)
    ):
        return False
    otp_login(request, device)
    mark_second_factor(request, method="totp")
    return True


# Recovery codes


def _new_recovery_codes(*, request, user):
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _number in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit(AuditAction.RECOVERY_CODES, request=request, obj=device, detail={"issued": len(codes)})
    return codes


def verify_recovery_code(*, request, code):
    """A recovery code instead of the app: right once, then gone. Raises ``TooManyWrongCodes``."""
    device = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    code = code.strip().lower()
    if device is None or not _check(
        request=request, factor="recovery_code", is_right=lambda: device.verify_token(code)
    ):
        return False
    left = device.token_set.count()
    audit(AuditAction.RECOVERY_CODES, request=request, obj=device, detail={"used": True, "left": left})
    otp_login(request, device)
    mark_second_factor(request, method="recovery_code")
    return True
