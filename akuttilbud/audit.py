"""The one way to write the audit log, to check it, and to checkpoint its head outside the database."""

import hashlib
import hmac
import json
import logging
import os
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import database
from .models import AuditAction, AuditEvent, AuditEventPerson

# Any fixed number: serialises writers so each event sees the hash of the one before it. The
# database's purge function (migration 0004) takes the same lock.
_CHAIN_LOCK_ID = 8_204_211
# Events verified per query; their persons are read in one more query per chunk.
_CHUNK = 2000

checkpoint_log = logging.getLogger("akuttilbud.audit.checkpoint")


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit(
    action, *, request=None, user=None, obj=None, person=None, person_id=None, person_ids=(), detail=None
):
    """Record one use of personal data or one security event and return it.

    ``obj`` is the record acted on; ``person`` (or ``person_id``) the citizen it is about, and
    ``person_ids`` every other citizen whose data it disclosed (a search's hits, a billing
    statement's rows), so a right-of-access report lists every disclosure about them.
    ``detail`` must never hold a CPR number or free text about the citizen.
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if person is not None:
        person_id = person.pk
    persons = set(person_ids)
    if person_id is not None:
        persons.add(person_id)
    event = AuditEvent(
        user=user,
        username=user.get_username() if user else (detail or {}).get("username", ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person_id,
        detail=detail or {},
        ip_address=_client_ip(request),
    )
    with transaction.atomic():
        _lock_chain()
        event.previous_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        event.hash = event.compute_hash(persons)
        event.save(force_insert=True)
        AuditEventPerson.objects.bulk_create(
            [AuditEventPerson(event=event, person_id=number) for number in sorted(persons)], batch_size=5000
        )
    return event


def form_changes(form):
    """``{field: [before, after]}`` for each field a bound model form changed, as text, for the
    audit of a settings change (settings hold no personal data; never use it on a person)."""

    def text(value):
        return "" if value is None else str(getattr(value, "pk", value))

    return {
        name: [text(form.initial.get(name)), text(form.cleaned_data.get(name))] for name in form.changed_data
    }


def formset_changes(formset):
    """The ids a saved model formset added, changed and deleted, for the same audit."""
    return {
        "added": [row.pk for row in formset.new_objects],
        "changed": [row.pk for row, _fields in formset.changed_objects],
        "deleted": [row.pk for row in formset.deleted_objects],
    }


def _lock_chain():
    database.lock_for_transaction(_CHAIN_LOCK_ID)


def _events_with_persons(events):
    """``(event, person_ids)`` in id order, a chunk of events and their persons at a time."""
    chunk = []
    for event in events.iterator(chunk_size=_CHUNK):
        chunk.append(event)
        if len(chunk) == _CHUNK:
            yield from _with_persons(chunk)
            chunk = []
    yield from _with_persons(chunk)


def _with_persons(chunk):
    persons = defaultdict(list)
    links = AuditEventPerson.objects.filter(event_id__in=[event.pk for event in chunk])
    for event_id, person_id in links.values_list("event_id", "person_id"):
        persons[event_id].append(person_id)
    for event in chunk:
        yield event, persons[event.pk]


def verify_chain(checkpoint_path=None):
    """Walk the log in id order, recomputing each keyed hash and checking each link, then hold
    the result against the checkpoints written outside the database.

    Returns ``(count, broken_id, reason)``; ``broken_id`` is ``None`` when the chain holds.
    The first remaining event may point to one deleted by the retention purge: that is a valid
    start only when an ``AUDIT_PURGE`` event recorded the hash it points to. Every checkpoint at
    or after the first remaining event must name an event that is still there with the same
    hash, so a tail cut off (even by the tables' owner, who can also disable the trigger) is
    found: ``broken_id`` is then the checkpointed id.
    """
    count = 0
    previous = None
    first_id = None
    hashes = {}
    for event, person_ids in _events_with_persons(AuditEvent.objects.order_by("id")):
        if event.hash != event.compute_hash(person_ids):
            return count, event.pk, "hash does not match the event's content"
        if previous is None:
            first_id = event.pk
            if event.previous_hash and not _purge_recorded(event.previous_hash):
                return count, event.pk, "points to an event that no purge recorded"
        elif event.previous_hash != previous:
            return count, event.pk, "does not point to the event before it"
        previous = event.hash
        hashes[event.pk] = event.hash
        count += 1
    for line_number, checkpoint in enumerate(read_checkpoints(checkpoint_path), start=1):
        if checkpoint is None:
            return count, 0, f"checkpoint line {line_number} is not signed with the audit key"
        if first_id is not None and checkpoint["id"] < first_id:
            continue  # purged since; the purge record vouches for the start of the chain
        if hashes.get(checkpoint["id"]) != checkpoint["hash"]:
            return (
                count,
                checkpoint["id"],
                f"checkpoint of {checkpoint['at']} names an event that is gone or changed",
            )
    return count, None, ""


def _purge_recorded(last_deleted_hash):
    return AuditEvent.objects.filter(
        action=AuditAction.AUDIT_PURGE, detail__last_deleted_hash=last_deleted_hash
    ).exists()


def _sign(fields):
    message = json.dumps(fields, sort_keys=True).encode()
    return hmac.new(b"checkpoint:" + settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def write_checkpoint(checkpoint_path=None):
    """Append the chain's head (id and hash) as one signed JSON line to ``AUDIT_CHECKPOINT_FILE``
    and to the ``akuttilbud.audit.checkpoint`` log. Returns the line's fields, or ``None`` for
    an empty log.

    The file lives outside the database (on the app server or a log host), so a database login,
    even the owner's, cannot rewrite it; the signature keeps anyone without the key from adding
    a line that would vouch for a shortened chain.
    """
    head = AuditEvent.objects.order_by("-id").values("id", "hash").first()
    if head is None:
        return None
    fields = {"at": timezone.now().isoformat(), "id": head["id"], "hash": head["hash"]}
    line = json.dumps({**fields, "signature": _sign(fields)}, sort_keys=True)
    path = checkpoint_path or settings.AUDIT_CHECKPOINT_FILE
    # O_APPEND: each line lands whole at the end, whatever else writes to the file.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="utf-8") as checkpoints:
        checkpoints.write(line + "\n")
    checkpoint_log.info("audit checkpoint %s", line)
    return fields


def read_checkpoints(checkpoint_path=None):
    """The checkpoints in the file, oldest first; a line whose signature fails is ``None``."""
    path = checkpoint_path or settings.AUDIT_CHECKPOINT_FILE
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as checkpoints:
        for line in checkpoints:
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
                signature = fields.pop("signature")
                valid = hmac.compare_digest(signature, _sign(fields))
            except (ValueError, KeyError, TypeError, AttributeError):
                valid = False
            yield fields if valid else None
