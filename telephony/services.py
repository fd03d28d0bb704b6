"""Writes of the phone line: the events that make a call, and what a call leads to
(``callbacks`` for missed calls, ``desk`` for the contact an answered call becomes).

``record_call_event`` is the one door every switchboard adapter goes through (the signed event
API, Twilio, Asterisk, the CDR import).
"""

import functools
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from akuttilbud import phone as phone_module
from akuttilbud.audit import audit, form_changes, formset_changes
from akuttilbud.models import AuditAction
from contacts.models import Callback

from . import call_summary, callbacks, desk, live
from .models import CallEvent, CallSession, EventKind, Extension, HungUpBy, Line

logger = logging.getLogger(__name__)

WITHHELD = "withheld"


class UnknownLine(ValidationError):
    def __init__(self):
        super().__init__(_("Unknown line."), code="unknown_line")


def _earliest(current, at):
    return at if current is None or at < current else current


def _latest(current, at):
    return at if current is None or at > current else current


def _apply(session, *, kind, at, extension, hung_up_by, staff_by_extension):
    """Fold one event into the session's times. Each time is the earliest or latest of its
    events, and the status follows from the times, so any arrival order gives the same call."""
    session.ringing_at = _earliest(session.ringing_at, at)
    if kind in (EventKind.ANSWERED, EventKind.OUTGOING):
        # The first answer is the one that counts: the wait ends there and its extension took it.
        first_answer = session.answered_at is None or at < session.answered_at
        if extension and (first_answer or not session.extension):
            session.extension = extension
            session.answered_by_id = staff_by_extension.get(extension)
        session.answered_at = _earliest(session.answered_at, at)
        if kind == EventKind.OUTGOING:
            session.outgoing = True
    elif kind == EventKind.VOICEMAIL:
        session.voicemail_at = _earliest(session.voicemail_at, at)
    elif kind in (EventKind.BUSY, EventKind.FAILED):
        session.failed_at = _earliest(session.failed_at, at)
        session.ended_at = _latest(session.ended_at, at)
    elif kind == EventKind.ENDED:
        session.ended_at = _latest(session.ended_at, at)
        if hung_up_by:
            session.hung_up_by = hung_up_by
    session.status = session.derive_status()


# What an event can change on its call. The rest (its contact, the SMS sent) is written by the
# desk and the SMS task, and an event's write must not put back what it read of them.
EVENT_FIELDS = (
    "caller_withheld",
    "phone_encrypted",
    "phone_index",
    "phone_last4",
    "ringing_at",
    "answered_at",
    "ended_at",
    "voicemail_at",
    "failed_at",
    "outgoing",
    "extension",
    "answered_by",
    "hung_up_by",
    "status",
    "callback",
    "updated_at",
)


def _insert_sql(model, conflict, *, source="", computed=None):
    """``INSERT`` of every column but the key, for ``model``'s row given in field order.

    With ``source`` (``FROM … WHERE …``) the row is selected from it, and ``computed`` maps a
    column to the SQL that gives it there; those columns take no parameter."""
    computed = computed or {}
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(computed.get(field.column, "%s") for field in fields)
    row = f"SELECT {values} {source}" if source else f"VALUES ({values})"
    fields = [field for field in fields if field.column not in computed]
    return fields, f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {row} {conflict}"  # noqa: S608 (model metadata only; values are parameters)


def _params(fields, instance, *, add):
    return [field.get_db_prep_save(field.pre_save(instance, add=add), connection) for field in fields]


# Stands for the event's number's blind index in the statement built once.
_EVENT_INDEX = object()

# The statements an event runs, built once per process from the models (the same on each
# event, and building them is a good part of what an event costs in Python).


