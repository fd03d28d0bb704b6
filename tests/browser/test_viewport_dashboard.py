"""The leader's dashboard opens with its headline row whole on a 1366×768 screen.

Named to run after the tests that restore a serialized database (test_shift, test_screenshots).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from reporting.models import CostCategory
from tests.factories import ContactFactory, PersonFactory, StayFactory, UserFactory
from tests.reporting.factories import CostEntryFactory

from .conftest import log_in_as

pytestmark = pytest.mark.django_db(transaction=True)

HEADLINE = ["contacts", "phone", "beds", "follow_ups", "wellbeing", "costs"]


def test_the_headline_figures_lie_in_one_row_within_the_viewport(live_server, browser, browser_context_args):
    now = timezone.now()
    for number in range(30):
        ContactFactory(started_at=now - datetime.timedelta(days=number % 28, hours=1), person=PersonFactory())
    StayFactory(check_in=now - datetime.timedelta(days=3), check_out=now - datetime.timedelta(days=1))
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    CostEntryFactory(month=last_month, category=CostCategory.SALARIES, amount=Decimal("1298400.00"))
    user = UserFactory(first_name="Lene", last_name="Leder", role=Role.LEADER)
    width, height = 1366, 768
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": width, "height": height}})
    page = context.new_page()
    log_in_as(page, live_server, user)
    page.goto(f"{live_server.url}/reporting/dashboard/")
    row = page.locator("[data-testid=headline]").bounding_box()
    assert row is not None
    assert row["y"] >= 0 and row["y"] + row["height"] <= height, row
    tops = set()
    for key in HEADLINE:
        box = page.locator(f"[data-headline={key}]").bounding_box()
        assert box is not None, key
        assert box["y"] + box["height"] <= height, (key, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (key, box)
        tops.add(round(box["y"]))
    assert len(tops) == 1, tops
    assert page.evaluate("window.scrollY") == 0
    context.close()
