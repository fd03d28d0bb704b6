"""The "Who" look-up in a real browser (named to run after the serialized-database tests): a known
caller found and linked in a few keys, the focus back on "New call" after saving, the arrival
offering the person of the same name, and a CPR number never in a URL."""

import pytest

from akuttilbud.models import AuditAction, AuditEvent, Role
from contacts.models import Contact, Person
from tests.factories import ContactFactory, PersonFactory, UserFactory

from .conftest import log_in_as, run_axe

pytestmark = pytest.mark.django_db(transaction=True)

CPR = "0101901234"
MATCHES = "#who-matches input[name=person]"


def _focused(page, script):
    page.wait_for_function(f"() => {{ const element = document.activeElement; return element && {script}; }}")


def test_a_known_caller_found_and_linked_with_the_shortcuts(live_server, page):
    ole = PersonFactory(name="Ole Testmand", nickname="Ravnen")
    ContactFactory(person=ole)
    PersonFactory(name="Olga Hansen")
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/board/")
    keys = 0
    with page.expect_navigation():
        page.keyboard.press("n")
        keys += 1
    _focused(page, "element.name === 'summary'")
    page.keyboard.press("2")
    keys += 1
    page.keyboard.type("Ringede igen om naboen")
    page.keyboard.press("Shift+Tab")
    keys += 1
    _focused(page, "element.name === 'who'")
    page.keyboard.type("Ole T")  # the search term
    page.wait_for_selector(f"{MATCHES}[value='{ole.pk}']")
    assert "Olga" not in page.inner_text("#who-matches")
    page.keyboard.press("ArrowDown")
    keys += 1
    assert page.is_checked(f"{MATCHES}[value='{ole.pk}']")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
        keys += 1
    call = Contact.objects.get(summary="Ringede igen om naboen")
    assert (call.person_id, call.acuteness) == (ole.pk, 2)
    # The budget: found and linked in at most 6 keys beyond the text and the search term.
    assert keys <= 6
    # Back on the board with "New call" focused: Enter starts the next one, no Shift+Tab.
    assert page.url.endswith("/contacts/board/")
    _focused(page, "element.id === 'new-call'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/contacts/quick/")


def test_enter_in_who_takes_the_first_match_and_does_not_save(live_server, page):
    ole = PersonFactory(name="Ole Testmand")
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/quick/")
    page.fill("[name=summary]", "Ringede")
    page.locator("[name=who]").click()
    page.keyboard.type("Testmand")
    page.wait_for_selector(f"{MATCHES}[value='{ole.pk}']")
    # The matches are as accessible as the rest of the form (labelled radio buttons).
    assert run_axe(page) == []
    page.keyboard.press("Enter")
    assert page.is_checked(f"{MATCHES}[value='{ole.pk}']")
    assert page.url.endswith("/contacts/quick/") and not Contact.objects.exists()
    # Arrow down leads on to "none of them", and the call stays anonymous.
    page.keyboard.press("ArrowDown")
    assert page.is_checked(f"{MATCHES}[value='']")
    page.keyboard.press("1")  # typed into the field, not taken as a shortcut
    assert page.input_value("[name=who]") == "Testmand1"


def test_a_cpr_number_is_posted_never_put_in_a_url(live_server, page):
    person = PersonFactory(name="Jonas Holm", cpr=CPR)
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url, request.post_data)))
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/quick/")
    page.locator("[name=who]").click()
    page.keyboard.type("010190-1234")
    page.wait_for_selector(f"{MATCHES}[value='{person.pk}']")
    look_ups = [request for request in requests if "/persons/look-up/" in request[1]]
    assert look_ups and all(method == "POST" for method, _url, _data in look_ups)
    assert not any("1234" in url for _method, url, _data in requests)
    # Only the term is posted, not the rest of the form.
    assert all(data.startswith("who=") and "&" not in data for _method, _url, data in look_ups)
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH, detail__criterion="cpr").exists()
    drafts = page.evaluate("() => Object.values(sessionStorage).join(' ')")
    assert "1234" not in drafts


def test_the_arrival_offers_the_person_of_the_same_name(live_server, page):
    ole = PersonFactory(name="Ole Testmand", nickname="Ravnen")
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/arrivals/new/")
    _focused(page, "element.name === 'who'")
    page.fill("[name=name]", "Ole Testmand")
    page.fill("[name=nickname]", "Ravnen")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert not Contact.objects.exists()
    assert "Registrér som ny person" in page.inner_text("main")
    page.locator(f"{MATCHES}[value='{ole.pk}']").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.url.endswith("/contacts/board/")
    assert Contact.objects.get().person_id == ole.pk
    assert Person.objects.count() == 1
    # Looked up under "Who" and chosen with one key, from the start.
    page.goto(f"{live_server.url}/contacts/arrivals/new/")
    _focused(page, "element.name === 'who'")
    page.keyboard.type("Ravnen")
    page.wait_for_selector(f"{MATCHES}[value='{ole.pk}']")
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert list(Contact.objects.values_list("person", flat=True)) == [ole.pk, ole.pk]
    assert Person.objects.count() == 1


def test_a_new_call_started_from_the_person_page(live_server, page):
    ole = PersonFactory(name="Ole Testmand")
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/persons/{ole.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Nyt opkald med borgeren").click()
    assert page.is_checked(f"{MATCHES}[value='{ole.pk}']")
    _focused(page, "element.name === 'summary'")
    page.keyboard.press("3")
    page.keyboard.type("Ringede selv tilbage")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert Contact.objects.get(summary="Ringede selv tilbage").person_id == ole.pk


def test_new_citizen_with_a_cpr_that_exists_is_linked_to_the_contact(live_server, page):
    existing = PersonFactory(name="Jonas Holm", cpr=CPR)
    contact = ContactFactory(person=None, summary="Ringede anonymt")
    log_in_as(page, live_server, UserFactory(role=Role.STAFF))
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Ny borger").click()
    page.fill("[name=cpr]", "010190-1234")
    page.fill("[name=name]", "Jonas")
    page.select_option("[name=psychiatry_contact]", "unknown")
    with page.expect_navigation():
        page.locator("main form[novalidate] button[type=submit]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Knyt til denne henvendelse").click()
    assert page.url.endswith(f"/contacts/{contact.pk}/")
    contact.refresh_from_db()
    assert contact.person_id == existing.pk
    assert Person.objects.count() == 1
    assert "Jonas Holm" in page.inner_text("main")
