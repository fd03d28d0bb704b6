"""The event API's signature: ``Akuttilbud-Signature: t=<unix seconds>,v1=<hex>``.

``v1`` is the hex HMAC-SHA256 of ``"<t>.<raw body>"`` under one of ``TELEPHONY_WEBHOOK_SECRETS``,
the scheme Stripe and GitHub use for webhooks: the time inside the signed text stops a captured
request from being replayed later, and several ``v1`` values may be sent while a secret rotates.
"""

import hashlib
import hmac
import time

HEADER = "Akuttilbud-Signature"
TOLERANCE_SECONDS = 5 * 60


class SignatureError(Exception):
    """The request is not signed by a known secret within the tolerance; the reason is safe to log."""


def signature(secret, timestamp, body):
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret, body, timestamp=None):
    """The header a sender puts on ``body`` (used by ``simulate_calls``, the bench and tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def _parse(header):
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    return timestamp, candidates


def verify(header, body, secrets, now=None):
    """Raise ``SignatureError`` unless ``header`` signs ``body`` with one of ``secrets`` and its
    time is within ``TOLERANCE_SECONDS`` of ``now``."""
    timestamp, candidates = _parse(header)
    if timestamp is None or not candidates:
        raise SignatureError("missing or malformed signature header")
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("signature timestamp outside the tolerance")
    for secret in secrets:
        expected = signature(secret, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return
    raise SignatureError("no signature matches a configured secret")
