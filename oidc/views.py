"""Signing in and out through the identity provider. The flow is mozilla-django-oidc's; these
views add what it leaves to the app: a refusal the person understands and the audit log
records, a provider that is down, and logout at both ends."""

from django.conf import settings
from django.contrib import auth, messages
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc import views as library
from requests import RequestException

from . import provider, services
from .backends import Refused

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# A logout token's id is remembered this long, so the same token cannot be played again.
LOGOUT_TOKEN_MEMORY_SECONDS = 10 * 60

REFUSAL_MESSAGES = {
    "no_mapped_role": gettext_lazy(
        "Your login at the municipality does not give access to Akuttilbud. Ask your leader to add "
        "you to the right group."
    ),
    "inactive": gettext_lazy("Your account in Akuttilbud is closed. Ask your leader."),
}


def _provider_down_message():
    return _(
        "The municipality's login cannot be reached right now. Try again in a few minutes; "
        "the emergency administrator can still log in with a password."
    )


def _refusal_message(reason):
    message = REFUSAL_MESSAGES.get(reason)
    if message is not None:
        return str(message)
    return _("The login through the municipality could not be completed. Try again.")


def _to_login(request, message):
    messages.error(request, message)
    return redirect(settings.LOGIN_URL)


class StartView(library.OIDCAuthenticationRequestView):
    """Send the browser to the provider (code flow with PKCE)."""

    def __init__(self, *args, **kwargs):
        # Past the library's own __init__, which reads the endpoint from settings: here it comes
        # from discovery, in get(), where a provider that is down can be answered.
        super(library.OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not provider.configured():
            return _to_login(request, _("Login through the municipality is not set up."))
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.endpoint("authorization_endpoint")
        except provider.ProviderUnavailable:
            return _to_login(request, _provider_down_message())
        return super().get(request)


class CallbackView(library.OIDCAuthenticationCallbackView):
    """The provider's answer: a code to exchange, or an error. Every way it can fail ends on
    the login page with a message, and in the audit log."""

    def get(self, request):
        if not provider.configured():
            return _to_login(request, _("Login through the municipality is not set up."))
        try:
            return super().get(request)
        except Refused as exc:
            return self._refuse(exc.reason, exc.claims)
        except (provider.ProviderUnavailable, RequestException):
            services.refused(request, "provider_unavailable")
            return _to_login(request, _provider_down_message())
        except SuspiciousOperation:
            # The library's own check: a state this browser was never given, or one used already.
            return self._refuse("state")

    def login_success(self):
        # A session check (prompt=none) that comes back for the same person is not a new login.
        new_login = self.request.user != self.user
        response = super().login_success()
        if new_login:
            services.signed_in(self.request, self.user, self.request.oidc_claims)
        return response

    def login_failure(self):
        refusal = getattr(self.request, "oidc_refusal", None)
        if refusal is not None:
            return self._refuse(refusal.reason, refusal.claims)
        if self.request.GET.get("error"):
            # The provider declined (the person cancelled, or a session check found no session).
            return self._refuse("provider_error")
        return self._refuse("state")

    def _refuse(self, reason, claims=None):
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        services.refused(self.request, reason, claims)
        return _to_login(self.request, _refusal_message(reason))


@require_POST
def logout(request):
    """End the session here and, for a sign-in through the provider, at the provider too."""
    id_token = request.session.get(services.ID_TOKEN_SESSION_KEY)
    target = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if id_token and provider.configured():
        target = provider.end_session_url(id_token, request.build_absolute_uri(target)) or target
    auth.logout(request)
    return redirect(target)


@csrf_exempt
@require_POST
def backchannel_logout(request):
    """The provider tells, server to server, that a person signed out there (OpenID Connect
    Back-Channel Logout 1.0): end their sessions here."""
    if not provider.configured():
        return HttpResponseBadRequest()
    try:
        claims = provider.verify(request.POST.get("logout_token"), require=("iat", "iss", "aud", "jti"))
    except provider.TokenRejected as exc:
        services.refused(request, f"logout_token_{exc.reason}")
        return HttpResponseBadRequest()
    except provider.ProviderUnavailable:
        return HttpResponse(status=503)
    events = claims.get("events")
    valid = (
        isinstance(events, dict)
        and isinstance(events.get(BACKCHANNEL_EVENT), dict)
        and "nonce" not in claims
        and (isinstance(claims.get("sid"), str) or isinstance(claims.get("sub"), str))
    )
    if not valid:
        services.refused(request, "logout_token_claims")
        return HttpResponseBadRequest()
    if not cache.add(f"oidc:logout-jti:{claims['jti']}", True, LOGOUT_TOKEN_MEMORY_SECONDS):
        services.refused(request, "logout_token_replayed")
        return HttpResponseBadRequest()
    services.logged_out_by_provider(request, claims)
    response = HttpResponse()
    response["Cache-Control"] = "no-store"
    return response
