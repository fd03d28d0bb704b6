"""The call-backs export: one row per call-back owed for a call received in the period. Never
the number: a citizen appears only as a pseudonym, and only if staff linked one."""

from django.db.models import F, Q
from django.db.models.lookups import LessThanOrEqual

from akuttilbud.expressions import WholeSeconds
from contacts.models import CallbackClosure

from .. import queries
from ..people import pseudonym, record_key
from .columns import CHUNK_SIZE
from .persons import local_date

# ``CallbackClosure.DESK`` is stored as the empty string; the file writes it as a code.
CLOSURE_CODES = {
    CallbackClosure.DESK: "desk",
    CallbackClosure.GOT_THROUGH: "got_through",
    CallbackClosure.CALLED_OUT: "called_out",
}


def rows(period):
    callbacks = (
        queries.callbacks(period)
        .annotate(
            wait_s=WholeSeconds("done_at", "received_at"),
            on_time=Q(done_at__isnull=False) & LessThanOrEqual(F("done_at"), F("due_at")),
        )
        .order_by("received_at", "id")
        .values_list(
            "id",
            "kind",
            "received_at",
            "due_at",
            "done_at",
            "wait_s",
            "closed_by",
            "on_time",
            "person_id",
            "person__cpr_index",
            "contact_id",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        callback_id,
        kind,
        received_at,
        due_at,
        done_at,
        wait_seconds,
        closed_by,
        on_time,
        person_id,
        cpr_index,
        contact_id,
    ) in callbacks:
        yield {
            "callback_key": record_key("callback", callback_id),
            "kind": kind,
            "received_date": local_date(received_at),
            "received_at": received_at,
            "due_at": due_at,
            "done_at": done_at,
            "wait_seconds": wait_seconds,
            "closed_by": CLOSURE_CODES[closed_by] if done_at is not None else None,
            "done_by_promised_time": bool(on_time),
            "pseudonym": pseudonym(person_id, cpr_index),
            "contact_key": record_key("contact", contact_id),
        }
