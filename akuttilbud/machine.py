"""Requests from machines, not browsers: the phone line's webhooks.

A switchboard's request carries no cookie and proves who sent it by its signature, so the
browser's middleware (session, language, CSRF, sign-in, two factors, idle timeout, drafts, CSP,
messages, login lockout) has nothing to do for it, yet costs about a millisecond a request: at a
switchboard's burst, the largest part Django adds (docs/performance.md, "Call-event ingest").
``MachineRequestMiddleware`` sits below the proxy and security middleware, which every response
keeps, and hands a request for a ``machine_endpoint`` view straight to the view.
"""

from django.conf import settings
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

# A machine's response is data, never a page: nothing in it may load, run or be framed.
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def machine_endpoint(view):
    """Mark ``view`` as called by machines only: it reads no session, no user and no cookie,
    and checks the request's own signature."""
    view = csrf_exempt(view)
    view.machine_endpoint = True
    return view


class MachineRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if not getattr(match.func, "machine_endpoint", False):
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.headers.setdefault("Cache-Control", "no-store")
        return response
