"""Drafts in a real browser, for every form that keeps one (after the tests that restore a serialized database).

Each form is filled with each kind of field it has (text, radio, check box, select); then a reload
must bring back exactly that, announced, and the draft must go on cancel, logout, idle timeout and
a confirmed save, but stay when the save fails, and never show for another user.
"""

import datetime
import re
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone

from akuttilbud.middleware import LAST_ACTIVITY_KEY
from akuttilbud.models import Role
from contacts.models import Callback, Contact, ShiftNote
from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus
from tests.crisisplans.factories import FollowUpFactory, IdentifiedPersonFactory, walk_in_contact
from tests.factories import ContactFactory, UserFactory

from .conftest import log_in_as

pytestmark = pytest.mark.django_db(transaction=True)

DRAFT_KEYS = "() => Object.keys(sessionStorage).filter((key) => key.startsWith('draft:'))"


@dataclass
class DraftForm:
    """One form that keeps a draft: how to reach it, fill it, check it and save it."""

    name: str
    form: str  # selector of the form on its page
    table: str  # the table its save writes, where a fault is injected
    fill: object  # page -> None: types and picks something in every kind of field
    check: object  # page -> None: asserts exactly what ``fill`` left
    saved: object  # () -> bool: the record the save writes exists
    has_cancel: bool = True


def _checked(page, form, name):
    return page.eval_on_selector_all(
        f"{form} input[name='{name}']:checked", "(inputs) => inputs.map((input) => input.value)"
    )


def _fill_quick_log(page):
    page.fill("[name=summary]", "Ringede om uro, nævnte 010190-1234")
    page.check("input[name=acuteness][value='1']")
    page.select_option("[name=channel]", "sms")


def _check_quick_log(page):
    assert page.input_value("[name=summary]") == "Ringede om uro, nævnte 010190-1234"
    # The defect: the last radio of a group came back (3), also when none was chosen.
    assert _checked(page, "form[data-draft]", "acuteness") == ["1"]
    assert page.input_value("[name=channel]") == "sms"


def _fill_arrival(page):
    page.fill("[name=name]", "Ole Testmand")
    page.fill("[name=nickname]", "Ravnen")
    page.fill("[name=stated_age]", "44")


def _check_arrival(page):
    assert page.input_value("[name=name]") == "Ole Testmand"
    assert page.input_value("[name=nickname]") == "Ravnen"
    assert page.input_value("[name=stated_age]") == "44"


def _fill_callback(page):
    page.select_option("[name=kind]", "sms")
    page.fill("[name=phone]", "20304050")
    page.fill("[name=note]", "Skrev om natten")


def _check_callback(page):
    # The number is left out of the draft (tests below): a shared desk's browser keeps no number.
    assert page.input_value("[name=kind]") == "sms"
    assert page.input_value("[name=note]") == "Skrev om natten"


def _fill_contact(page):
    page.select_option("[name=contact-acuteness]", "1")
    reasons = page.eval_on_selector_all(
        "input[name=contact-reasons]", "(inputs) => inputs.map((input) => input.value)"
    )
    page.check(f"input[name=contact-reasons][value='{reasons[1]}']")
    page.uncheck("[name=contact-in_target_group]")
    page.fill("[name=contact-summary]", "Efter samtalen")
    page.fill("[name=conversation-situation]", "Har ikke sovet i tre døgn")


def _check_contact(page):
    assert page.input_value("[name=contact-acuteness]") == "1"
    reasons = page.eval_on_selector_all(
        "input[name=contact-reasons]", "(inputs) => inputs.map((input) => input.value)"
    )
    assert _checked(page, "form[data-draft]", "contact-reasons") == [reasons[1]]
    assert not page.is_checked("[name=contact-in_target_group]")
    assert page.input_value("[name=contact-summary]") == "Efter samtalen"
    assert page.input_value("[name=conversation-situation]") == "Har ikke sovet i tre døgn"


SWEMWBS_ANSWERS = [2, 1, 3, 4, 1, 2, 3]


def _fill_follow_up(page):
    page.check("input[name=outcome][value=reached]")
    for number, answer in enumerate(SWEMWBS_ANSWERS, start=1):
        page.check(f"input[name=item_{number}][value='{answer}']")
    page.fill("[name=note]", "Havde sovet bedre")


def _check_follow_up(page):
    # The defect: "reached" with item 1 = 2 came back as "cancelled" with all seven items = 5.
    assert _checked(page, "form[data-draft]", "outcome") == ["reached"]
    for number, answer in enumerate(SWEMWBS_ANSWERS, start=1):
        assert _checked(page, "form[data-draft]", f"item_{number}") == [str(answer)]
    assert page.input_value("[name=note]") == "Havde sovet bedre"


def _fill_plan(page):
    page.fill("[name=warning_signs]", "Kan ikke sove")
    page.fill("[name=people_to_ask-0-name]", "Søster Mette")
    page.locator("[data-add-row=people_to_ask]").click()
    page.fill("[name=people_to_ask-1-name]", "Nabo Jens")
    page.uncheck("[name=wants_follow_up]")
    page.check("[name=citizen_knows_staff_can_read]")
    page.select_option("[name=follow_up_channel]", "sms")


