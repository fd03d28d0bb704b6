"""``import_cdr``: switchboard call-detail records fill in the calls the live events missed."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from telephony import services
from telephony.models import CallSession, CallStatus

from .factories import ExtensionFactory

# Asterisk's Master.csv: no header, local times, the uniqueid (the ARI channel id) in column 17.
MASTER_CSV = """\
"","+4512345678","akut","fra-nettet","Caller <+4512345678>","PJSIP/trunk-00000001","PJSIP/201-00000002","Dial","PJSIP/201","2026-12-03 08:00:00","2026-12-03 08:00:25","2026-12-03 08:04:25",265,240,"ANSWERED","DOCUMENTATION","1764745200.1",""
"","+4587654321","akut","fra-nettet","","PJSIP/trunk-00000003","","Dial","PJSIP/201","2026-12-03 08:10:00","","2026-12-03 08:10:40",40,0,"NO ANSWER","DOCUMENTATION","1764745800.3",""
"","anonymous","akut","fra-nettet","","PJSIP/trunk-00000004","","Dial","PJSIP/201","2026-12-03 08:20:00","","2026-12-03 08:20:01",1,0,"BUSY","DOCUMENTATION","1764746400.4",""
"","+4511111111","akut","fra-nettet","","PJSIP/trunk-00000005","","Dial","PJSIP/201","not a time","","",0,0,"FAILED","DOCUMENTATION","1764747000.5",""
"""

GENERIC_CSV = """\
call_id,start,answer,end,caller,extension,disposition
hosted-1,2026-12-03T08:00:00+01:00,2026-12-03T08:00:10+01:00,2026-12-03T08:02:00+01:00,+4512345678,201,ANSWERED
hosted-2,2026-12-03T08:05:00+01:00,,2026-12-03T08:05:30+01:00,+4512345678,,NO ANSWER
,2026-12-03T08:06:00+01:00,,,+4512345678,,NO ANSWER
"""

COPENHAGEN = datetime.timezone(datetime.timedelta(hours=1))


def _import(tmp_path, text, mapping, capsys, **options):
    path = tmp_path / "cdr.csv"
    path.write_text(text, encoding="utf-8")
    call_command("import_cdr", str(path), mapping=mapping, **options)
    return capsys.readouterr().out


@pytest.mark.django_db
def test_asterisk_master_csv_becomes_sessions_and_a_second_import_changes_nothing(
    tmp_path, capsys, staff_user
):
    ExtensionFactory(number="201", user=staff_user)
    out = _import(tmp_path, MASTER_CSV, "asterisk", capsys)
    assert out.strip() == "3 calls added, 0 completed, 0 already recorded, 1 records skipped."

    answered = CallSession.objects.get(call_id="ari:1764745200.1")
    assert answered.status == CallStatus.ANSWERED
    assert answered.ringing_at == datetime.datetime(2026, 12, 3, 8, 0, tzinfo=COPENHAGEN)
    assert answered.wait == datetime.timedelta(seconds=25)
    assert answered.answered_by == staff_user and answered.extension == "201"
    assert CallSession.objects.get(call_id="ari:1764745800.3").status == CallStatus.ABANDONED
    busy = CallSession.objects.get(call_id="ari:1764746400.4")
    assert busy.status == CallStatus.BUSY_FAILED and busy.caller_withheld
    assert set(answered.events.values_list("source", flat=True)) == {"cdr"}

    before = list(CallSession.objects.order_by("pk").values())
    out = _import(tmp_path, MASTER_CSV, "asterisk", capsys)
    assert out.strip() == "0 calls added, 0 completed, 3 already recorded, 1 records skipped."
    assert list(CallSession.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_a_call_the_events_completed_is_left_as_the_events_made_it(tmp_path, capsys):
    at = datetime.datetime(2026, 12, 3, 8, 0, tzinfo=COPENHAGEN)
    for kind, seconds in (("ringing", 0), ("ended", 7)):
        services.record_call_event(
            call_id="hosted-1", event=kind, at=at + datetime.timedelta(seconds=seconds), line="akut",
            caller="+4512345678", extension="", event_id=f"live-{kind}", source="api",
        )  # fmt: skip
    out = _import(tmp_path, GENERIC_CSV, "generic", capsys)
    assert out.strip() == "1 calls added, 0 completed, 1 already recorded, 1 records skipped."
    call = CallSession.objects.get(call_id="hosted-1")
    # The switchboard's record says answered; the events the app received first decide.
    assert call.status == CallStatus.ABANDONED
    assert call.events.count() == 2


@pytest.mark.django_db
def test_a_call_whose_end_the_events_missed_is_completed_from_the_record(tmp_path, capsys):
    services.record_call_event(
        call_id="hosted-1", event="ringing", at=datetime.datetime(2026, 12, 3, 8, 0, tzinfo=COPENHAGEN),
        line="akut", caller="+4512345678", extension="", event_id="live-ringing", source="api",
    )  # fmt: skip
    out = _import(tmp_path, GENERIC_CSV, "generic", capsys)
    assert out.strip() == "1 calls added, 1 completed, 0 already recorded, 1 records skipped."
    call = CallSession.objects.get(call_id="hosted-1")
    assert call.status == CallStatus.ANSWERED
    assert call.wait == datetime.timedelta(seconds=10)
    assert call.ended_at == datetime.datetime(2026, 12, 3, 8, 2, tzinfo=COPENHAGEN)


@pytest.mark.django_db
def test_skipped_records_are_logged_by_number_without_their_content(tmp_path, capsys, caplog):
    _import(tmp_path, MASTER_CSV, "asterisk", capsys)
    assert "CDR record 4 skipped: start is not a time" in caplog.text
    assert "11111111" not in caplog.text


@pytest.mark.django_db
def test_an_unknown_line_skips_the_records_and_a_missing_file_is_a_clear_error(tmp_path, capsys):
    out = _import(tmp_path, GENERIC_CSV, "generic", capsys, line="nowhere")
    assert out.strip() == "0 calls added, 0 completed, 0 already recorded, 3 records skipped."
    assert not CallSession.objects.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_cdr", str(tmp_path / "missing.csv"), mapping="generic")
    (tmp_path / "latin1.csv").write_bytes("call_id,start\nø,æ\n".encode("latin-1"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_cdr", str(tmp_path / "latin1.csv"), mapping="generic")


@pytest.mark.django_db
def test_a_record_takes_a_bounded_number_of_queries(tmp_path, capsys, django_assert_max_num_queries):
    # Per record: the session's look-up, then at most three events of at most ten queries each.
    with django_assert_max_num_queries(4 * (1 + 3 * 10)):
        _import(tmp_path, MASTER_CSV, "asterisk", capsys)
    with django_assert_max_num_queries(4):
        _import(tmp_path, MASTER_CSV, "asterisk", capsys)
