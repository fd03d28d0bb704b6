"""Post signed call events to a running server, as a switchboard would, for a live demonstration.

A client of the public event API (docs/telephony.md), not a back door: the server records these
calls exactly as it would a real switchboard's.
"""

import datetime
import json
import random
import time
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telephony import signing

# (what happens, seconds until answered or None, seconds until the end, the caller)
SCENARIOS = [
    ("answered", 20, 240, "number"),
    ("abandoned", None, 40, "number"),
    ("voicemail", None, 70, "number"),
    ("withheld", 35, 180, "withheld"),
]


class Command(BaseCommand):
    help = "Post signed call events (answered, abandoned, voicemail, withheld) to a running server."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/telephony/events/")
        parser.add_argument("--calls", type=int, default=4)
        parser.add_argument("--line", default="akut")
        parser.add_argument("--extension", default="201")
        parser.add_argument("--speed", type=float, default=10.0, help="How many times faster than real time.")
        parser.add_argument("--secret", default=None, help="Default: the first TELEPHONY_WEBHOOK_SECRETS.")

    def handle(self, *args, **options):
        secret = options["secret"] or (settings.TELEPHONY_WEBHOOK_SECRETS or [None])[0]
        if not secret:
            raise CommandError("No secret: pass --secret or set TELEPHONY_WEBHOOK_SECRETS.")
        rng = random.Random()
        for number in range(options["calls"]):
            kind, answer_after, end_after, caller = SCENARIOS[number % len(SCENARIOS)]
            call_id = f"sim-{uuid.uuid4().hex[:12]}"
            start = datetime.datetime.now(datetime.UTC)
            caller_value = f"+45{rng.randrange(20_000_000, 99_999_999)}" if caller == "number" else "withheld"
            steps = [(0, "ringing", "")]
            if answer_after is not None:
                steps.append((answer_after, "answered", options["extension"]))
            if kind == "voicemail":
                steps.append((end_after - 30, "voicemail", ""))
            steps.append((end_after, "ended", ""))
            previous = 0
            for offset, event, extension in steps:
                time.sleep(max(0, offset - previous) / options["speed"])
                previous = offset
                payload = {
                    "call_id": call_id,
                    "event": event,
                    "at": (start + datetime.timedelta(seconds=offset)).isoformat(),
                    "line": options["line"],
                    "caller": caller_value,
                    "extension": extension,
                    "event_id": f"{call_id}-{event}",
                }
                self._post(options["url"], secret, payload)
            self.stdout.write(f"{call_id}: {kind}")

    def _post(self, url, secret, payload):
        body = json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own server
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", signing.HEADER: signing.header_value(secret, body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as error:
            raise CommandError(f"{payload['event']}: the server answered {error.code}") from None
        except urllib.error.URLError as error:
            raise CommandError(f"cannot reach {url}: {error.reason}") from None
