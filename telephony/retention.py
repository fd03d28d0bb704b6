"""How long callers' numbers are kept (the phone-line settings), enforced by ``apply_retention``.

- The clear (encrypted) number of a call or a call-back is needed only to call back: it is
  kept while a call-back for the number is open, then ``number_retention_days`` from the later
  of the call's end and the call-back's completion.
- The blind index (and the last four digits shown with it) recognises repeat callers: it is
  kept ``index_retention_days`` from the call, or from the call-back's completion.

A citizen's own follow-up number (``Person``) and staff's links of a number to a citizen follow
the person's retention instead (``contacts.retention``).
"""

import dataclasses
import datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from contacts.models import Callback

from .models import CallSession, TelephonySettings


@dataclasses.dataclass
class NumberRetention:
    """Rows changed (or, on a dry run, that would change): counts only."""

    call_numbers: int = 0
    callback_numbers: int = 0
    call_indexes: int = 0
    callback_indexes: int = 0

    @property
    def total(self):
        return self.call_numbers + self.callback_numbers + self.call_indexes + self.callback_indexes


def _calls_whose_number_expires(cutoff):
    """Calls with a clear number, ended before ``cutoff``, their number wanted by no call-back:
    none open, none completed at or after ``cutoff``."""
    callbacks = Callback.objects.filter(phone_index=OuterRef("phone_index"))
    still_wanted = callbacks.filter(Q(done_at__isnull=True) | Q(done_at__gte=cutoff))
    return (
        CallSession.objects.exclude(phone_encrypted="")
        .alias(over_at=Coalesce(F("ended_at"), F("ringing_at")))
        .filter(over_at__lt=cutoff)
        .filter(~Exists(still_wanted))
    )


def apply_number_retention(*, now, dry_run):
    """Delete the clear numbers and blind indexes the phone-line settings no longer allow."""
    settings_row = TelephonySettings.load()
    number_cutoff = now - datetime.timedelta(days=settings_row.number_retention_days)
    index_cutoff = now - datetime.timedelta(days=settings_row.index_retention_days)
    with transaction.atomic():
        steps = {
            "call_numbers": (_calls_whose_number_expires(number_cutoff), {"phone_encrypted": ""}),
            "callback_numbers": (
                Callback.objects.exclude(phone_encrypted="").filter(done_at__lt=number_cutoff),
                {"phone_encrypted": ""},
            ),
            "call_indexes": (
                CallSession.objects.exclude(phone_index="").filter(ringing_at__lt=index_cutoff),
                {"phone_encrypted": "", "phone_index": "", "phone_last4": ""},
            ),
            "callback_indexes": (
                Callback.objects.exclude(phone_index="").filter(done_at__lt=index_cutoff),
                {"phone_encrypted": "", "phone_index": "", "phone_last4": ""},
            ),
        }
        result = NumberRetention()
        for name, (rows, cleared) in steps.items():
            setattr(result, name, rows.count() if dry_run else rows.update(**cleared))
        if result.total and not dry_run:
            audit(AuditAction.RETENTION, detail={"numbers": dataclasses.asdict(result)})
    return result
