from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .filters import AuditEventFilter
from .forms import ServiceSettingsForm
from .models import AuditEvent, Role, ServiceSettings
from .roles import LEADER, role_required

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
    """For load balancers: 200 when the database answers; the broker's state is reported."""
    status = {"database": "ok", "broker": "not configured"}
    code = 200
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
