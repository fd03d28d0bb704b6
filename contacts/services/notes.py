"""Writes of handover notes for the next shift."""

from django.db import transaction

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction

from ..models import ShiftNote


@transaction.atomic
def add_shift_note(*, text, user, request=None):
    note = ShiftNote(text=text, author=user)
    note.full_clean()
    note.save()
    audit(AuditAction.CREATE, request=request, user=user, obj=note)
    return note
