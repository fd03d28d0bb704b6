"""Callers' numbers kept no longer than the phone-line settings allow, at the boundary day."""

import datetime

import pytest
from django.core.management import call_command

from akuttilbud import phone
from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Callback
from telephony import services
from telephony.models import CallSession, TelephonySettings
from telephony.retention import apply_number_retention
from tests.factories import CallbackFactory

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
NUMBER = "+4512345678"
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _retention_settings(db):
    TelephonySettings.objects.update_or_create(
        pk=1, defaults={"number_retention_days": 7, "index_retention_days": 90}
    )


def _ended_call(call_id, ended, *, caller=NUMBER):
    """An answered call that ended at ``ended``: the line owes its caller no call-back."""
    steps = (
        ("ringing", ended - datetime.timedelta(minutes=2)),
        ("answered", ended - datetime.timedelta(minutes=1)),
        ("ended", ended),
    )
    for kind, at in steps:
        services.record_call_event(
            call_id=call_id,
            event=kind,
            at=at,
            line="akut",
            caller=caller,
            extension="",
            event_id=f"{call_id}-{kind}",
            source="api",
        )
    return CallSession.objects.get(call_id=call_id)


def _refreshed(*rows):
    for row in rows:
        row.refresh_from_db()
    return rows


@pytest.mark.django_db
def test_a_calls_clear_number_goes_on_the_boundary_day_its_index_stays():
    days = datetime.timedelta(days=7)
    kept = _ended_call("kept", NOW - days + SECOND)
    gone = _ended_call("gone", NOW - days - SECOND, caller="+4587654321")
    result = apply_number_retention(now=NOW, dry_run=False)
    kept, gone = _refreshed(kept, gone)
    assert kept.decrypted_phone() == NUMBER
    assert gone.phone_encrypted == ""
    assert (gone.phone_index, gone.phone_last4) == (phone.blind_index("+4587654321"), "4321")
    assert result.call_numbers == 1


@pytest.mark.django_db
def test_an_open_call_back_keeps_the_number_however_old_the_call():
    call = _ended_call("missed", NOW - datetime.timedelta(days=30))
    callback = CallbackFactory(phone=NUMBER, received_at=NOW - datetime.timedelta(days=30))
    apply_number_retention(now=NOW, dry_run=False)
    call, callback = _refreshed(call, callback)
    assert call.decrypted_phone() == NUMBER
    assert callback.decrypted_phone() == NUMBER


@pytest.mark.django_db
def test_a_done_call_back_keeps_the_number_7_days_after_it_was_made():
    call = _ended_call("missed", NOW - datetime.timedelta(days=30))
    recent = CallbackFactory(phone=NUMBER, done_at=NOW - datetime.timedelta(days=7) + SECOND)
    older = CallbackFactory(phone="+4511112222", done_at=NOW - datetime.timedelta(days=7) - SECOND)
    apply_number_retention(now=NOW, dry_run=False)
    call, recent, older = _refreshed(call, recent, older)
    assert call.decrypted_phone() == NUMBER, "its call-back was made less than 7 days ago"
    assert recent.decrypted_phone() == NUMBER
    assert older.phone_encrypted == "" and older.phone_last4 == "2222"

    apply_number_retention(now=NOW + 2 * SECOND, dry_run=False)
    call, recent = _refreshed(call, recent)
    assert call.phone_encrypted == "" and recent.phone_encrypted == ""


@pytest.mark.django_db
def test_the_blind_index_and_last_four_go_after_the_index_retention_days():
    days = datetime.timedelta(days=90)
    recognised = _ended_call("recognised", NOW - days + datetime.timedelta(minutes=3))
    forgotten = _ended_call("forgotten", NOW - days - SECOND)
    callback = CallbackFactory(phone=NUMBER, done_at=NOW - days - SECOND)
    apply_number_retention(now=NOW, dry_run=False)
    recognised, forgotten, callback = _refreshed(recognised, forgotten, callback)
    assert recognised.phone_index == phone.blind_index(NUMBER)
    assert (forgotten.phone_encrypted, forgotten.phone_index, forgotten.phone_last4) == ("", "", "")
    assert (callback.phone_index, callback.phone_last4) == ("", "")


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing():
    call = _ended_call("old", NOW - datetime.timedelta(days=100))
    result = apply_number_retention(now=NOW, dry_run=True)
    assert (result.call_numbers, result.call_indexes) == (1, 1)
    (call,) = _refreshed(call)
    assert call.decrypted_phone() == NUMBER
    assert not AuditEvent.objects.filter(action=AuditAction.RETENTION).exists()


@pytest.mark.django_db
def test_the_apply_retention_command_enforces_the_number_settings_and_audits_counts(capsys):
    call = _ended_call("old", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    CallbackFactory(phone=NUMBER, done_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    call_command("apply_retention")
    output = capsys.readouterr().out
    assert "Cleared callers' numbers of 1 calls and 1 call-backs" in output
    assert NUMBER not in output and "5678" not in output
    (call,) = _refreshed(call)
    assert (call.phone_encrypted, call.phone_index) == ("", "")
    assert Callback.objects.get().phone_index == ""
    event = AuditEvent.objects.get(action=AuditAction.RETENTION)
    assert event.detail["numbers"]["call_indexes"] == 1
