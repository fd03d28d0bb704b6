import ipaddress
import logging
import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .two_factor import OTP_DEVICE_SESSION_KEY, second_factor_required, second_factor_satisfied

logger = logging.getLogger(__name__)

# Requests sent by the page itself (the board's polling) carry this header; they do not
# count as activity, or a board left open would never time out.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_REFRESH"
LAST_ACTIVITY_KEY = "last_activity"
# Pages a user who still owes a code may open: logging in and out, and entering the code.
# The provider's callback too: its periodic session check comes back there.
OTP_EXEMPT_VIEWS = {
    "login",
    "logout",
    "otp_setup",
    "otp_verify",
    "set_language",
    "healthz",
    "oidc_authentication_callback",
}
# A form keeping a draft sends the draft's name (static/js/app.js); once saved, the next page names
# it in the session under this key for the script to remove.
DRAFT_FIELD = "_draft"
DRAFTS_SAVED_KEY = "drafts_saved"
DRAFT_NAME = re.compile(r"[a-z0-9-]{1,80}\Z")
# The last activity is written at most this often: a page that only reads then writes nothing.
ACTIVITY_RESOLUTION_SECONDS = 60


# What a proxy says about the original request; believed only from TRUSTED_PROXIES.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")


class TrustedProxyMiddleware:
    """Drop the forwarding headers of a request that did not come from a trusted proxy: anyone
    reaching gunicorn directly could otherwise claim https or another client address."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]

    def __call__(self, request):
        if not self._from_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDING_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)

    def _from_proxy(self, address):
        try:
            client = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(client in proxy for proxy in self.proxies)


def _is_background(request):
    """A request the page sent by itself: polling (marked by the header) or an event stream,
    which a browser reopens on its own and cannot mark."""
    return BACKGROUND_HEADER in request.META or request.headers.get("Accept") == "text/event-stream"


class IdleTimeoutMiddleware:
    """Log a user out after ``SESSION_IDLE_TIMEOUT_MINUTES`` without activity (shared PCs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY, now)
            if now - last > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                return self._to_login(request)
            if not _is_background(request) and now - last >= ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
            elif LAST_ACTIVITY_KEY not in request.session:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _to_login(self, request):
        # This middleware runs before MessageMiddleware (it must see the user before any view
        # does), so it keeps the message itself, in the same storage the login page reads.
        storage = default_storage(request)
        storage.add(messages.INFO, _("You were logged out after a period of inactivity."))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
        else:
            response = redirect_to_login(request.get_full_path())
        storage.update(response)
        return response


class OTPRequiredMiddleware:
    """Send a user who must use two-factor, and has not given a second factor this session, to do so.

    Who must is ``two_factor.second_factor_required``; users of those roles without a device are
    sent to set one up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or second_factor_satisfied(request):
            return None
        has_device = request.session.get(OTP_DEVICE_SESSION_KEY, False)
        if not second_factor_required(user, has_device=has_device):
            return None
        if request.resolver_match.view_name in OTP_EXEMPT_VIEWS:
            return None
        target = reverse("otp_verify" if has_device else "otp_setup")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


class DraftSavedMiddleware:
    """Tell the next page which draft to remove, once the server has saved what the form sent.

    Views answer a POST they have acted on with a redirect (post/redirect/get) and a POST they
    refuse with the form and its errors, so a redirect from the view itself confirms the save.
    A redirect from before the view (idle timeout, two-factor, login required) does not count:
    ``process_view`` is reached only when no earlier middleware answered, and then the view runs.
    Must come after ``OTPRequiredMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "_draft_view_reached", False)
            and response.status_code in (302, 303)
            and request.user.is_authenticated
        ):
            name = request.POST.get(DRAFT_FIELD, "")
            if DRAFT_NAME.match(name):
                saved = request.session.get(DRAFTS_SAVED_KEY, [])
                request.session[DRAFTS_SAVED_KEY] = [*saved, name][-10:]
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method == "POST":
            request._draft_view_reached = True


class TolerantSessionMiddleware(SessionMiddleware):
    """Django's session middleware, except that a session that cannot be written (a read-only or
    unreachable database, or a session ended in another tab) does not turn the page into a bare
    "Bad Request (400)": the page is shown, and the 503 of a refused write (``views.server_error``) stays a 503. What is
    lost is the activity time or a message for the next page; a session ended elsewhere sends
    the next request to the login page as before."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except SessionInterrupted:
            logger.warning("session not saved: the database refused the write or the session ended")
            return response
