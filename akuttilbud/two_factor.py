"""Whether a signed-in user owes a second factor, and the one mark that says it is given.

Every way of giving a second factor (a code from the authenticator app, a recovery code, a
sign-in through the municipality's identity provider whose multi-factor claim is trusted) ends
in ``mark_second_factor``; ``OTPRequiredMiddleware`` asks only ``second_factor_satisfied``.
"""

from django.conf import settings

from .audit import audit
from .models import AuditAction

# The session holds how the second factor was given ("totp", "recovery_code", "oidc", ...).
SECOND_FACTOR_SESSION_KEY = "second_factor"
# Set at login (signals.py): whether the user has turned on two-factor, so no request has to ask.
OTP_DEVICE_SESSION_KEY = "otp_has_device"
# The enrolment code this session redeemed, which lets it see a new device's secret (otp.py).
ENROLMENT_SESSION_KEY = "otp_enrolment_code"


def mark_second_factor(request, *, method):
    """Record in the session that its user gave a second factor, by ``method``, and audit it
    (the event also ends the run of wrong codes that would lock the user, ``otp.py``)."""
    request.session[SECOND_FACTOR_SESSION_KEY] = method
    audit(AuditAction.SECOND_FACTOR, request=request, detail={"method": method})


def forget_second_factor(request):
    """A new login owes a new second factor (``login`` keeps the session's data for the same user)."""
    request.session.pop(SECOND_FACTOR_SESSION_KEY, None)
    request.session.pop(ENROLMENT_SESSION_KEY, None)


def second_factor_satisfied(request):
    return bool(request.session.get(SECOND_FACTOR_SESSION_KEY))


def second_factor_required(user, *, has_device):
    """Users of the roles in ``OTP_REQUIRED_FOR_ROLES`` must give one, and so must anyone who
    turned two-factor on for themselves."""
    return has_device or user.role in settings.OTP_REQUIRED_FOR_ROLES
