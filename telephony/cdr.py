"""Call-detail records (CSV) exported by switchboards, read into call events (docs/telephony.md,
"CDR import").

A record fills in a call the live events missed; a call whose events already completed it is
left as it is. Each record's events get ids made from its call id, so importing a file twice
records nothing the second time.
"""

import csv
import datetime
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from . import services
from .models import CallSession, EventKind

logger = logging.getLogger(__name__)

# Asterisk's cdr_csv (Master.csv) has no header: its columns in order, with loguniqueid=yes.
ASTERISK_COLUMNS = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
    "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield",
]  # fmt: skip


@dataclass(frozen=True)
class Mapping:
    """Which column holds what. ``call_id_prefix`` makes the call id the live adapter uses for the
    same call (Asterisk's uniqueid is the ARI channel id ``follow_ari`` reports)."""

    call_id: str
    start: str
    answer: str
    end: str
    caller: str
    disposition: str
    extension: str
    header: list | None = None
    call_id_prefix: str = ""
    extension_from_channel: bool = False


MAPPINGS = {
    "asterisk": Mapping(
        call_id="uniqueid", start="start", answer="answer", end="end", caller="src",
        disposition="disposition", extension="dstchannel", header=ASTERISK_COLUMNS,
        call_id_prefix="ari:", extension_from_channel=True,
    ),
    "generic": Mapping(
        call_id="call_id", start="start", answer="answer", end="end", caller="caller",
        disposition="disposition", extension="extension",
    ),
}  # fmt: skip

# Dispositions (Asterisk's words, which hosted switchboards mostly share) → how the call ended.
ENDINGS = {"ANSWERED": EventKind.ENDED, "NO ANSWER": EventKind.ENDED, "BUSY": EventKind.BUSY}


class BadRecord(ValueError):
    """A record that cannot be read; the message names the column, never its value."""


def _time(value, column):
    """ISO-8601 or Asterisk's ``2026-03-07 22:14:05``; without an offset, the service's own time zone."""
    try:
        at = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRecord(f"{column} is not a time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return at


def _extension(value, from_channel):
    """``PJSIP/201-0000000a`` → ``201`` for Asterisk's channel names."""
    if from_channel:
        value = value.partition("/")[2].rpartition("-")[0] or value.partition("/")[2]
    return value.strip()[:32]


def events_of(record, mapping):
    """The call id and the (event, time, extension) a record stands for."""
    call_id = (record.get(mapping.call_id) or "").strip()
    if not call_id:
        raise BadRecord(f"no {mapping.call_id}")
    call_id = (mapping.call_id_prefix + call_id)[:128]
    disposition = (record.get(mapping.disposition) or "").strip().upper()
    start = _time(record.get(mapping.start) or "", mapping.start)
    answer_value = (record.get(mapping.answer) or "").strip()
    end_value = (record.get(mapping.end) or "").strip()
    end = _time(end_value, mapping.end) if end_value else start
    events = [(EventKind.RINGING, start, "")]
    if disposition == "ANSWERED":
        if not answer_value:
            raise BadRecord(f"answered without {mapping.answer}")
        extension = _extension(record.get(mapping.extension) or "", mapping.extension_from_channel)
        events.append((EventKind.ANSWERED, _time(answer_value, mapping.answer), extension))
    events.append((ENDINGS.get(disposition, EventKind.FAILED), end, ""))
    return call_id, events


def import_records(rows, mapping, *, line):
    """Import the records; returns counts of calls ``added``, ``completed`` (a live session the
    events left open), ``unchanged`` and records ``skipped`` as unreadable."""
    counts = {"added": 0, "completed": 0, "unchanged": 0, "skipped": 0}
    for number, record in enumerate(rows, start=1):
        try:
            call_id, events = events_of(record, mapping)
        except BadRecord as error:
            logger.warning("CDR record %s skipped: %s", number, error)
            counts["skipped"] += 1
            continue
        session = CallSession.objects.filter(call_id=call_id).first()
        if session is not None and not session.is_live:
            counts["unchanged"] += 1
            continue
        caller = (record.get(mapping.caller) or "").strip()[:64]
        try:
            for kind, at, extension in events:
                services.record_call_event(
                    call_id=call_id, event=kind, at=at, line=line, caller=caller,
                    extension=extension, event_id=f"cdr:{call_id}:{kind}"[:128], source="cdr",
                )  # fmt: skip
        except ValidationError as error:
            logger.warning("CDR record %s skipped: %s", number, error.messages[0])
            counts["skipped"] += 1
            continue
        counts["completed" if session is not None else "added"] += 1
    return counts


def read(file, mapping):
    """The file's records as dicts keyed by the mapping's column names."""
    if mapping.header is not None:
        return csv.DictReader(file, fieldnames=mapping.header, restkey="extra")
    return csv.DictReader(file)
