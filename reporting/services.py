"""Writes of the reporting app: cost entries, and the audit record of every export."""

from django.db import transaction

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction

from . import exports
from .models import CostEntry


def _period_detail(period):
    return {"start": period.start.isoformat(), "end": period.last_day.isoformat()}


def record_export(*, kind, period, dialect, request=None, user=None, via="web"):
    """Audit an evaluation export before it streams and return its row count.

    The rows are counted with one COUNT query up front, so the audit exists even when the
    download is interrupted.
    """
    rows = exports.count_rows(kind, period)
    detail = {"kind": kind, **_period_detail(period), "dialect": dialect, "rows": rows, "via": via}
    if request is None and user is None:
        detail["username"] = "manage.py export_evaluation"
    audit(AuditAction.EXPORT, request=request, user=user, detail=detail)
    return rows


def record_linkage_key(*, period, reason, request):
    """Audit a register-linkage key (with the leader's stated reason), linked to every citizen
    whose CPR number it holds, and return its row count."""
    person_ids = exports.linkage.person_ids(period)
    audit(
        AuditAction.LINKAGE_KEY,
        request=request,
        person_ids=person_ids,
        detail={**_period_detail(period), "rows": len(person_ids), "reason": reason},
    )
    return len(person_ids)


def _cost_detail(entry, **extra):
    # The note is free text and stays out of the log; the figures say what changed.
    return {
        "month": entry.month.isoformat(),
        "category": entry.category,
        "amount": str(entry.amount),
        **extra,
    }


@transaction.atomic
def create_cost_entry(*, month, category, amount, note, created_by, request=None):
    entry = CostEntry(month=month, category=category, amount=amount, note=note, created_by=created_by)
    entry.full_clean()
    entry.save()
    audit(AuditAction.CREATE, request=request, user=created_by, obj=entry, detail=_cost_detail(entry))
    return entry


@transaction.atomic
def update_cost_entry(*, entry, month, category, amount, note, request=None, user=None):
    stored = CostEntry.objects.filter(pk=entry.pk).values("month", "category", "amount", "note").first()
    entry.month, entry.category, entry.amount, entry.note = month, category, amount, note
    entry.full_clean()
    entry.save(update_fields=["month", "category", "amount", "note"])
    changed = sorted(name for name, value in stored.items() if getattr(entry, name) != value)
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=entry,
        detail=_cost_detail(entry, fields=changed),
    )
    return entry


@transaction.atomic
def delete_cost_entry(*, entry, request=None, user=None):
    detail = _cost_detail(entry, id=entry.pk)
    audit(AuditAction.DELETE, request=request, user=user, obj=entry, detail=detail)
    entry.delete()
