"""The page after a confirmed save names the draft to remove; nothing else does."""

import uuid

import pytest
from django.urls import reverse

from akuttilbud.middleware import DRAFTS_SAVED_KEY
from contacts.models import Contact

QUICK_LOG = {"summary": "Ringede om søvn", "acuteness": "2", "channel": "phone", "answered_at": ""}


def _quick_log(**changes):
    return {**QUICK_LOG, "once_token": str(uuid.uuid4()), **changes}


def _saved_marker(client):
    return (
        client.get(reverse("contacts:board")).content.decode().split('data-drafts-saved="')[1].split('"')[0]
    )


@pytest.mark.django_db
def test_a_save_names_the_draft_on_the_next_page_once(staff_client):
    response = staff_client.post(reverse("contacts:quick_log"), _quick_log(_draft="quick-log"))
    assert response.status_code == 302
    assert Contact.objects.count() == 1
    assert staff_client.session[DRAFTS_SAVED_KEY] == ["quick-log"]
    assert _saved_marker(staff_client) == "quick-log"
    assert _saved_marker(staff_client) == ""


@pytest.mark.django_db
def test_a_refused_form_keeps_the_draft(staff_client):
    response = staff_client.post(reverse("contacts:quick_log"), _quick_log(acuteness="", _draft="quick-log"))
    assert response.status_code == 200
    assert DRAFTS_SAVED_KEY not in staff_client.session
    assert _saved_marker(staff_client) == ""


@pytest.mark.django_db
def test_a_redirect_before_the_view_does_not_count_as_a_save(staff_client, settings):
    # Two-factor owed: the middleware sends the logged-in user to set it up; nothing is saved.
    settings.OTP_REQUIRED_FOR_ROLES = ["staff"]
    response = staff_client.post(reverse("contacts:quick_log"), _quick_log(_draft="quick-log"))
    assert response.status_code == 302 and reverse("otp_setup") in response["Location"]
    assert not Contact.objects.exists()
    assert DRAFTS_SAVED_KEY not in staff_client.session


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["<script>", "a" * 81, "Quick Log", ""])
def test_a_draft_name_that_no_form_has_is_ignored(staff_client, name):
    response = staff_client.post(reverse("contacts:quick_log"), _quick_log(_draft=name))
    assert response.status_code == 302
    assert DRAFTS_SAVED_KEY not in staff_client.session
