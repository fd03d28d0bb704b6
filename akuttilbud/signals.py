"""Login, logout, failed-login and lockout events go to the audit log; a login also notes
whether the user has two-factor turned on.

Django and django-axes report these only through signals, so receivers are the one place
to catch them.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django_otp import user_has_device

from . import login_names
from .audit import audit
from .models import AuditAction
from .two_factor import OTP_DEVICE_SESSION_KEY, forget_second_factor


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit(AuditAction.LOGIN, request=request, user=user)


@receiver(user_logged_in)
def remember_two_factor(sender, request, user, **kwargs):
    # Asked once per login, so pages do not pay a query each to learn whether a code is owed.
    if request is not None and hasattr(request, "session"):
        request.session[OTP_DEVICE_SESSION_KEY] = user_has_device(user)
        forget_second_factor(request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit(AuditAction.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    audit(
        AuditAction.LOGIN_FAILED,
        request=request,
        detail={"username": login_names.masked(credentials.get("username", ""))},
    )


@receiver(user_locked_out)
def audit_locked_out(sender, request, username=None, **kwargs):
    audit(AuditAction.LOCKED_OUT, request=request, detail={"username": login_names.masked(username)})
