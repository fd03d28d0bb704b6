"""rechain_audit_log: an intact chain is rewritten under the current key; a tampered one is refused."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from akuttilbud.audit import audit, read_checkpoints, verify_chain, write_checkpoint
from akuttilbud.database import append_only_triggers_lifted
from akuttilbud.models import AuditAction, AuditEvent

from .test_audit_chain import _rewrite

pytestmark = pytest.mark.django_db

OLD_KEY = "the-key-the-chain-was-written-with"


def _chain_under(settings, key, count=4):
    settings.AUDIT_HMAC_KEY = key
    for person_id in range(count):
        audit(
            AuditAction.VIEW, detail={"username": "sara"}, person_id=person_id, person_ids=[person_id + 100]
        )
    write_checkpoint()


def test_a_chain_under_the_previous_key_is_rewritten_under_the_new_one(settings, monkeypatch, capsys):
    _chain_under(settings, OLD_KEY)
    settings.AUDIT_HMAC_KEY = "the-new-audit-key"
    assert verify_chain()[1] is not None

    monkeypatch.setenv("AUDIT_PREVIOUS_HMAC_KEY", OLD_KEY)
    call_command("rechain_audit_log", "--from-previous-key")

    assert "Re-chained 4 audit events" in capsys.readouterr().out
    count, broken_id, reason = verify_chain()
    assert (count, broken_id, reason) == (5, None, "")
    event = AuditEvent.objects.get(action=AuditAction.AUDIT_RECHAIN)
    assert event.detail == {"count": 4, "from": "key"}
    # The old checkpoints are kept aside; the new file vouches for the new head only.
    checkpoints = list(read_checkpoints())
    assert len(checkpoints) == 1 and checkpoints[0]["id"] == event.pk
    kept = Path(settings.AUDIT_CHECKPOINT_FILE).parent.glob("audit-checkpoints.log.before-rechain-*")
    assert len(list(kept)) == 1


def test_an_unkeyed_chain_is_keyed(settings):
    for person_id in range(3):
        audit(AuditAction.VIEW, detail={"username": "sara"}, person_id=person_id)
    # Written as the app did before the chain was keyed.
    previous = ""
    with append_only_triggers_lifted(), connection.cursor() as cursor:
        for event in AuditEvent.objects.order_by("id"):
            event.previous_hash = previous
            unkeyed = event.compute_unkeyed_hash()
            cursor.execute(
                "UPDATE akuttilbud_auditevent SET previous_hash = %s, hash = %s WHERE id = %s",
                [previous, unkeyed, event.pk],
            )
            previous = unkeyed
    assert verify_chain()[1] is not None

    call_command("rechain_audit_log")

    assert verify_chain()[1] is None
    assert AuditEvent.objects.get(action=AuditAction.AUDIT_RECHAIN).detail["from"] == "unkeyed"


def test_a_tampered_chain_is_refused_and_left_as_it_was(settings, monkeypatch):
    _chain_under(settings, OLD_KEY)
    victim = AuditEvent.objects.order_by("id")[1]
    _rewrite(victim.pk, username="someone-else")
    settings.AUDIT_HMAC_KEY = "the-new-audit-key"
    monkeypatch.setenv("AUDIT_PREVIOUS_HMAC_KEY", OLD_KEY)
    hashes = list(AuditEvent.objects.order_by("id").values_list("hash", flat=True))

    with pytest.raises(CommandError, match=f"event id {victim.pk}"):
        call_command("rechain_audit_log", "--from-previous-key")

    assert list(AuditEvent.objects.order_by("id").values_list("hash", flat=True)) == hashes
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_RECHAIN).exists()


def test_the_previous_key_is_never_taken_from_the_command_line(monkeypatch):
    monkeypatch.delenv("AUDIT_PREVIOUS_HMAC_KEY", raising=False)
    with pytest.raises(CommandError, match="AUDIT_PREVIOUS_HMAC_KEY"):
        call_command("rechain_audit_log", "--from-previous-key")
