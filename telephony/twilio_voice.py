"""Twilio Programmable Voice status callbacks (docs/telephony.md, "Twilio").

Twilio posts a form for each change of a call's status, signed in ``X-Twilio-Signature``
(HMAC-SHA1 of the URL and the sorted parameters under the account's auth token); Twilio's own
``RequestValidator`` checks it. Each status becomes one event through ``record_call_event``.
"""

import datetime
import email.utils
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from akuttilbud.machine import machine_endpoint

from . import services
from .models import EventKind, HungUpBy
from .views import THROTTLE_WINDOW_SECONDS, _throttled

logger = logging.getLogger(__name__)

# Twilio's CallStatus → (our event, who hung up). ``no-answer`` and ``canceled`` end a call nobody
# answered, so the session becomes abandoned unless an answer came first.
STATUSES = {
    "queued": (EventKind.RINGING, ""),
    "initiated": (EventKind.RINGING, ""),
    "ringing": (EventKind.RINGING, ""),
    "in-progress": (EventKind.ANSWERED, ""),
    "completed": (EventKind.ENDED, ""),
    "no-answer": (EventKind.ENDED, ""),
    "canceled": (EventKind.ENDED, HungUpBy.CALLER),
    "busy": (EventKind.BUSY, ""),
    "failed": (EventKind.FAILED, ""),
}


def _at(value):
    """Twilio's ``Timestamp`` is an RFC 2822 date; without one (or unreadable) the time of arrival."""
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return timezone.now()
    return at if at.tzinfo else at.replace(tzinfo=datetime.UTC)


@machine_endpoint
@require_POST
def status_callback(request):
    """One status callback. The line is the URL's ``line`` parameter (default ``akut``), the
    extension its ``extension`` parameter: set both in the number's StatusCallback URL."""
    source = request.META.get("REMOTE_ADDR", "")
    if _throttled(source):
        response = JsonResponse({"error": "too many events"}, status=429)
        response["Retry-After"] = str(THROTTLE_WINDOW_SECONDS)
        return response
    token = settings.TWILIO_AUTH_TOKEN
    validator = RequestValidator(token)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not validator.validate(request.build_absolute_uri(), request.POST.dict(), signature):
        # The body holds the caller's number: only the sender and that it failed are logged.
        logger.warning("twilio status callback refused from %s: invalid signature", source)
        return JsonResponse({"error": "invalid signature"}, status=401)
    call_sid = request.POST.get("CallSid", "")
    status = request.POST.get("CallStatus", "")
    if not call_sid or len(call_sid) > 100 or status not in STATUSES:
        return JsonResponse({"error": "not a call status callback"}, status=400)
    event, hung_up_by = STATUSES[status]
    try:
        services.record_call_event(
            call_id=f"twilio:{call_sid}",
            event=event,
            at=_at(request.POST.get("Timestamp")),
            line=request.GET.get("line", "akut")[:40],
            caller=request.POST.get("From", "")[:64],
            extension=request.GET.get("extension", "")[:32] if event == EventKind.ANSWERED else "",
            event_id=f"twilio:{call_sid}:{status}",
            source="twilio",
            hung_up_by=hung_up_by,
        )
    except services.UnknownLine:
        return JsonResponse({"error": "unknown line"}, status=400)
    except ValidationError:
        return JsonResponse({"error": "invalid event"}, status=400)
    return HttpResponse(status=204)
