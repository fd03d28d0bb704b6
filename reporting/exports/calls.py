"""The phone line's calls export: one row per call that reached the line in the period.

Never the number nor its blind index: the caller is an HMAC of the blind index under a random
key drawn for this file alone and then forgotten, so repeat calling can be studied within one
file but a caller cannot be followed from one file to another, nor traced to a number.
"""

import hashlib
import hmac
import secrets

from akuttilbud.expressions import WholeSeconds
from telephony.models import CallStatus, TelephonySettings

from .. import queries
from ..people import PSEUDONYM_LENGTH, record_key
from .columns import CHUNK_SIZE
from .persons import local_date


def caller_pseudonym(key, phone_index):
    if not phone_index:
        return ""
    return hmac.digest(key, phone_index.encode(), hashlib.sha256).hex()[:PSEUDONYM_LENGTH]


def rows(period):
    key = secrets.token_bytes(32)
    grace = TelephonySettings.load().grace_seconds
    calls = (
        queries.calls(period)
        .annotate(
            wait_s=WholeSeconds("answered_at", "ringing_at"), held_s=WholeSeconds("ended_at", "ringing_at")
        )
        .order_by("ringing_at", "id")
        .values_list(
            "id",
            "line__code",
            "caller_withheld",
            "phone_index",
            "ringing_at",
            "answered_at",
            "ended_at",
            "wait_s",
            "held_s",
            "status",
            "contact_id",
            "callback_id",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        call_id,
        line,
        withheld,
        phone_index,
        ringing_at,
        answered_at,
        ended_at,
        wait_seconds,
        held_seconds,
        status,
        contact_id,
        callback_id,
    ) in calls:
        yield {
            "call_key": record_key("call", call_id),
            "line": line,
            "caller": "" if withheld else caller_pseudonym(key, phone_index),
            "ringing_date": local_date(ringing_at),
            "ringing_at": ringing_at,
            "answered_at": answered_at,
            "ended_at": ended_at,
            "wait_seconds": wait_seconds,
            "held_seconds": held_seconds,
            "status": status,
            # The rule of ``telephony.service_level``: abandoned, held on less than the grace time.
            "short_abandon": status == CallStatus.ABANDONED
            and held_seconds is not None
            and held_seconds < grace,
            "contact_key": record_key("contact", contact_id),
            "callback_key": record_key("callback", callback_id),
        }
