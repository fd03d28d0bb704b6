import sys
import uuid

from . import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each message to standard output, the number shown by its last four digits."""

    def send(self, number, text):
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"SMS {message_id} to {self.masked(number)}: {text}\n")
        sys.stdout.flush()
        return message_id