def _check_plan(page):
    assert page.input_value("[name=warning_signs]") == "Kan ikke sove"
    assert page.input_value("[name=people_to_ask-0-name]") == "Søster Mette"
    assert page.input_value("[name=people_to_ask-1-name]") == "Nabo Jens"
    assert not page.is_checked("[name=wants_follow_up]")
    assert page.is_checked("[name=citizen_knows_staff_can_read]")
    assert page.input_value("[name=follow_up_channel]") == "sms"


def _fill_note(page):
    page.fill("form[data-draft=shift-note] [name=text]", "Ravnen kommer igen i morgen")


def _check_note(page):
    assert page.input_value("form[data-draft=shift-note] [name=text]") == "Ravnen kommer igen i morgen"


FORMS = [
    DraftForm(
        "quick-log",
        "form[data-draft=quick-log]",
        "contacts_contact",
        _fill_quick_log,
        _check_quick_log,
        lambda: Contact.objects.filter(summary__startswith="Ringede om uro").exists(),
    ),
    DraftForm(
        "arrival",
        "form[data-draft=arrival]",
        "contacts_contact",
        _fill_arrival,
        _check_arrival,
        lambda: Contact.objects.filter(person__nickname="Ravnen").exists(),
    ),
    DraftForm(
        "callback",
        "form[data-draft=callback]",
        "contacts_callback",
        _fill_callback,
        _check_callback,
        lambda: Callback.objects.filter(phone_last4="4050").exists(),
    ),
    DraftForm(
        "contact",
        "form[data-draft^=contact-]",
        "contacts_contact",
        _fill_contact,
        _check_contact,
        lambda: Contact.objects.filter(summary="Efter samtalen").exists(),
    ),
    DraftForm(
        "follow-up",
        "form[data-draft^=follow-up-]",
        "crisisplans_followup",
        _fill_follow_up,
        _check_follow_up,
        lambda: FollowUp.objects.filter(status=FollowUpStatus.REACHED).exists(),
    ),
    DraftForm(
        "crisis-plan",
        "form[data-draft^=crisis-plan-]",
        "crisisplans_crisisplan",
        _fill_plan,
        _check_plan,
        lambda: CrisisPlan.objects.exists(),
    ),
    DraftForm(
        "shift-note",
        "form[data-draft=shift-note]",
        "contacts_shiftnote",
        _fill_note,
        _check_note,
        lambda: ShiftNote.objects.filter(text__startswith="Ravnen").exists(),
        has_cancel=False,
    ),
]
FORM_IDS = [spec.name for spec in FORMS]


def _path(spec):
    """The form's page, with what it needs made first."""
    if spec.name == "quick-log":
        return "/contacts/quick/"
    if spec.name == "arrival":
        return "/contacts/arrivals/new/"
    if spec.name == "callback":
        return "/contacts/callbacks/new/"
    if spec.name == "contact":
        # Ended in the past: the form refuses a time in the future.
        started = timezone.now() - datetime.timedelta(hours=1)
        return f"/contacts/{ContactFactory(summary='Før samtalen', acuteness=3, started_at=started).pk}/"
    if spec.name == "follow-up":
        return f"/plans/followups/{FollowUpFactory().pk}/"
    if spec.name == "crisis-plan":
        return f"/plans/contacts/{walk_in_contact(IdentifiedPersonFactory()).pk}/new/"
    return "/contacts/board/"


@pytest.fixture
def staff(db):
    return UserFactory(username="sara", role=Role.STAFF)


