"""Follow Asterisk's ARI event websocket and post each line call's events to the signed event API.

Runs as its own process (the ``ari`` service in docker-compose.yml); reconnects when Asterisk
restarts. A client of the public API like any switchboard adapter (docs/telephony.md, "Asterisk").
"""

import asyncio
import base64
import json
import logging
import os

import websockets
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telephony import ari

logger = logging.getLogger("telephony.ari")

RETRIES = 5


class Command(BaseCommand):
    help = "Follow Asterisk's ARI event stream and post the crisis line's calls to the event API."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ari-url",
            default=os.environ.get("ARI_URL", "ws://127.0.0.1:8088/ari/events?app=akuttilbud"),
            help="ARI's event websocket, with the Stasis application's name (env ARI_URL).",
        )
        parser.add_argument("--events-url", default=os.environ.get("AKUTTILBUD_EVENTS_URL", ""))
        parser.add_argument("--line", default=os.environ.get("ARI_LINE", "akut"))
        parser.add_argument(
            "--context",
            default=os.environ.get("ARI_CONTEXT", ""),
            help="Only channels in this dialplan context are line calls (env ARI_CONTEXT; empty: all).",
        )
        parser.add_argument("--once", action="store_true", help="Stop when the stream closes.")

    def handle(self, *args, **options):
        if not options["events_url"]:
            raise CommandError("Pass --events-url or set AKUTTILBUD_EVENTS_URL.")
        secret = (settings.TELEPHONY_WEBHOOK_SECRETS or [None])[0]
        if not secret:
            raise CommandError("Set TELEPHONY_WEBHOOK_SECRETS.")
        asyncio.run(self._follow(options, secret))

    async def _follow(self, options, secret):
        headers = {}
        user, password = os.environ.get("ARI_USERNAME"), os.environ.get("ARI_PASSWORD")
        if user and password:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        delay = 1
        while True:
            try:
                async with websockets.connect(options["ari_url"], additional_headers=headers) as stream:
                    logger.info("following ARI events")
                    delay = 1
                    async for message in stream:
                        await self._handle(message, options, secret)
            except (OSError, websockets.WebSocketException) as error:
                logger.warning("ARI stream lost (%s); reconnecting in %s s", type(error).__name__, delay)
            if options["once"]:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)

    async def _handle(self, message, options, secret):
        try:
            event = json.loads(message)
        except ValueError:
            logger.warning("ARI sent a message that is not JSON")
            return
        payload = (
            ari.normalise(event, line=options["line"], context=options["context"])
            if isinstance(event, dict)
            else None
        )
        if payload is None:
            return
        for attempt in range(RETRIES):
            try:
                await asyncio.to_thread(ari.post, options["events_url"], secret, payload)
                return
            except ari.Rejected as error:
                # Ids only: the payload holds the caller's number.
                logger.error("event %s refused by the app: %s", payload["event_id"], error)
                return
            except OSError as error:
                logger.warning(
                    "event %s not delivered (%s), attempt %s", payload["event_id"], error, attempt + 1
                )
                await asyncio.sleep(2**attempt)
        logger.error("event %s dropped after %s attempts", payload["event_id"], RETRIES)
