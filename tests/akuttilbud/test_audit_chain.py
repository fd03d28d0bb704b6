import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from akuttilbud.audit import audit, verify_chain
from akuttilbud.models import AuditAction, AuditEvent
from akuttilbud.services import purge_old_audit_events
from akuttilbud.tasks import purge_old_audit_events_task
from tests.helpers import require_postgres


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
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER akuttilbud_auditevent_append_only")  # noqa: S608
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event_id])  # noqa: S608


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


@pytest.mark.django_db
def test_purge_deletes_only_old_events_and_records_that_it_did(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    old = [_audit_at(now - datetime.timedelta(days=days), person_id=days) for days in (90, 60, 31)]
    recent = [_audit_at(now - datetime.timedelta(days=days), person_id=days) for days in (29, 1)]

    purge = purge_old_audit_events(now=now)

    remaining = set(AuditEvent.objects.values_list("id", flat=True))
    assert remaining == {event.pk for event in recent} | {purge.pk}
    assert purge.action == AuditAction.AUDIT_PURGE
    assert purge.detail["count"] == 3
    assert purge.detail["last_deleted_hash"] == old[-1].hash
    assert purge.detail["cutoff"] == (now - datetime.timedelta(days=30)).isoformat()
    assert verify_chain()[1] is None


@pytest.mark.django_db
def test_chain_verifies_across_two_purges(settings):
    settings.AUDIT_RETENTION_DAYS = 10
    start = timezone.now() - datetime.timedelta(days=100)
    for day in range(0, 100, 5):
        _audit_at(start + datetime.timedelta(days=day), person_id=day)
    with _frozen(start + datetime.timedelta(days=50)):
        purge_old_audit_events(now=timezone.now())
    with _frozen(start + datetime.timedelta(days=99)):
        purge_old_audit_events(now=timezone.now())
    count, broken_id, reason = verify_chain()
    assert broken_id is None, reason
    assert count == AuditEvent.objects.count()


@pytest.mark.django_db
def test_purge_keeps_the_newest_event_so_the_chain_stays_linked(settings):
    settings.AUDIT_RETENTION_DAYS = 1
    now = timezone.now()
    old = [_audit_at(now - datetime.timedelta(days=days), person_id=days) for days in (9, 8)]
    purge = purge_old_audit_events(now=now)
    assert set(AuditEvent.objects.values_list("id", flat=True)) == {old[-1].pk, purge.pk}
    assert purge.previous_hash == old[-1].hash
    assert verify_chain()[1] is None


@pytest.mark.django_db
def test_purge_task_and_command_run_the_purge(settings, capsys):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    for days in (100, 50, 2):
        _audit_at(now - datetime.timedelta(days=days))
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


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_refuses_to_delete_an_audit_event_outside_the_purge():
    require_postgres()
    event = audit(AuditAction.VIEW, person_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_purge_mark_does_not_let_recent_events_be_deleted(settings):
    require_postgres()
    now = timezone.now()
    recent = audit(AuditAction.VIEW, person_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('akuttilbud.audit_purge', 'on', true)")
            cursor.execute(
                "SELECT set_config('akuttilbud.audit_purge_before', %s, true)",
                [(now - datetime.timedelta(days=1)).isoformat()],
            )
        AuditEvent.objects.filter(pk=recent.pk).delete()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_purge_mark_ends_with_the_purge(settings):
    require_postgres()
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    for days in (60, 59, 1):
        _audit_at(now - datetime.timedelta(days=days))
    purge_old_audit_events(now=now)
    # Same outer transaction (the test's), so only an explicit reset protects this old row.
    late_old = _audit_at(now - datetime.timedelta(days=45))
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=late_old.pk).delete()
    assert AuditEvent.objects.filter(pk=late_old.pk).exists()
