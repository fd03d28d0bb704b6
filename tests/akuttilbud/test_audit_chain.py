import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from akuttilbud.audit import audit, verify_chain
from akuttilbud.database import install_audit_purge
from akuttilbud.models import AuditAction, AuditEvent, AuditEventPerson
from akuttilbud.services import purge_old_audit_events
from akuttilbud.tasks import purge_old_audit_events_task


def _frozen(moment):
    return time_machine.travel(moment, tick=False)


def _audit_at(moment, **kwargs):
    """An event written at ``moment``: the log itself can only be appended to, never back-dated."""
    with _frozen(moment):
        return audit(AuditAction.VIEW, **kwargs)


@pytest.mark.django_db
def test_verify_audit_chain_accepts_an_intact_log(staff_user, capsys):
    for person_id in range(5):
        audit(AuditAction.VIEW, user=staff_user, person_id=person_id, detail={"at": timezone.now()})
    call_command("verify_audit_chain")
    assert capsys.readouterr().out.strip() == "OK: 5 events"


def _rewrite(event_id, **changes):
    """Change a row behind the app's back, as someone with database access could."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER akuttilbud_auditevent_no_update")
        else:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER akuttilbud_auditevent_append_only")  # noqa: S608
        for column, value in changes.items():
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, event_id])  # noqa: S608


def _remove(event_id):
    """Delete an event and its persons as the tables' owner can, lifting the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("akuttilbud_auditeventperson", "akuttilbud_auditevent"):
            if connection.vendor != "sqlite":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute("DELETE FROM akuttilbud_auditeventperson WHERE event_id = %s", [event_id])
        cursor.execute("DELETE FROM akuttilbud_auditevent WHERE id = %s", [event_id])


@pytest.mark.django_db
def test_verify_audit_chain_names_the_first_edited_event(staff_user):
    events = [audit(AuditAction.VIEW, user=staff_user, person_id=number) for number in range(4)]
    _rewrite(events[2].pk, person_id=999)
    with pytest.raises(CommandError, match=f"event id {events[2].pk}"):
        call_command("verify_audit_chain")


@pytest.mark.django_db
def test_verify_audit_chain_detects_a_missing_event(staff_user):
    events = [audit(AuditAction.VIEW, user=staff_user, person_id=number) for number in range(4)]
    _remove(events[1].pk)
    count, broken_id, _reason = verify_chain()
    assert (count, broken_id) == (1, events[2].pk)


@pytest.mark.django_db
def test_verify_audit_chain_detects_a_removed_first_event(staff_user):
    events = [audit(AuditAction.VIEW, user=staff_user, person_id=number) for number in range(3)]
    _remove(events[0].pk)
    assert verify_chain()[1] == events[1].pk


@pytest.mark.django_db
def test_verify_audit_chain_exits_non_zero_on_a_broken_chain(staff_user):
    events = [audit(AuditAction.VIEW, user=staff_user, person_id=number) for number in range(2)]
    _rewrite(events[0].pk, username="someone-else")
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 1


@pytest.fixture
def audit_retention(settings):
    """Set the retention as a deployment does: in the settings ``migrate`` runs with, which
    (re)write the purge function on PostgreSQL."""

    def set_retention(days):
        settings.AUDIT_RETENTION_DAYS = days
        install_audit_purge(connection)

    return set_retention


def _days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.mark.django_db
def test_purge_deletes_only_old_events_and_records_that_it_did(audit_retention):
    audit_retention(30)
    old = [_audit_at(_days_ago(days), person_id=days) for days in (90, 60, 31)]
    recent = [_audit_at(_days_ago(days), person_id=days) for days in (29, 1)]

    purge = purge_old_audit_events()

    remaining = set(AuditEvent.objects.values_list("id", flat=True))
    assert remaining == {event.pk for event in recent} | {purge.pk}
    assert set(AuditEventPerson.objects.values_list("event_id", flat=True)) == {event.pk for event in recent}
    assert purge.action == AuditAction.AUDIT_PURGE
    assert purge.detail["count"] == 3
    assert purge.detail["last_deleted_hash"] == old[-1].hash
    cutoff = datetime.datetime.fromisoformat(purge.detail["cutoff"])
    assert abs(cutoff - _days_ago(30)) < datetime.timedelta(minutes=5)
    assert verify_chain()[1] is None


@pytest.mark.django_db
def test_chain_verifies_across_two_purges(audit_retention):
    for day in range(100, 0, -5):
        _audit_at(_days_ago(day), person_id=day)
    audit_retention(52)
    first = purge_old_audit_events()
    audit_retention(12)
    second = purge_old_audit_events()
    assert (first.detail["count"], second.detail["count"]) == (10, 8)
    count, broken_id, reason = verify_chain()
    assert broken_id is None, reason
    assert count == AuditEvent.objects.count()


@pytest.mark.django_db
def test_purge_keeps_the_newest_event_so_the_chain_stays_linked(audit_retention):
    audit_retention(1)
    old = [_audit_at(_days_ago(days), person_id=days) for days in (9, 8)]
    purge = purge_old_audit_events()
    assert set(AuditEvent.objects.values_list("id", flat=True)) == {old[-1].pk, purge.pk}
    assert purge.previous_hash == old[-1].hash
    assert verify_chain()[1] is None


@pytest.mark.django_db
def test_purge_task_and_command_run_the_purge(audit_retention, settings, capsys):
    audit_retention(30)
    for days in (100, 50, 2):
        _audit_at(_days_ago(days))
    assert purge_old_audit_events_task.delay().get() == 2
    call_command("purge_audit_events")
    assert "Deleted 0 audit events older than 30 days" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_PURGE).count() == 2


@pytest.mark.django_db
def test_the_database_refuses_to_change_an_audit_event():
    event = audit(AuditAction.VIEW, person_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(person_id=2)
    event.refresh_from_db()
    assert event.person_id == 1
