import logging
import sys
from base64 import b32encode

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import InternalError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp
from .audit import audit
from .filters import AuditEventFilter
from .forms import (
    EnrolmentCodeForm,
    IssueEnrolmentCodeForm,
    LoginForm,
    OneTimeCodeForm,
    RecoveryCodeForm,
    ServiceSettingsForm,
)
from .models import AuditAction, AuditEvent, Role, ServiceSettings
from .personal_data import person_fields, records_about
from .roles import EVALUATOR, LEADER, STAFF, role_required
from .services import save_service_settings
from .two_factor import second_factor_satisfied

logger = logging.getLogger(__name__)

HOME_BY_ROLE = {
    Role.STAFF: "contacts:board",
    Role.LEADER: "reporting:dashboard",
    Role.EVALUATOR: "reporting:exports",
}


@login_required
def home(request):
    return redirect(HOME_BY_ROLE.get(request.user.role, "contacts:board"))


@never_cache
def healthz(request):
    """For load balancers: 200 when the database answers and a page renders (the login page,
    with its static files looked up as every page does them); the broker's state is reported."""
    status = {"database": "ok", "pages": "ok", "broker": "not configured"}
    code = 200
    try:
        render_to_string("registration/login.html", {"form": LoginForm(request)}, request=request)
    except Exception:
        # A missing static manifest or a broken template makes every page a 500.
        logger.exception("healthz: the login page does not render")
        status["pages"] = "failing"
        code = 503
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        status["database"] = "unreachable"
        code = 503
    if settings.CELERY_BROKER_URL:
        from .celery import app

        try:
            with app.connection_for_write() as broker:
                broker.ensure_connection(max_retries=1, timeout=2)
            status["broker"] = "ok"
        except Exception:
            status["broker"] = "unreachable"
    return JsonResponse(status, status=code)


@role_required(LEADER)
def service_settings(request):
    form = ServiceSettingsForm(request.POST or None, instance=ServiceSettings.load())
    if request.method == "POST" and form.is_valid():
        save_service_settings(form=form, request=request)
        messages.success(request, _("The settings were saved."))
        return redirect("service_settings")
    return render(request, "akuttilbud/service_settings.html", {"form": form})


@role_required(LEADER)
def audit_log(request):
    event_filter = AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.select_related("user"))
    page = Paginator(event_filter.qs, 100).get_page(request.GET.get("page"))
    return render(request, "akuttilbud/audit_log.html", {"filter": event_filter, "page": page})


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_next(name, request):
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


_LOCKED = gettext_lazy("Too many wrong codes. Wait 15 minutes and try again, or ask a leader.")


@never_cache
@role_required(STAFF, LEADER, EVALUATOR)
def otp_setup(request):
    """Turn on two-factor: an enrolment code from someone else first, then the secret for the
    authenticator app and a first code from it, then the recovery codes, shown this once."""
    if second_factor_satisfied(request) and not otp.enrolling(request):
        return render(request, "akuttilbud/otp_setup.html", {"active": True})
    if not otp.enrolling(request):
        form = EnrolmentCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if otp.redeem_enrolment_code(request=request, code=form.cleaned_data["enrolment_code"]):
                    return redirect(_with_next("otp_setup", request))
                form.add_error("enrolment_code", _("That enrolment code is not right or has expired."))
            except otp.TooManyWrongCodes:
                form.add_error(None, _LOCKED)
        return render(request, "akuttilbud/otp_enrol.html", {"form": form, "next": _next_url(request)})
    device = otp.start_totp_setup(user=request.user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_codes = otp.confirm_totp_device(
                request=request, device=device, code=form.cleaned_data["code"]
            )
        except otp.TooManyWrongCodes:
            form.add_error(None, _LOCKED)
        else:
            if recovery_codes is not None:
                return render(
                    request,
                    "akuttilbud/otp_recovery_codes.html",
                    {"recovery_codes": recovery_codes, "next": _next_url(request) or reverse("home")},
                )
            form.add_error(
                "code",
                _("That code is not right. Check that the clock on your phone is correct and try again."),
            )
    return render(
        request,
        "akuttilbud/otp_setup.html",
        {
            "form": form,
            "secret": b32encode(device.bin_key).decode(),
            "config_url": device.config_url,
            "next": _next_url(request),
        },
    )


@never_cache
@role_required(STAFF, LEADER, EVALUATOR)
def otp_verify(request):
    """Enter the code from the authenticator app (or a recovery code) once per login."""
    if not TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return redirect(_with_next("otp_setup", request))
    posted = request.POST if request.method == "POST" else None
    with_recovery = posted is not None and "recovery_code" in posted
    form = OneTimeCodeForm(None if with_recovery else posted)
    recovery_form = RecoveryCodeForm(posted if with_recovery else None)
    bound = recovery_form if with_recovery else form
    if posted is not None and bound.is_valid():
        try:
            if with_recovery:
                right = otp.verify_recovery_code(request=request, code=bound.cleaned_data["recovery_code"])
            else:
                right = otp.verify_totp(request=request, code=bound.cleaned_data["code"])
        except otp.TooManyWrongCodes:
            bound.add_error(None, _LOCKED)
        else:
            if right:
                return redirect(_next_url(request) or "home")
            field = "recovery_code" if with_recovery else "code"
            bound.add_error(field, _("That code is not right. Try again."))
    return render(
        request,
        "akuttilbud/otp_verify.html",
        {"form": form, "recovery_form": recovery_form, "next": _next_url(request)},
    )


@never_cache
@role_required(LEADER)
def enrolment_code_issue(request):
    """A leader issues a colleague the one-time code that lets them set up two-factor login."""
    form = IssueEnrolmentCodeForm(request.POST or None, issuer=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        code = otp.issue_enrolment_code(user=user, issued_by=request.user, request=request)
        return render(
            request,
            "akuttilbud/enrolment_code.html",
            {"form": IssueEnrolmentCodeForm(issuer=request.user), "code": code, "for_user": user},
        )
    return render(request, "akuttilbud/enrolment_code.html", {"form": form})


@never_cache
@role_required(LEADER)
def access_report(request, person_id):
    """Right of access: everything held about one citizen and every look-up made about them."""
    person_model = apps.get_model("contacts", "Person")
    person = get_object_or_404(person_model.objects.visible_to(request.user), pk=person_id)
    # Recorded first, so the report lists its own making among the look-ups.
    audit(AuditAction.ACCESS_REPORT, request=request, obj=person, person=person)
    look_ups = AuditEvent.objects.about_person(person.pk).select_related("user").order_by("at", "id")
    return render(
        request,
        "akuttilbud/access_report.html",
        {
            "person": person,
            "person_fields": person_fields(person),
            "sections": records_about(person),
            "look_ups": look_ups,
            "made_at": timezone.now(),
        },
    )


def server_error(request):
    """Django's 500 page, or, when the database refused a write or lost its connection, a 503
    saying nothing was saved (the request's transaction rolled back, so nothing is half-saved).

    PostgreSQL reports a read-only transaction as InternalError (SQLSTATE 25006), SQLite a
    read-only file and either a lost connection as OperationalError; an IntegrityError is a bug
    and stays a 500. Django calls this while handling the exception, so it is the one in hand.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InternalError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(render_to_string("500.html"))