@functools.cache
def _session_statements():
    """The statements that give an event its call's session, locked (``_locked_session``): the
    upsert, and the look-up of a call already there. Both return the session's columns, the staff
    member on the answering extension and whether the caller may be owed a call-back."""
    quote = connection.ops.quote_name
    line_table, session_table = quote(Line._meta.db_table), quote(CallSession._meta.db_table)
    every = ", ".join(f"{session_table}.{quote(field.column)}" for field in CallSession._meta.concrete_fields)
    staff = f"(SELECT {quote('user_id')} FROM {quote(Extension._meta.db_table)} WHERE {quote('number')} = %s)"  # noqa: S608 (model metadata only; the number is a parameter)
    # Whether the caller may be owed a call-back: "open" as the call-backs' own queryset says,
    # for the event's number or else the one stored (a false "yes" only costs the look-up).
    owed, owed_params = (
        Callback.objects.open()
        .filter(phone_index=RawSQL(f"COALESCE(%s, {session_table}.{quote('phone_index')})", [_EVENT_INDEX]))  # noqa: S611 (model metadata only; the index is a parameter)
        .values("pk")[:1]
        .query.sql_with_params()
    )
    returned = f"{every}, {staff} AS extension_user_id, EXISTS ({owed}) AS callback_owed"
    fields, upsert = _insert_sql(
        CallSession,
        f"ON CONFLICT (call_id) DO UPDATE SET call_id = EXCLUDED.call_id RETURNING {returned}",
        # The WHERE also lets SQLite tell the upsert's ON from a join's.
        source=f"FROM {line_table} WHERE {line_table}.{quote('code')} = %s",
        computed={"line_id": f"{line_table}.{quote('id')}"},
    )
    # SQLite has no row locks; its transactions take the database's write lock when they begin.
    lock = f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    existing = (
        f"SELECT {returned} FROM {session_table} WHERE {session_table}.{quote('call_id')} = %s "  # noqa: S608 (model metadata only; values are parameters)
        f"AND {session_table}.{quote('line_id')} = (SELECT {quote('id')} FROM {line_table} WHERE {quote('code')} = %s){lock}"
    )
    return fields, upsert, existing, owed_params


@functools.cache
def _event_insert():
    return _insert_sql(CallEvent, "ON CONFLICT (event_id) DO NOTHING RETURNING id")


@functools.cache
def _session_update():
    quote = connection.ops.quote_name
    fields = [CallSession._meta.get_field(name) for name in EVENT_FIELDS]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table, key = quote(CallSession._meta.db_table), quote(CallSession._meta.pk.column)
    return fields, f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 (model metadata only; values are parameters)


def _locked_session(*, call_id, kind, line_code, at, extension, number):
    """The call's session, locked for this transaction and created when this is its first
    event, with the staff member on ``extension`` and whether the caller may be owed a
    call-back. ``None`` when ``line_code`` names no line.

    One statement as a rule. A ringing call is new: the line is read by the ``INSERT … SELECT``,
    and ``ON CONFLICT … DO UPDATE`` returns the call's row if it does exist after all, taking its
    row lock, so a second event of the same call waits for the first's transaction. Any other
    event finds its call there and locks it with ``SELECT … FOR UPDATE``, which writes no new
    row version as the upsert's ``DO UPDATE`` does; only when the call is not there yet (its
    events came out of order) does the upsert follow. A new session is made without the number:
    ``_record`` stores it with the event's changes, so it is encrypted once a call.
    """
    fields, upsert, existing, owed_params = _session_statements()
    index = phone_module.blind_index(number) if number else None
    returned_params = [
        extension or None,
        *(index if param is _EVENT_INDEX else param for param in owed_params),
    ]
    row = None
    with connection.cursor() as cursor:
        if kind != EventKind.RINGING:
            cursor.execute(existing, [*returned_params, call_id, line_code])
            row = cursor.fetchone()
        if row is None:
            new = CallSession(call_id=call_id, ringing_at=at)
            cursor.execute(upsert, [*_params(fields, new, add=True), line_code, *returned_params])
            row = cursor.fetchone()
    if row is None:
        return None
    *values, extension_user_id, callback_owed = row
    return (
        CallSession.from_db(connection.alias, None, _from_database(values)),
        extension_user_id,
        bool(callback_owed),
    )


