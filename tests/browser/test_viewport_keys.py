"""The desk's keyboard shortcuts in a real browser (named to run after the serialized-database tests)."""

import pytest

from akuttilbud.models import Role
from contacts.models import Contact
from tests.factories import UserFactory

from .conftest import log_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_anonymous_call_with_the_shortcuts(live_server, page):
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/")
    keys = 0
    with page.expect_navigation():
        page.keyboard.press("n")
        keys += 1
    assert page.url.endswith("/contacts/quick/")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'summary'")
    # A digit in the empty line picks the acuteness; the line keeps the focus for the text.
    page.keyboard.press("2")
    keys += 1
    page.keyboard.type("Ringede anonymt om uro 3 gange")
    assert page.input_value("[name=summary]") == "Ringede anonymt om uro 3 gange"
    assert page.is_checked("input[name=acuteness][value='2']")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
        keys += 1
    call = Contact.objects.get(summary="Ringede anonymt om uro 3 gange")
    assert (call.acuteness, call.person_id) == (2, None)
    # The budget: an anonymous call in at most 3 keys beyond the text.
    assert keys <= 3


def test_after_tab_a_digit_picks_the_acuteness_too(live_server, page):
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/quick/")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'summary'")
    page.keyboard.type("Ringede om søvn")
    page.keyboard.press("Tab")
    page.keyboard.press("3")
    assert page.is_checked("input[name=acuteness][value='3']")
    assert page.input_value("[name=summary]") == "Ringede om søvn"


def test_n_is_typed_not_taken_in_a_field_and_question_mark_opens_the_help(live_server, page):
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/persons/search/")
    page.locator("main input[type=text], main input[type=search]").first.click()
    page.keyboard.type("Nanna")
    assert page.url.endswith("/contacts/persons/search/")
    page.locator("main h1").click()
    page.keyboard.press("?")
    assert page.locator("#shortcut-help").is_visible()
    assert "Tastaturgenveje" in page.inner_text("#shortcut-help")
    page.keyboard.press("Escape")
    assert not page.locator("#shortcut-help").is_visible()
