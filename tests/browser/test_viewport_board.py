"""The shift board on the night shift's screens: everything the night needs without scrolling.

Named to run after the tests that restore a serialized database (test_shift, test_screenshots).
"""

import datetime

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from contacts.models import Channel, Contact
from tests.crisisplans.factories import FollowUpFactory, PlanFactory
from tests.factories import (
    CallbackFactory,
    ContactFactory,
    PersonFactory,
    ShiftNoteFactory,
    StayFactory,
    UserFactory,
)

from .conftest import log_in_as

pytestmark = pytest.mark.django_db(transaction=True)

# The sections the night needs at a glance; today's contacts may follow below the fold.
ABOVE_THE_FOLD = ["waiting", "callbacks", "beds", "followups", "notes"]


def _a_busy_night():
    now = timezone.now()
    for number in range(8):
        Contact.objects.create(
            channel=Channel.WALK_IN,
            started_at=now - datetime.timedelta(minutes=10 + number),
            person=PersonFactory(name=f"Fremmødt {number}"),
        )
    for _ in range(8):
        CallbackFactory(received_at=now - datetime.timedelta(hours=3))
    for bed in (1, 3):
        StayFactory(bed=bed, check_in=now - datetime.timedelta(hours=1), check_out=None)
    for number in range(8):
        FollowUpFactory(
            plan=PlanFactory(person=PersonFactory(name=f"Forsinket {number}")),
            due_at=now - datetime.timedelta(days=2),
        )
        FollowUpFactory(plan=PlanFactory(person=PersonFactory(name=f"Frist {number}")), due_at=now)
    author = UserFactory()
    for number in range(8):
        ShiftNoteFactory(author=author, text=f"Overlevering nummer {number}: bed 2 gøres klar til natten")
    for _ in range(20):
        ContactFactory()


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_the_nights_sections_lie_within_the_viewport_and_the_navigation_on_one_line(
    live_server, browser, browser_context_args, width, height, role
):
    _a_busy_night()
    user = UserFactory(first_name="Sara", last_name="Skovgaard", role=role)
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": width, "height": height}})
    page = context.new_page()
    log_in_as(page, live_server, user)
    page.goto(f"{live_server.url}/contacts/board/")
    page.wait_for_selector("#board-followups ul")
    for name in ABOVE_THE_FOLD:
        box = page.locator(f"section[aria-labelledby={name}-heading]").bounding_box()
        assert box is not None, name
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (name, box, height)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box, width)
    nav_items = page.locator("#main-nav > ul > li").evaluate_all(
        "items => items.map(item => item.getBoundingClientRect().top)"
    )
    assert len(set(nav_items)) == 1, nav_items
    navbar = page.locator("header nav").bounding_box()
    assert navbar["height"] < 70, navbar
    assert page.evaluate("window.scrollY") == 0
    context.close()
