"""Text messages to callers, through a backend chosen like Django's e-mail backends.

``SMS_BACKEND`` names the class: ``console`` and ``file`` for development, ``gatewayapi`` for
GatewayAPI's REST API. A backend sends one message to one normalised number and returns the
gateway's id for it, or raises ``SmsError``. Backends never log or keep the clear number.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from akuttilbud import phone as phone_module


class SmsError(Exception):
    """The message was not accepted; the text says why, without the number or the message."""


class BaseSmsBackend:
    def send(self, number, text):
        raise NotImplementedError

    @staticmethod
    def masked(number):
        return phone_module.masked(phone_module.last_four(number))


def get_backend(path=None):
    return import_string(path or settings.SMS_BACKEND)()


def promised_text(text, due_at):
    """The leader's SMS text with ``{time}`` replaced by the promised local time, e.g. 22:00."""
    return text.replace("{time}", f"{timezone.localtime(due_at):%H:%M}")
