"""Multi-row writes of the core app."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit
from .models import AuditAction, AuditEvent
from .two_factor import OTP_DEVICE_SESSION_KEY, mark_second_factor


def purge_old_audit_events(*, now):
    """Delete audit events older than ``AUDIT_RETENTION_DAYS`` and record that it was done.

    Only a prefix of the chain (in id order) is deleted, so the events that remain still form
    one unbroken chain; the ``AUDIT_PURGE`` event keeps the hash of the last deleted event, which
    is what the first remaining event points to. The newest event is always kept so the purge
    event links to the chain. Returns the purge event.
    """
    cutoff = now - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The append-only trigger (migration 0003) lets a DELETE through only inside a
            # transaction that set these, and only for rows older than the cut-off.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('akuttilbud.audit_purge', 'on', true)")
                cursor.execute(
                    "SELECT set_config('akuttilbud.audit_purge_before', %s, true)", [cutoff.isoformat()]
                )
        first_kept_id = (
            AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        )
        if first_kept_id is None:
            first_kept_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        old = AuditEvent.objects.filter(id__lt=first_kept_id)
        last_deleted = old.order_by("-id").values("id", "hash").first()
        count, _by_model = old.delete()
        if connection.vendor == "postgresql":
            # Called inside a longer transaction, the mark would otherwise outlive the purge.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('akuttilbud.audit_purge', 'off', true)")
        detail = {"count": count, "cutoff": cutoff.isoformat()}
        if last_deleted is not None:
            detail |= {"last_deleted_id": last_deleted["id"], "last_deleted_hash": last_deleted["hash"]}
        return audit(AuditAction.AUDIT_PURGE, detail=detail)


def start_totp_setup(*, user):
    """The user's unconfirmed TOTP device, made on first use so the secret stays the same
    between showing it and checking the first code."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "TOTP"})
    return device


def confirm_totp_device(*, request, device):
    """Turn on two-factor for the user after their first correct code, and mark this session verified."""
    with transaction.atomic():
        device.confirmed = True
        device.full_clean()
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        audit(AuditAction.UPDATE, request=request, obj=device, detail={"two_factor": "on"})
    otp_login(request, device)
    mark_second_factor(request, method="totp")
    request.session[OTP_DEVICE_SESSION_KEY] = True
