"""The SMS to a missed caller: the promised time only, after the commit, audited, sent once."""

import datetime
import http.server
import json
import threading

import pytest
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Callback
from telephony import services, sms
from telephony.models import TelephonySettings
from telephony.tasks import send_missed_call_sms_task

pytestmark = pytest.mark.django_db

NUMBER = "+4512345678"
# Ports this suite may use (the machine's helpers each have their own range).
PORTS = range(8540, 8560)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "telephony.sms.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    TelephonySettings.objects.update_or_create(
        pk=1, defaults={"sms_enabled": True, "sms_text": "Vi ringer dig op senest kl. {time}"}
    )
    return tmp_path / "sms.jsonl"


def _messages(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _missed_call(call_id="m1", caller=NUMBER):
    start = timezone.now() - datetime.timedelta(minutes=2)
    for event, seconds in (("ringing", 0), ("ended", 40)):
        session = services.record_call_event(
            call_id=call_id,
            event=event,
            at=start + datetime.timedelta(seconds=seconds),
            line="akut",
            caller=caller,
            extension="",
            event_id=f"{call_id}-{event}",
            source="test",
        )
    return session


def test_a_missed_caller_gets_the_promised_time_after_the_commit(
    sms_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        session = _missed_call()
    # Nothing is sent while the call-back's transaction could still roll back.
    assert _messages(sms_file) == []
    for callback in callbacks:
        callback()
    callback = Callback.objects.get()
    [message] = _messages(sms_file)
    assert message["text"] == f"Vi ringer dig op senest kl. {timezone.localtime(callback.due_at):%H:%M}"
    assert message["to"] == "…5678"
    assert "12345678" not in sms_file.read_text()
    event = AuditEvent.objects.get(action=AuditAction.SMS)
    assert event.object_id == str(callback.pk) and event.detail["sent"] is True
    assert event.detail["message_id"] == message["id"]
    session.refresh_from_db()
    assert session.sms_sent_at is not None


def test_no_sms_when_it_is_switched_off_or_the_number_is_withheld(
    sms_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _missed_call("hidden", caller="withheld")
    TelephonySettings.objects.filter(pk=1).update(sms_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        _missed_call("off")
    assert _messages(sms_file) == []
    assert not AuditEvent.objects.filter(action=AuditAction.SMS).exists()


def test_a_repeated_task_sends_nothing_more(sms_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session = _missed_call()
    send_missed_call_sms_task.delay(session.pk, session.callback_id)
    assert len(_messages(sms_file)) == 1
    assert AuditEvent.objects.filter(action=AuditAction.SMS).count() == 1


def test_the_text_holds_the_time_and_nothing_of_the_caller():
    due = datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC)
    assert (
        sms.promised_text("Vi ringer dig op senest kl. {time}.", due) == "Vi ringer dig op senest kl. 22:00."
    )
    assert sms.promised_text("Ring {name} kl. {time}", due) == "Ring {name} kl. 22:00"


class _Gateway(http.server.BaseHTTPRequestHandler):
    answer_status = 200
    received = []

    def do_POST(self):  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
        )
        answer = json.dumps({"ids": [4711]} if self.answer_status == 200 else {"code": "0x0213"}).encode()
        self.send_response(self.answer_status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    for port in PORTS:
        try:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Gateway)
            break
        except OSError:
            continue
    else:
        pytest.fail("no free port for the SMS gateway")
    _Gateway.received = []
    _Gateway.answer_status = 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "telephony.sms.gatewayapi.SmsBackend"
    settings.GATEWAYAPI_URL = f"http://127.0.0.1:{server.server_port}/rest/mtsms"
    settings.GATEWAYAPI_TOKEN = "test-token"  # noqa: S105
    settings.SMS_SENDER = "Akuttilbud"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_the_gatewayapi_backend_posts_the_message_to_the_rest_api(gateway):
    message_id = sms.get_backend().send(NUMBER, "Vi ringer dig op senest kl. 22:00")
    assert message_id == "4711"
    [request] = gateway.received
    assert request["path"] == "/rest/mtsms"
    assert request["headers"]["Authorization"] == "Token test-token"
    assert request["body"] == {
        "sender": "Akuttilbud",
        "message": "Vi ringer dig op senest kl. 22:00",
        "recipients": [{"msisdn": 4512345678}],
    }


def test_a_refused_message_is_audited_as_not_sent_and_the_call_back_stands(
    gateway, django_capture_on_commit_callbacks
):
    TelephonySettings.objects.update_or_create(pk=1, defaults={"sms_enabled": True})
    gateway.answer_status = 401
    with django_capture_on_commit_callbacks(execute=True):
        _missed_call()
    assert len(gateway.received) == 1
    event = AuditEvent.objects.get(action=AuditAction.SMS)
    assert event.detail["sent"] is False and "401" in event.detail["reason"]
    assert NUMBER not in json.dumps(event.detail)
    assert Callback.objects.open().count() == 1


def test_an_unreachable_gateway_is_an_sms_error(settings):
    settings.SMS_BACKEND = "telephony.sms.gatewayapi.SmsBackend"
    settings.GATEWAYAPI_URL = f"http://127.0.0.1:{PORTS[-1]}/rest/mtsms"
    settings.GATEWAYAPI_TOKEN = "test-token"  # noqa: S105
    with pytest.raises(sms.SmsError):
        sms.get_backend().send(NUMBER, "Vi ringer dig op senest kl. 22:00")


def test_the_console_backend_shows_the_last_four_digits_only(settings, capsys):
    settings.SMS_BACKEND = "telephony.sms.console.SmsBackend"
    backend = sms.get_backend()
    backend.send(NUMBER, "Vi ringer dig op senest kl. 22:00")
    output = capsys.readouterr().out
    assert "…5678: Vi ringer dig op senest kl. 22:00" in output and "12345678" not in output
