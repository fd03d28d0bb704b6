import datetime
import json
import uuid
from pathlib import Path

from django.conf import settings

from . import BaseSmsBackend, SmsError


class SmsBackend(BaseSmsBackend):
    """Appends each message as one JSON line to ``SMS_FILE_PATH``, the number shown by its
    last four digits."""

    def send(self, number, text):
        message_id = f"file-{uuid.uuid4().hex[:12]}"
        path = Path(settings.SMS_FILE_PATH)
        record = {
            "id": message_id,
            "at": datetime.datetime.now(datetime.UTC).isoformat(),
            "to": self.masked(number),
            "text": text,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as error:
            raise SmsError(f"could not write {path.name}: {error.strerror}") from error
        return message_id
