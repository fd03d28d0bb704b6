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
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user
from django_otp import login as otp_login

from .audit import audit
from .filters import AuditEventFilter
from .forms import LoginForm, OneTimeCodeForm, ServiceSettingsForm
from .models import AuditAction, AuditEvent, Role, ServiceSettings
from .personal_data import person_fields, records_about
from .roles import EVALUATOR, LEADER, STAFF, role_required
from .services import confirm_totp_device, start_totp_setup
from .two_factor import mark_second_factor, second_factor_satisfied

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
        form.save()
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


@role_required(STAFF, LEADER, EVALUATOR)
def otp_setup(request):
    """Turn on two-factor: show the secret for the authenticator app, then check a first code."""
    if second_factor_satisfied(request):
        return render(request, "akuttilbud/otp_setup.html", {"active": True})
    if any(devices_for_user(request.user)):
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': _next_url(request)})}")
    device = start_totp_setup(user=request.user)
    form = OneTimeCodeForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirm_totp_device(request=request, device=device)
        messages.success(request, _("Two-factor login is now on."))
        return redirect(_next_url(request) or "home")
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


@role_required(STAFF, LEADER, EVALUATOR)
def otp_verify(request):
    """Enter the code from the authenticator app once per login."""
    device = next(iter(devices_for_user(request.user)), None)
    if device is None:
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _next_url(request)})}")
    form = OneTimeCodeForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        mark_second_factor(request, method="totp")
        return redirect(_next_url(request) or "home")
    return render(request, "akuttilbud/otp_verify.html", {"form": form, "next": _next_url(request)})


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