@functools.cache
def _session_converters():
    """What Django does to each of the session's columns as it reads them (SQLite's times and
    booleans, say), as a query through the ORM would."""
    table = CallSession._meta.db_table
    columns = [field.get_col(table) for field in CallSession._meta.concrete_fields]
    return [
        (column, connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        for column in columns
    ]


def _from_database(values):
    """A row of the session's columns, in field order, as the model's values."""
    converted = []
    for value, (column, converters) in zip(values, _session_converters(), strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return converted


def _insert_event(session, *, event_id, kind, at, extension, hung_up_by, source):
    """Store the event; False when its ``event_id`` is already stored (a repeat)."""
    event = CallEvent(
        session=session,
        event_id=event_id,
        kind=kind,
        at=at,
        extension=extension,
        hung_up_by=hung_up_by,
        source=source,
    )
    fields, sql = _event_insert()
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(fields, event, add=True))
        return cursor.fetchone() is not None


def _save_event_fields(session):
    fields, sql = _session_update()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_params(fields, session, add=False), session.pk])


def record_call_event(*, call_id, event, at, line, caller, extension, event_id, source, hung_up_by=""):
    """Record one switchboard event and return the call's session as it now stands.

    ``line`` is the line's code; ``caller`` the number as sent (E.164, a Danish number or
    ``withheld``): anything that is not a number is treated as withheld and never stored.
    The same ``event_id`` twice changes nothing. Raises ``UnknownLine`` for a line not set up.
    """
    if event not in EventKind.values:
        raise ValidationError(_("Unknown event."), code="unknown_event")
    number = phone_module.normalise(caller) if caller and caller != WITHHELD else None
    if hung_up_by not in HungUpBy.values:
        hung_up_by = ""
    session = _record(
        call_id=call_id,
        kind=event,
        at=at,
        line_code=line,
        number=number,
        extension=extension or "",
        event_id=event_id,
        source=source,
        hung_up_by=hung_up_by,
    )
    # None for a repeat: its transaction was rolled back, and its first delivery's call stands.
    return session or CallEvent.objects.select_related("session").get(event_id=event_id).session


@transaction.atomic
def _record(*, call_id, kind, at, line_code, number, extension, event_id, source, hung_up_by):
    # Three statements for most events (the session with its line, extension and whether a
    # call-back may be owed, the event, the session again), so that a switchboard's burst is
    # absorbed (docs/performance.md); a call that has ended adds its count in the summary, a
    # call reached that may close a call-back its call-backs' look-up.
    answering = extension if kind in (EventKind.ANSWERED, EventKind.OUTGOING) else ""
    locked = _locked_session(
        call_id=call_id, kind=kind, line_code=line_code, at=at, extension=answering, number=number
    )
    if locked is None:
        raise UnknownLine()
    session, staff_on_extension, callback_owed = locked
    stored = _insert_event(
        session,
        event_id=event_id,
        kind=kind,
        at=at,
        extension=extension,
        hung_up_by=hung_up_by,
        source=source,
    )
    if not stored:
        # A repeat changes nothing, not even by making a session (a repeat naming another call).
        transaction.set_rollback(True)
        return None
    if number is not None and not session.has_phone:
        session.set_phone(number)
        session.caller_withheld = False
    previous_status = session.status
    counted_before = call_summary.entry(session)
    _apply(
        session,
        kind=kind,
        at=at,
        extension=extension,
        hung_up_by=hung_up_by,
        staff_by_extension={answering: staff_on_extension} if answering else {},
    )
    callbacks.follow_up(session, previous_status=previous_status, number=number, callback_owed=callback_owed)
    _save_event_fields(session)
    if kind == EventKind.ENDED:
        desk.end_contact(session)
    # Last, so the summary's shared rows stay locked for as short a time as possible.
    call_summary.move(counted_before, call_summary.entry(session))
    live.announce_after_commit(line_code)
    # Ids only: a switchboard's call and event ids may well contain the caller's number.
    logger.info("call %s: %s event from %s", session.pk, kind, source)
    return session


@transaction.atomic
def save_line_settings(*, settings_form, lines, extensions, request):
    """Save the phone-line settings, lines and extensions as one change, and audit it.

    Raises ``ProtectedError`` (and saves nothing) when a deleted line still has calls."""
    changes = form_changes(settings_form)
    settings_row = settings_form.save()
    lines.save()
    extensions.save()
    audit(
        AuditAction.SETTINGS_CHANGE,
        request=request,
        obj=settings_row,
        detail={
            "settings": "telephony",
            "changes": changes,
            "lines": formset_changes(lines),
            "extensions": formset_changes(extensions),
        },
    )
    return settings_row
