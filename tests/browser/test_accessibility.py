"""WCAG 2.1 AA in a real browser: axe-core on the key pages, labels, announced errors, visible focus."""

import datetime

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from contacts.models import Channel
from contacts.services import contacts as contact_services
from contacts.services import stays as stay_services
from crisisplans import services as plan_services
from tests.crisisplans.factories import SECTIONS, IdentifiedPersonFactory
from tests.factories import ContactFactory, UserFactory

from .conftest import log_in_as, run_axe

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def shift(db):
    """A day at the service: an anonymous call, a walk-in with a plan and a follow-up, a bed taken."""
    users = {
        role: UserFactory(username=username, role=role)
        for username, role in (("sara", Role.STAFF), ("lene", Role.LEADER), ("erik", Role.EVALUATOR))
    }
    staff = users[Role.STAFF]
    now = timezone.now()
    ContactFactory(staff=staff, started_at=now - datetime.timedelta(hours=1), summary="Anonymt opkald")
    person = IdentifiedPersonFactory(nickname="Jonas")
    walk_in = ContactFactory(
        staff=staff, person=person, channel=Channel.WALK_IN, started_at=now - datetime.timedelta(hours=2)
    )
    contact_services.save_conversation(
        contact=walk_in, user=staff, texts={"situation": "Har ikke sovet", "agreed": "Bliver i nat"}
    )
    plan = plan_services.create_plan(
        person=person,
        contact=walk_in,
        user=staff,
        now=now - datetime.timedelta(days=5, hours=1),
        sections=dict(SECTIONS),
        self_rating={"network": {"rating": 2, "goal": "Ringe til Anne"}},
        wants_follow_up=True,
        follow_up_channel="phone",
        follow_up_time_of_day="afternoon",
        citizen_knows_staff_can_read=True,
        internal_note="",
    )
    stay_services.book_stay(person=person, bed=1, check_in=now - datetime.timedelta(hours=1), user=staff)
    return {"users": users, "person": person, "walk_in": walk_in, "plan": plan}


PAGES = {
    "board": (Role.STAFF, "/contacts/board/"),
    "quick log": (Role.STAFF, "/contacts/quick/"),
    "arrival": (Role.STAFF, "/contacts/arrivals/new/"),
    "contact page": (Role.STAFF, "/contacts/{walk_in}/"),
    "person page": (Role.STAFF, "/contacts/persons/{person}/"),
    "plan form": (Role.STAFF, "/plans/contacts/{walk_in}/new/"),
    "plan page": (Role.STAFF, "/plans/{plan}/"),
    "print view": (Role.STAFF, "/plans/{plan}/print/"),
    "follow-up worklist": (Role.STAFF, "/plans/followups/"),
    "follow-up record": (Role.STAFF, "/plans/followups/{follow_up}/"),
    "partners": (Role.STAFF, "/partners/"),
    "billing statement": (Role.LEADER, "/partners/billing/"),
    "dashboard": (Role.LEADER, "/reporting/dashboard/"),
    "exports (leader)": (Role.LEADER, "/reporting/exports/"),
    "exports (evaluator)": (Role.EVALUATOR, "/reporting/exports/"),
}


def _url(live_server, shift, path):
    plan = shift["plan"]
    ids = {"walk_in": shift["walk_in"].pk, "person": shift["person"].pk, "plan": plan.pk}
    return live_server.url + path.format(follow_up=plan.follow_up.pk, **ids)


def test_login_page_has_no_serious_violations(live_server, page):
    page.goto(f"{live_server.url}/login/")
    violations = run_axe(page)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("name", list(PAGES))
def test_key_page_has_no_serious_violations(live_server, page, shift, name):
    role, path = PAGES[name]
    log_in_as(page, live_server, shift["users"][role])
    response = page.goto(_url(live_server, shift, path))
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    violations = run_axe(page)
    assert violations == [], "\n".join(violations)


FORMS = {
    "login": "/login/",
    "quick log": "/contacts/quick/",
    "arrival": "/contacts/arrivals/new/",
    "contact page": "/contacts/{walk_in}/",
    "plan form": "/plans/contacts/{walk_in}/new/",
    "identify": "/contacts/persons/{person}/identify/",
}


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_field_has_a_label(live_server, page, shift, name):
    if name != "login":
        log_in_as(page, live_server, shift["users"][Role.STAFF])
    page.goto(_url(live_server, shift, FORMS[name]))
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll("main form input, main form select, main form textarea"))
            // A submit input is named by its value, as a button by its text.
            .filter((field) => !["hidden", "submit", "button", "reset"].includes(field.type))
            .filter((field) => field.labels.length === 0 && !field.getAttribute("aria-label"))
            .map((field) => field.name)"""
    )
    assert unlabelled == []
    assert page.locator("main form input:not([type=hidden])").count() > 0


@pytest.mark.parametrize(
    "name, field",
    [("quick log", "summary"), ("arrival", "stated_age"), ("identify", "cpr"), ("login", "username")],
)
def test_errors_are_tied_to_their_field_and_announced(live_server, page, shift, name, field):
    if name != "login":
        log_in_as(page, live_server, shift["users"][Role.STAFF])
    page.goto(_url(live_server, shift, FORMS[name]))
    if name == "arrival":
        page.fill("#id_stated_age", "200")
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()
    invalid = page.locator(f"main form [name={field}]")
    assert invalid.get_attribute("aria-invalid") == "true"
    described_by = (invalid.get_attribute("aria-describedby") or "").split()
    messages = [page.locator(f"[id='{element_id}']").inner_text().strip() for element_id in described_by]
    assert any(messages), f"no error text tied to {field}: {described_by}"
    announced = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                "main [role=alert], main [aria-live=assertive], main [aria-live=polite]"))
            .filter((region) => region.checkVisibility())
            .map((region) => region.innerText.trim()).filter(Boolean)"""
    )
    assert announced, "the errors are announced to screen readers when the page loads"
    violations = run_axe(page)
    assert violations == [], "\n".join(violations)


def test_focus_is_visible_on_fields_buttons_and_links(live_server, page, shift):
    log_in_as(page, live_server, shift["users"][Role.STAFF])
    page.goto(f"{live_server.url}/contacts/quick/")
    seen = {}
    for _step in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const element = document.activeElement;
                const style = getComputedStyle(element);
                return {
                    tag: element.tagName.toLowerCase(),
                    type: element.type || "",
                    outline: style.outlineStyle,
                    width: parseFloat(style.outlineWidth),
                };
            }"""
        )
        seen.setdefault((focused["tag"], focused["type"]), focused)
    seen.pop(("body", ""), None)  # past the last control
    kinds = {tag for tag, _type in seen}
    assert {"input", "select", "button", "a"} <= kinds, seen
    hidden_focus = [
        focused for focused in seen.values() if focused["outline"] == "none" or focused["width"] < 2
    ]
    assert hidden_focus == []
