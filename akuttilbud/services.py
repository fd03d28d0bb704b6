"""Multi-row writes of the core app."""

from django.apps import apps
from django.db import connection, transaction

from . import audit as audit_module
from . import cpr as cpr_module
from . import database
from .audit import audit
from .models import AuditAction, AuditEvent, HasCPR, HasPhone


@transaction.atomic
def save_service_settings(*, form, request):
    """Save the leader's settings form and audit what changed, before and after."""
    changes = audit_module.form_changes(form)
    settings_row = form.save()
    audit(
        AuditAction.SETTINGS_CHANGE,
        request=request,
        obj=settings_row,
        detail={"settings": "service", "changes": changes},
    )
    return settings_row


def purge_old_audit_events():
    """Delete audit events older than ``AUDIT_RETENTION_DAYS`` and record that it was done.

    Only a prefix of the chain (in id order) is deleted, so the events that remain still form
    one unbroken chain; the ``AUDIT_PURGE`` event keeps the hash of the last deleted event, which
    is what the first remaining event points to. The newest event is always kept so the purge
    event links to the chain (``database.purge_audit_events``). Returns the purge event.
    """
    with transaction.atomic():
        count, last_id, last_hash, cutoff = database.purge_audit_events()
        detail = {"count": count, "cutoff": cutoff.isoformat()}
        if last_id is not None:
            detail |= {"last_deleted_id": last_id, "last_deleted_hash": last_hash}
        return audit(AuditAction.AUDIT_PURGE, detail=detail)


def rechain_audit_log(*, previous_key=None):
    """Rewrite every event's hash under ``AUDIT_HMAC_KEY``, after checking the chain as it was
    written: unkeyed (before the chain was keyed) or under ``previous_key`` (a key rotation).

    Run as the tables' owner, the only role that may lift the append-only triggers, which stay
    off only inside this transaction. Refuses (``ValueError``) if the old chain does not hold,
    so re-chaining never launders an edit. Returns the ``AUDIT_RECHAIN`` event.
    """
    with transaction.atomic():
        audit_module._lock_chain()
        events = list(audit_module._events_with_persons(AuditEvent.objects.order_by("id")))
        previous = None
        for event, person_ids in events:
            old = (
                event.compute_hash(person_ids, key=previous_key)
                if previous_key
                else event.compute_unkeyed_hash()
            )
            if event.hash != old or (previous is not None and event.previous_hash != previous):
                raise ValueError(
                    f"The audit chain does not hold at event id {event.pk}; nothing was changed."
                )
            previous = event.hash
        with database.append_only_triggers_lifted(), connection.cursor() as cursor:
            new_previous = events[0][0].previous_hash if events else ""
            for event, person_ids in events:
                event.previous_hash = new_previous
                event.hash = event.compute_hash(person_ids)
                cursor.execute(
                    "UPDATE akuttilbud_auditevent SET previous_hash = %s, hash = %s WHERE id = %s",
                    [event.previous_hash, event.hash, event.pk],
                )
                new_previous = event.hash
        return audit(
            AuditAction.AUDIT_RECHAIN,
            detail={"count": len(events), "from": "key" if previous_key else "unkeyed"},
        )


# Every encrypted column: a mixin of models.py and the field it adds. Models of any app that
# inherit one are found, so a new model with a CPR or phone number is rotated too.
_ENCRYPTED_FIELDS = ((HasCPR, "cpr_encrypted"), (HasPhone, "phone_encrypted"))
_ROTATE_BATCH = 1000


def rotate_encryption_keys():
    """Re-encrypt every CPR and phone number under the first key of ``CPR_ENCRYPTION_KEYS``, so
    the older keys can be dropped, and audit it. Returns the rows re-encrypted per model and
    column (a person has both a CPR and a phone number)."""
    counts = {}
    with transaction.atomic():
        for model in apps.get_models():
            for mixin, field in _ENCRYPTED_FIELDS:
                if issubclass(model, mixin):
                    counts[f"{model._meta.label_lower}.{field}"] = _rotate(model, field)
        audit(
            AuditAction.KEY_ROTATION,
            detail={"rotated": counts, "username": "manage.py rotate_cpr_keys"},
        )
    return counts


def _rotate(model, field):
    rows = model._base_manager.exclude(**{field: ""}).order_by("pk").only("pk", field).select_for_update()
    batch, count = [], 0
    for row in rows.iterator(chunk_size=_ROTATE_BATCH):
        setattr(row, field, cpr_module.rotate(getattr(row, field)))
        batch.append(row)
        if len(batch) == _ROTATE_BATCH:
            model._base_manager.bulk_update(batch, [field])
            count += len(batch)
            batch = []
    model._base_manager.bulk_update(batch, [field])
    return count + len(batch)
