"""The attacks of someone holding the app's database login, run as that login (PostgreSQL).

The role is made by the shipped bin/database-roles.sh, as a deployment makes it; the tests then
``SET ROLE`` to it, so every statement is checked against exactly its privileges.
"""

import datetime
import json
import os
import secrets
import subprocess
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from akuttilbud.audit import audit, verify_chain, write_checkpoint
from akuttilbud.database import install_audit_purge
from akuttilbud.models import AuditAction, AuditEvent, AuditEventPerson
from akuttilbud.services import purge_old_audit_events
from tests.helpers import require_postgres

APP_ROLE = "akut_sec_app"

pytestmark = [pytest.mark.postgres_only]


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker):
    """The app's role on the test database, made by bin/database-roles.sh as the owner role's
    superuser would make it; the tables' owner is the test database's own user."""
    database = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("PG", "POSTGRES_"))},
        "PGHOST": database["HOST"] or "127.0.0.1",
        "PGPORT": str(database["PORT"] or 5432),
        "PGUSER": database["USER"],
        "PGDATABASE": database["NAME"],
        "DATABASE_OWNER_ROLE": database["USER"],
        "DATABASE_OWNER_PASSWORD": "unused-the-role-exists",
        "DATABASE_APP_ROLE": APP_ROLE,
        "DATABASE_APP_PASSWORD": secrets.token_urlsafe(16),
    }
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    with django_db_blocker.unblock():
        result = subprocess.run(  # noqa: S603
            [str(settings.BASE_DIR / "bin" / "database-roles.sh")],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    return APP_ROLE


@contextmanager
def as_app():
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refused(statement, params=None):
    """Run ``statement``; True if the database refused it (the savepoint keeps the test going)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError:
        return True
    return False


def _events(count):
    return [audit(AuditAction.VIEW, person_id=number) for number in range(count)]


@pytest.fixture
def log(app_role, db):
    require_postgres()
    return _events(4)


def test_the_app_role_is_neither_owner_nor_superuser(log):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, pg_has_role(%s, (SELECT tableowner FROM pg_tables WHERE tablename = %s), 'MEMBER')"
            " FROM pg_roles WHERE rolname = %s",
            [APP_ROLE, "akuttilbud_auditevent", APP_ROLE],
        )
        assert cursor.fetchone() == (False, False)


def test_the_old_purge_settings_no_longer_let_the_app_cut_the_log(log):
    with as_app():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('akuttilbud.audit_purge', 'on', false)")
            cursor.execute("SELECT set_config('akuttilbud.audit_purge_before', '2100-01-01', false)")
        assert _refused("DELETE FROM akuttilbud_auditevent WHERE id >= %s", [log[2].pk])
        assert _refused("DELETE FROM akuttilbud_auditeventperson")
    assert AuditEvent.objects.count() == 4
    assert verify_chain() == (4, None, "")


def test_the_app_role_can_neither_change_nor_empty_the_log(log):
    with as_app():
        assert _refused("UPDATE akuttilbud_auditevent SET username = 'x' WHERE id = %s", [log[0].pk])
        assert _refused("UPDATE akuttilbud_auditeventperson SET person_id = 99")
        assert _refused("TRUNCATE akuttilbud_auditevent CASCADE")
        assert _refused("TRUNCATE akuttilbud_auditeventperson")
    assert AuditEvent.objects.count() == 4


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE akuttilbud_auditevent DISABLE TRIGGER akuttilbud_auditevent_append_only",
        "ALTER TABLE akuttilbud_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER akuttilbud_auditevent_append_only ON akuttilbud_auditevent",
        "DROP TRIGGER akuttilbud_auditeventperson_append_only ON akuttilbud_auditeventperson",
        "ALTER TABLE akuttilbud_auditevent OWNER TO akut_sec_app",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION akuttilbud_auditevent_append_only() RETURNS trigger AS"
        " $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE FUNCTION akuttilbud_purge_audit_events(OUT deleted bigint, OUT last_deleted_id bigint,"
        " OUT last_deleted_hash text, OUT cutoff timestamptz) AS $$ BEGIN DELETE FROM akuttilbud_auditevent;"
        " END; $$ LANGUAGE plpgsql SECURITY DEFINER",
        "CREATE FUNCTION akuttilbud_purge_audit_events(before timestamptz) RETURNS void AS"
        " $$ DELETE FROM akuttilbud_auditevent $$ LANGUAGE sql",
    ],
)
def test_the_app_role_cannot_lift_the_guards(log, statement):
    with as_app():
        assert _refused(statement)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'akuttilbud_auditevent_append_only'")
        assert cursor.fetchone() == ("O",)


def test_the_purge_as_the_app_deletes_only_what_the_owners_retention_allows(app_role, db, settings):
    require_postgres()
    settings.AUDIT_RETENTION_DAYS = 30
    install_audit_purge(connection)  # as migrate does, with the owner's settings
    now = timezone.now()
    old = audit(AuditAction.VIEW, person_id=1)
    recent = audit(AuditAction.VIEW, person_id=2)
    # Back-date one event as only the owner can (the app cannot write ``at``).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE akuttilbud_auditevent DISABLE TRIGGER akuttilbud_auditevent_append_only")
        cursor.execute(
            "UPDATE akuttilbud_auditevent SET at = %s WHERE id = %s",
            [now - datetime.timedelta(days=60), old.pk],
        )
        cursor.execute("ALTER TABLE akuttilbud_auditevent ENABLE TRIGGER akuttilbud_auditevent_append_only")
    with as_app():
        # The app's environment asks for a shorter retention; the function does not listen.
        settings.AUDIT_RETENTION_DAYS = 0
        assert _refused("SELECT * FROM akuttilbud_purge_audit_events('2100-01-01'::timestamptz)")
        purge = purge_old_audit_events()
    assert purge.detail["count"] == 1
    assert set(AuditEvent.objects.values_list("id", flat=True)) == {recent.pk, purge.pk}


def test_rewriting_events_and_recomputing_the_chain_without_the_key_is_found(log, settings):
    """Even the owner, who can lift the trigger, cannot make an edited log verify without the key."""
    guessed = "dev-only-audit-hmac-key-guess"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE akuttilbud_auditevent DISABLE TRIGGER akuttilbud_auditevent_append_only")
        previous = ""
        for event in AuditEvent.objects.order_by("id"):
            event.username = "someone-else"
            event.previous_hash = previous
            persons = list(AuditEventPerson.objects.filter(event=event).values_list("person_id", flat=True))
            event.hash = event.compute_hash(persons, key=guessed)
            cursor.execute(
                "UPDATE akuttilbud_auditevent SET username = %s, previous_hash = %s, hash = %s WHERE id = %s",
                [event.username, event.previous_hash, event.hash, event.pk],
            )
            previous = event.hash
    assert verify_chain()[1] == log[0].pk


def test_an_event_or_a_person_link_forged_by_the_app_is_found(log):
    forged = AuditEvent(
        action=AuditAction.VIEW, username="lene", at=timezone.now(), previous_hash=log[-1].hash
    )
    forged.hash = forged.compute_hash([], key="not-the-key")
    with as_app():
        forged.save(force_insert=True)
    assert verify_chain()[1] == forged.pk

    with as_app():
        AuditEventPerson.objects.create(event=log[1], person_id=12345)
    assert verify_chain()[1] == log[1].pk


def test_a_tail_cut_by_the_owner_is_found_by_the_checkpoint(log):
    write_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("akuttilbud_auditevent", "akuttilbud_auditeventperson"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute("DELETE FROM akuttilbud_auditeventperson WHERE event_id >= %s", [log[2].pk])
        cursor.execute("DELETE FROM akuttilbud_auditevent WHERE id >= %s", [log[2].pk])
    count, broken_id, reason = verify_chain()
    assert (count, broken_id) == (2, log[-1].pk)
    assert "checkpoint" in reason


def test_a_checkpoint_line_written_without_the_key_is_found(log):
    fields = {"at": timezone.now().isoformat(), "id": log[1].pk, "hash": log[1].hash, "signature": "0" * 64}
    with open(settings.AUDIT_CHECKPOINT_FILE, "a", encoding="utf-8") as checkpoints:
        checkpoints.write(json.dumps(fields) + "\n")
    assert "not signed" in verify_chain()[2]
