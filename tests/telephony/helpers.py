"""Posting signed events to the event API, as a switchboard does."""

import itertools
import json

from django.conf import settings
from django.urls import reverse

from telephony import signing

_event_ids = itertools.count(1)


def event(call_id, kind, at, *, caller="+4512345678", line="akut", extension="", event_id=None, **extra):
    return {
        "call_id": call_id,
        "event": kind,
        "at": at.isoformat(),
        "line": line,
        "caller": caller,
        "extension": extension,
        "event_id": event_id or f"{call_id}-{kind}-{next(_event_ids)}",
        **extra,
    }


def post_event(client, payload, *, secret=None, timestamp=None, body=None):
    body = body if body is not None else json.dumps(payload).encode()
    secret = secret or settings.TELEPHONY_WEBHOOK_SECRETS[0]
    return client.post(
        reverse("telephony:events"),
        data=body,
        content_type="application/json",
        headers={signing.HEADER: signing.header_value(secret, body, timestamp)},
    )
