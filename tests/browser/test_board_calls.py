"""A call answered on the desk phone appears on the board with a running timer, and N describes it."""

import datetime

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from telephony import services
from telephony.models import CallSession, Extension
from tests.factories import UserFactory

from .conftest import log_in_as, press_access_key

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _event(event, at, extension=""):
    return services.record_call_event(
        call_id="browser-call",
        event=event,
        at=at,
        line="akut",
        caller="+4512345678",
        extension=extension,
        event_id=f"browser-call-{event}",
        source="test",
    )


def test_the_answered_call_shows_on_the_board_and_the_quick_log_describes_it(live_server, page):
    sara = UserFactory(username="sara-browser", role=Role.STAFF)
    Extension.objects.create(number="201", user=sara)
    log_in_as(page, live_server, sara)
    page.goto(f"{live_server.url}/contacts/board/")
    page.wait_for_selector("#board-calls >> text=Ingen opkald på dit lokalnummer nu.")
    rang = timezone.now() - datetime.timedelta(seconds=50)
    _event("ringing", rang)
    _event("answered", rang + datetime.timedelta(seconds=20), extension="201")
    card = page.wait_for_selector(".board-live-call", timeout=10_000)
    assert "…5678" in card.inner_text() and "12345678" not in page.content()
    timer = page.locator(".board-live-call .contacts-timer")
    first = timer.inner_text()
    page.wait_for_function(
        "(first) => document.querySelector('.board-live-call .contacts-timer').textContent !== first",
        arg=first,
    )
    assert timer.inner_text().startswith("0:")
    with page.expect_navigation():
        press_access_key(page, "n")
    assert page.locator(".quick-log-call").count() == 1
    page.fill("[name=summary]", "Ringede om uro")
    page.locator("[name=acuteness][value='2']").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    call = CallSession.objects.get(call_id="browser-call")
    assert call.contact is not None and call.contact.summary == "Ringede om uro"
    assert call.contact.started_at == call.ringing_at
