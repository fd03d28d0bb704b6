import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

# Requests sent by the page itself (the board's polling) carry this header; they do not
# count as activity, or a board left open would never time out.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_REFRESH"
LAST_ACTIVITY_KEY = "last_activity"


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
            if BACKGROUND_HEADER not in request.META:
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
