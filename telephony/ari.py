"""Asterisk's ARI event stream, normalised into the event API's events (docs/telephony.md, "Asterisk").

The crisis line's incoming calls enter a Stasis application from one dialplan context; each such
channel is one call. Only the channel's own snapshot decides, never what the follower saw
before, so a follower restarted mid-call still reports the rest of it correctly.
"""

import datetime
import json
import logging
import urllib.error
import urllib.request

from . import signing

logger = logging.getLogger(__name__)

# Hang-up causes (Q.850) that mean the line was busy rather than the call ending.
BUSY_CAUSES = {17}


def _at(timestamp):
    """ARI's ``2026-03-07T22:14:05.123+0100`` as ISO-8601 with a colon in the offset."""
    at = datetime.datetime.fromisoformat(timestamp)
    return (at if at.tzinfo else at.replace(tzinfo=datetime.UTC)).isoformat()


def normalise(message, *, line, context):
    """The event API payload for one ARI event, or None when it is not about a line call."""
    channel = message.get("channel")
    if not isinstance(channel, dict) or not channel.get("id"):
        return None
    if context and (channel.get("dialplan") or {}).get("context") != context:
        return None
    kind = message.get("type")
    extension, caller = "", ""
    if kind == "StasisStart":
        event = "ringing"
        caller = (channel.get("caller") or {}).get("number") or "withheld"
    elif kind == "ChannelStateChange" and channel.get("state") == "Up":
        # A line call is Up when a desk is bridged to it; the desk is the connected line.
        event = "answered"
        extension = (channel.get("connected") or {}).get("number") or ""
    elif kind == "ChannelDestroyed":
        event = "busy" if message.get("cause") in BUSY_CAUSES else "ended"
    else:
        return None
    try:
        at = _at(message.get("timestamp") or channel.get("creationtime") or "")
    except (TypeError, ValueError):
        logger.warning("ARI %s event without a readable time ignored", kind)
        return None
    call_id = f"ari:{channel['id']}"
    return {
        "call_id": call_id,
        "event": event,
        "at": at,
        "line": line,
        "caller": caller,
        "extension": extension,
        "event_id": f"{call_id}:{event}",
    }


class Rejected(Exception):
    """The app refused the event (4xx): sending it again cannot help."""


def post(url, secret, payload, timeout=10):
    """Post one event, signed; raises ``Rejected`` on a 4xx and ``OSError`` when it may be retried."""
    body = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own app
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", signing.HEADER: signing.header_value(secret, body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310
            return
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500 and error.code != 429:
            raise Rejected(f"HTTP {error.code}") from error
        raise OSError(f"HTTP {error.code}") from error
