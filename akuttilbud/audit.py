"""The one way to write the audit log."""

from django.db import connection, transaction

from .models import AuditAction, AuditEvent

# Any fixed number: serialises writers so each event sees the hash of the one before it.
_CHAIN_LOCK_ID = 8_204_211


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit(action, *, request=None, user=None, obj=None, person=None, person_id=None, detail=None):
    """Record one use of personal data or one security event and return it.

    ``obj`` is the record acted on; ``person`` (or ``person_id``) the citizen concerned, so a
    right-of-access report can list every look-up about them. ``detail`` must never hold a CPR
    number or free text about the citizen.
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if person is not None:
        person_id = person.pk
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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        event.previous_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def verify_chain():
    """Walk the log in id order, recomputing each hash and checking each link.

    Returns ``(count, broken_id, reason)``; ``broken_id`` is ``None`` when the chain holds.
    The first remaining event may point to one deleted by the retention purge: that is a valid
    start only when an ``AUDIT_PURGE`` event recorded the hash it points to.
    """
    count = 0
    previous = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.hash != event.compute_hash():
            return count, event.pk, "hash does not match the event's content"
        if previous is None:
            if event.previous_hash and not _purge_recorded(event.previous_hash):
                return count, event.pk, "points to an event that no purge recorded"
        elif event.previous_hash != previous:
            return count, event.pk, "does not point to the event before it"
        previous = event.hash
        count += 1
    return count, None, ""


def _purge_recorded(last_deleted_hash):
    return AuditEvent.objects.filter(
        action=AuditAction.AUDIT_PURGE, detail__last_deleted_hash=last_deleted_hash
    ).exists()
