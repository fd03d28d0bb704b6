import json
import urllib.error
import urllib.request

from django.conf import settings

from . import BaseSmsBackend, SmsError

TIMEOUT_SECONDS = 10


class SmsBackend(BaseSmsBackend):
    """GatewayAPI's REST API (``POST /rest/mtsms``), authenticated by the token in
    ``GATEWAYAPI_TOKEN``. The gateway's answer is never logged: an error may repeat the number."""

    def send(self, number, text):
        token = settings.GATEWAYAPI_TOKEN
        if not token:
            raise SmsError("GATEWAYAPI_TOKEN is not set")
        body = json.dumps(
            {
                "sender": settings.SMS_SENDER,
                "message": text,
                "recipients": [{"msisdn": int(number.lstrip("+"))}],
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the configured gateway's)
            settings.GATEWAYAPI_URL,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise SmsError(f"the gateway answered {error.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SmsError(f"the gateway could not be reached: {type(error).__name__}") from None
        ids = answer.get("ids") if isinstance(answer, dict) else None
        if not ids:
            raise SmsError("the gateway's answer held no message id")
        return str(ids[0])
