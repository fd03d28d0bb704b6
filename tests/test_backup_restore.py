"""The restore drill: bin/backup of a database with data and documents, bin/restore into a fresh
database, and the restored copy checked the way an operator would after a real restore."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from akuttilbud.audit import write_checkpoint
from akuttilbud.models import AuditEvent
from contacts.models import Contact, Person
from crisisplans.models import CrisisPlan, FollowUp
from crisisplans.services import create_plan
from partners.models import Agreement, AgreementType, Partner, PartnerKind
from tests.crisisplans.factories import IdentifiedPersonFactory, walk_in_contact
from tests.factories import UserFactory
from tests.helpers import postgres_url, require_postgres

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n% the signed agreement\n"
TABLES = [Person, Contact, CrisisPlan, FollowUp, AuditEvent, Agreement]


def _run(command, **env):
    result = subprocess.run(  # noqa: S603 - fixed arguments
        command, cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _counts(url):
    with psycopg.connect(url, autocommit=True) as database:
        return {
            model._meta.db_table: database.execute(f"SELECT count(*) FROM {model._meta.db_table}").fetchone()[
                0
            ]  # noqa: S608
            for model in TABLES
        }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_its_rows_audit_chain_trigger_documents_and_cpr(
    tmp_path, settings
):
    require_postgres()
    staff = UserFactory(username="sara")
    person = IdentifiedPersonFactory(cpr="0101904321")
    create_plan(person=person, contact=walk_in_contact(person), user=staff, wants_follow_up=True)
    agreement = Agreement.objects.create(
        partner=Partner.objects.create(
            name="Psykiatrien Syd", kind=PartnerKind.objects.create(name="Psykiatri")
        ),
        type=AgreementType.COLLABORATION,
        valid_from=datetime.date(2026, 1, 1),
    )
    agreement.document.save("aftale.pdf", ContentFile(PDF))
    assert write_checkpoint() is not None
    source = connection.settings_dict["NAME"]
    expected = _counts(postgres_url(source))
    assert all(expected.values()), expected

    backup_root, restored_media = tmp_path / "backups", tmp_path / "restored_media"
    backup = Path(
        _run(
            ["bin/backup", str(backup_root)],
            DATABASE_URL=postgres_url(source),
            PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
            AUDIT_CHECKPOINT_FILE=settings.AUDIT_CHECKPOINT_FILE,
        ).strip()
    )
    dump = (backup / "database.dump").read_bytes()
    assert dump.startswith(b"PGDMP")
    # The CPR number is in the dump only encrypted, and no key is.
    assert b"0101904321" not in dump
    for key in (*settings.CPR_ENCRYPTION_KEYS, settings.CPR_INDEX_KEY, settings.AUDIT_HMAC_KEY):
        assert key.encode() not in dump

    restored = f"{source}_restored"
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        _run(
            ["bin/restore", str(backup)],
            DATABASE_URL=postgres_url(restored),
            PRIVATE_MEDIA_ROOT=str(restored_media),
        )

        assert _counts(postgres_url(restored)) == expected
        manage = [sys.executable, "manage.py"]
        checked = {
            "DATABASE_URL": postgres_url(restored),
            "PRIVATE_MEDIA_ROOT": str(restored_media),
            "AUDIT_CHECKPOINT_FILE": str(backup / "audit-checkpoints.log"),
        }
        assert f"OK: {expected['akuttilbud_auditevent']} events" in _run(
            [*manage, "verify_audit_chain"], **checked
        )
        shown = _run(
            [
                *manage,
                "shell",
                "-c",
                "from contacts.models import Person; from partners.models import Agreement; "
                f"print(Person.objects.get(pk={person.pk}).decrypted_cpr()); "
                f"print(Agreement.objects.get(pk={agreement.pk}).document.open('rb').read())",
            ],
            **checked,
        )
        assert "0101904321" in shown
        assert repr(PDF) in shown
        # The append-only trigger came back with the tables.
        with psycopg.connect(postgres_url(restored), autocommit=True) as database:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                database.execute("UPDATE akuttilbud_auditevent SET detail = '{}'")
    finally:
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
