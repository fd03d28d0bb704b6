import json
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from akuttilbud.machine import machine_endpoint
from akuttilbud.roles import LEADER, STAFF, role_required

from . import desk, live, recognition, services, signing
from .forms import EventForm, ExtensionFormSet, LineFormSet, NumberLinkForm, TelephonySettingsForm
from .models import CallSession, Extension, Line, TelephonySettings

logger = logging.getLogger(__name__)

THROTTLE_WINDOW_SECONDS = 60


def _throttled(source):
    """Count the request against its source's fixed one-minute window; True once over the limit."""
    key = f"telephony-events:{source}:{int(time.time() // THROTTLE_WINDOW_SECONDS)}"
    cache.add(key, 0, timeout=THROTTLE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window's key expired between add and incr: this request opens the next one.
        cache.set(key, 1, timeout=THROTTLE_WINDOW_SECONDS * 2)
        count = 1
    return count > settings.TELEPHONY_EVENTS_PER_MINUTE


def _error(status, reason):
    return JsonResponse({"error": reason}, status=status)


@machine_endpoint
@require_POST
def events(request):
    """The signed event API: one call event per request (docs/telephony.md).

    The body is never logged: it holds the caller's number.
    """
    source = request.META.get("REMOTE_ADDR", "")
    if _throttled(source):
        logger.warning("telephony event throttled from %s", source)
        response = _error(429, "too many events")
        response["Retry-After"] = str(THROTTLE_WINDOW_SECONDS)
        return response
    body = request.body
    try:
        signing.verify(request.headers.get(signing.HEADER), body, settings.TELEPHONY_WEBHOOK_SECRETS)
    except signing.SignatureError as error:
        logger.warning("telephony event refused from %s: %s", source, error)
        return _error(401, "invalid signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed JSON")
    if not isinstance(payload, dict):
        return _error(400, "the body must be a JSON object")
    form = EventForm(payload)
    if not form.is_valid():
        # Field names and Django's messages only: never the values sent.
        reasons = {field: [str(message) for message in errors] for field, errors in form.errors.items()}
        return JsonResponse({"error": "invalid event", "fields": reasons}, status=400)
    data = form.cleaned_data
    try:
        session = services.record_call_event(
            call_id=data["call_id"],
            event=data["event"],
            at=data["at"],
            line=data["line"],
            caller=data["caller"],
            extension=data["extension"],
            event_id=data["event_id"],
            source="api",
            hung_up_by=data["hung_up_by"],
        )
    except services.UnknownLine:
        return _error(400, "unknown line")
    except ValidationError as error:
        return JsonResponse({"error": "invalid event", "fields": error.message_dict}, status=400)
    return JsonResponse({"call": session.pk, "status": session.status})


@role_required(LEADER)
def line_settings(request):
    """Lines, extensions (which staff member answers where) and the phone-line settings, one form."""
    post = request.POST if request.method == "POST" else None
    settings_form = TelephonySettingsForm(post, instance=TelephonySettings.load(), prefix="settings")
    lines = LineFormSet(post, queryset=Line.objects.all(), prefix="lines")
    extensions = ExtensionFormSet(
        post, queryset=Extension.objects.select_related("user"), prefix="extensions"
    )
    forms = (settings_form, lines, extensions)
    if post is not None and all(form.is_valid() for form in forms):
        try:
            services.save_line_settings(
                settings_form=settings_form, lines=lines, extensions=extensions, request=request
            )
        except ProtectedError:
            messages.error(request, _("A line that has calls cannot be deleted. Rename it instead."))
        else:
            messages.success(request, _("The phone line settings were saved."))
            return redirect("telephony:line_settings")
    return render(
        request,
        "telephony/line_settings.html",
        {
            "settings_form": settings_form,
            "lines": lines,
            "extensions": extensions,
            "event_url": request.build_absolute_uri(reverse("telephony:events")),
            "twilio_url": request.build_absolute_uri(reverse("telephony:twilio_status")),
            "twilio_configured": bool(settings.TWILIO_AUTH_TOKEN),
        },
    )


def _render_known_caller(request, call, form=None, status=200):
    known = recognition.known_caller(call, user=request.user, request=request)
    return render(
        request,
        "telephony/_known_caller.html",
        {"known": known, "call": call, "link_form": form or NumberLinkForm(call=call)},
        status=status,
    )


def _call(call_id):
    return get_object_or_404(CallSession.objects.select_related("contact__person"), pk=call_id)


@role_required(STAFF, LEADER)
def known_caller(request, call_id):
    """The board call card's fragment: what is known about the caller's number."""
    return _render_known_caller(request, _call(call_id))


@role_required(STAFF, LEADER)
@require_POST
def link_caller(request, call_id):
    """Link the call's number to a citizen (or undo it), so later calls from it show them."""
    call = _call(call_id)
    form = NumberLinkForm(request.POST, call=call)
    if not form.is_valid():
        return _render_known_caller(request, call, form, status=400)
    person = form.cleaned_data["person"]
    if form.cleaned_data["unlink"]:
        recognition.unlink_number(call=call, person=person, user=request.user, request=request)
    else:
        recognition.link_number(call=call, person=person, user=request.user, request=request)
    return _render_known_caller(request, call)


@role_required(STAFF, LEADER)
def board_calls(request):
    """The board's calls section: the user's live calls, calls to describe, calls not described."""
    return render(request, "telephony/_board_calls.html", desk.board_calls(request.user, timezone.now()))


@role_required(STAFF, LEADER)
def line_now(request):
    """ "Linjen nu": calls ringing, who is on a call, today's service level, kept fresh."""
    return render(request, "telephony/line_now.html", {"line": live.line_now()})


@role_required(STAFF, LEADER)
def line_now_stream(request):
    """Server-sent events: the view's content now, and after every change while Redis carries
    them; without Redis one event, and the browser asks again shortly (polling)."""
    response = StreamingHttpResponse(
        _line_events(request, translation.get_language()), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-store"
    # Proxies must pass each event on as it comes.
    response["X-Accel-Buffering"] = "no"
    return response


def _line_events(request, language):
    def event():
        # Rendered while the response streams, after the middleware is done: in the user's language.
        with translation.override(language):
            html = render_to_string("telephony/_line_now.html", {"line": live.line_now()}, request=request)
        return "event: line\n" + "".join(f"data: {row}\n" for row in html.splitlines()) + "\n"

    if not settings.LIVE_UPDATES_URL:
        yield f"retry: {live.POLL_MILLISECONDS}\n\n"
        yield event()
        return
    yield f"retry: {live.RECONNECT_MILLISECONDS}\n\n"
    yield event()
    for changed in live.changes():
        yield event() if changed else ": still here\n\n"
