"""A caller's number never in a log line or a URL, wherever it travels: the event API, the call
card, linking, the call-back pages and retention."""

import datetime
import logging
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from telephony.models import CallSession
from tests.factories import CallbackFactory, ContactFactory, PersonFactory

from .helpers import event, post_event

NUMBER = "+4512345678"
FORMS = ("12345678", "12 34 56 78", "4512345678")
URL_ATTRIBUTES = re.compile(r'(?:href|src|action|hx-get|hx-post|data-[a-z-]+-url)="([^"]*)"')


def _no_number_in(text):
    return not any(form in text for form in FORMS)


@pytest.mark.django_db
def test_the_number_is_in_no_log_line_and_no_url_along_a_call(staff_client, caplog):
    cache.clear()
    at = timezone.now() - datetime.timedelta(minutes=5)
    person = PersonFactory(name="Hanne")
    callback = CallbackFactory(phone=NUMBER, person=person)
    pages = []
    with caplog.at_level(logging.DEBUG):
        # Call and event ids that hold the number, as some switchboards make them.
        for kind, offset in (("ringing", 0), ("answered", 20), ("ended", 90)):
            payload = event(f"sip-{NUMBER}", kind, at + datetime.timedelta(seconds=offset), caller=NUMBER)
            payload["event_id"] = f"{NUMBER}-{kind}"
            assert post_event(client=staff_client, payload=payload).status_code == 200
        post_event(staff_client, event("c2", "ringing", at, caller=NUMBER), secret="forkert")
        call = CallSession.objects.get()
        CallSession.objects.filter(pk=call.pk).update(contact=ContactFactory(person=person))
        pages.append(staff_client.post(reverse("telephony:link_caller", args=[call.pk])))
        pages.append(staff_client.get(reverse("telephony:known_caller", args=[call.pk])))
        pages.append(staff_client.get(reverse("contacts:board")))
        pages.append(staff_client.get(reverse("contacts:board_section", args=["callbacks"])))
        pages.append(staff_client.get(reverse("contacts:callback_complete", args=[callback.pk])))
        revealed = staff_client.post(reverse("contacts:callback_number", args=[callback.pk]))
        call_command("apply_retention", "--dry-run")
    assert _no_number_in(caplog.text), "a log line holds the number"
    for response in [*pages, revealed]:
        assert response.status_code == 200
        urls = " ".join(URL_ATTRIBUTES.findall(response.content.decode()))
        # The revealed number is a tel: link, the one place it is meant to be.
        urls = re.sub(r"tel:[0-9+ ]+", "", urls)
        assert _no_number_in(urls), response.request["PATH_INFO"]
        assert _no_number_in(response.get("Location", ""))
    for response in pages:
        assert _no_number_in(response.content.decode())