def _open(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"


def _fill_and_reload(page, live_server, spec, user):
    log_in_as(page, live_server, user)
    url = live_server.url + _path(spec)
    _open(page, url)
    spec.fill(page)
    return url


def _submit(page, spec):
    with page.expect_navigation():
        page.locator(f"{spec.form} button[type=submit]").last.click()


def _notice(page):
    return page.locator("main [role=status]:has([data-draft-discard])")


def _assert_no_draft_shown(page, spec):
    assert _notice(page).count() == 0
    with pytest.raises(AssertionError):
        spec.check(page)


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_a_reload_restores_every_field_exactly_and_says_so(page, live_server, spec, staff):
    url = _fill_and_reload(page, live_server, spec, staff)
    page.goto(url)
    spec.check(page)
    notice = _notice(page)
    assert re.fullmatch(r"Kladde fra \d\d:\d\d gendannet —\s*Kassér", notice.inner_text().strip())
    # Kassér puts the form back as the server sent it, and the draft is gone for good.
    notice.locator("[data-draft-discard]").click()
    assert _notice(page).count() == 0
    with pytest.raises(AssertionError):
        spec.check(page)
    page.goto(url)
    _assert_no_draft_shown(page, spec)


@pytest.mark.parametrize("spec", [spec for spec in FORMS if spec.has_cancel], ids=lambda spec: spec.name)
def test_cancel_removes_the_draft(page, live_server, spec, staff):
    url = _fill_and_reload(page, live_server, spec, staff)
    with page.expect_navigation():
        page.locator(f"{spec.form} [data-draft-cancel]").click()
    assert page.evaluate(DRAFT_KEYS) == []
    _open(page, url)
    _assert_no_draft_shown(page, spec)


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_logging_out_removes_the_draft(page, live_server, spec, staff):
    url = _fill_and_reload(page, live_server, spec, staff)
    with page.expect_navigation():
        page.get_by_role("button", name="Log ud").click()
    assert "/login/" in page.url
    assert page.evaluate(DRAFT_KEYS) == []
    log_in_as(page, live_server, staff)
    _open(page, url)
    _assert_no_draft_shown(page, spec)


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_the_idle_timeout_removes_the_draft(page, live_server, spec, staff):
    url = _fill_and_reload(page, live_server, spec, staff)
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=cookie["value"])
    session[LAST_ACTIVITY_KEY] = time.time() - (settings.SESSION_IDLE_TIMEOUT_MINUTES + 1) * 60
    session.save()
    page.goto(url)
    assert "/login/" in page.url
    assert page.evaluate(DRAFT_KEYS) == []
    log_in_as(page, live_server, staff)
    _open(page, url)
    _assert_no_draft_shown(page, spec)


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_another_user_at_the_same_tab_never_sees_the_draft(page, live_server, spec, staff):
    url = _fill_and_reload(page, live_server, spec, staff)
    # Another session in the same tab without passing the login page, the worst case.
    log_in_as(page, live_server, UserFactory(username="lene", role=Role.LEADER))
    _open(page, url)
    _assert_no_draft_shown(page, spec)
    log_in_as(page, live_server, staff)
    _open(page, url)
    spec.check(page)


@pytest.fixture
def failing_table():
    """Make every write to a table fail in the database itself, as a fault would."""
    made = []

    def fail(table):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION draft_test_fault() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER draft_test_fault BEFORE INSERT OR UPDATE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION draft_test_fault()"
                )
            else:
                for event in ("INSERT", "UPDATE"):
                    cursor.execute(
                        f"CREATE TRIGGER draft_test_fault_{event.lower()} BEFORE {event} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
                    )
        made.append(table)

    yield fail
    with connection.cursor() as cursor:
        for table in made:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER draft_test_fault ON {table}")
                cursor.execute("DROP FUNCTION draft_test_fault()")
            else:
                cursor.execute("DROP TRIGGER draft_test_fault_insert")
                cursor.execute("DROP TRIGGER draft_test_fault_update")


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_a_failed_save_keeps_the_draft(page, live_server, spec, staff, failing_table):
    url = _fill_and_reload(page, live_server, spec, staff)
    failing_table(spec.table)
    with page.expect_navigation() as navigation:
        page.locator(f"{spec.form} button[type=submit]").last.click()
    assert navigation.value.status == 500
    assert not spec.saved()
    _open(page, url)
    spec.check(page)
    assert _notice(page).count() == 1


@pytest.mark.parametrize("spec", FORMS, ids=FORM_IDS)
def test_a_confirmed_save_removes_the_draft(page, live_server, spec, staff):
    url = _fill_and_reload(page, live_server, spec, staff)
    _submit(page, spec)
    assert spec.saved()
    assert page.locator(".alert-success").count() == 1
    assert page.evaluate(DRAFT_KEYS) == []
    if spec.name not in {"contact", "follow-up"}:  # those pages show what was saved
        _open(page, url)
        _assert_no_draft_shown(page, spec)


def test_a_form_sent_back_with_errors_keeps_the_draft_and_shows_what_was_sent(page, live_server, staff):
    log_in_as(page, live_server, staff)
    _open(page, f"{live_server.url}/contacts/quick/")
    page.fill("[name=summary]", "Ringede om uro")  # no acuteness: refused
    with page.expect_navigation():
        page.locator("form[data-draft=quick-log] button[type=submit]").click()
    assert page.locator(".invalid-feedback, .alert-danger").count() >= 1
    assert page.input_value("[name=summary]") == "Ringede om uro"
    assert page.evaluate(DRAFT_KEYS) == [f"draft:{staff.pk}:quick-log"]
    assert not Contact.objects.exists()


def test_a_radio_group_left_empty_comes_back_empty(page, live_server, staff):
    log_in_as(page, live_server, staff)
    _open(page, f"{live_server.url}/contacts/quick/")
    page.fill("[name=summary]", "Ringede om uro")
    page.reload()
    assert page.input_value("[name=summary]") == "Ringede om uro"
    assert _checked(page, "form[data-draft]", "acuteness") == []


def test_a_typed_phone_number_is_never_kept_in_a_draft(page, live_server, staff):
    log_in_as(page, live_server, staff)
    url = live_server.url + "/contacts/callbacks/new/"
    _open(page, url)
    _fill_callback(page)
    page.goto(url)
    stored = page.evaluate(
        "() => Object.keys(sessionStorage).filter((key) => key.startsWith('draft:'))"
        ".map((key) => sessionStorage.getItem(key)).join(' ')"
    )
    assert "Skrev om natten" in stored
    assert "20304050" not in stored
    assert page.input_value("[name=phone]") == ""
