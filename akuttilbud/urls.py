from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from oidc import views as oidc_views

from . import views
from .forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", oidc_views.logout, name="logout"),
    path("oidc/", include("oidc.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("settings/", views.service_settings, name="service_settings"),
    path("audit/", views.audit_log, name="audit_log"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/enrolment-codes/", views.enrolment_code_issue, name="enrolment_code_issue"),
    path("access/<int:person_id>/", views.access_report, name="access_report"),
    path("contacts/", include("contacts.urls")),
    path("plans/", include("crisisplans.urls")),
    path("partners/", include("partners.urls")),
    path("reporting/", include("reporting.urls")),
    path("telephony/", include("telephony.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "akuttilbud.views.server_error"
