"""The leader's dashboard opens with its headline row whole on a 1366×768 screen, and its charts
draw their labels whole.

Named to run after the tests that restore a serialized database (test_shift, test_screenshots).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from reporting.models import CostCategory
from tests.factories import ContactFactory, PersonFactory, StayFactory, UserFactory
from tests.reporting.dataset import build as build_dataset
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


# For each chart: its category axis and labels as drawn (each label's widest line's left and right
# edge), and the canvas's size.
CHART_LABELS = """() => Array.from(document.querySelectorAll(".reporting-chart canvas")).map(canvas => {
  const chart = Chart.getChart(canvas);
  const scale = chart.options.indexAxis === "y" ? chart.scales.y : chart.scales.x;
  const context = chart.ctx;
  return {
    key: canvas.id,
    width: chart.width,
    height: chart.height,
    axis: scale.axis,
    labels: scale.getLabelItems().map(item => {
      context.font = item.font.string;
      const lines = [].concat(item.label);
      const [x, y] = item.options.translation;
      const widest = Math.max(...lines.map(line => context.measureText(line).width));
      const align = item.options.textAlign;
      const left = align === "center" ? x - widest / 2 : align === "right" ? x - widest : x;
      return {text: lines.join(" "), left: left, right: left + widest, y: y};
    }),
  };
})"""


def test_chart_labels_are_drawn_whole_inside_their_charts(live_server, browser, browser_context_args):
    build_dataset()
    user = UserFactory(role=Role.LEADER)
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": 1366, "height": 768}})
    page = context.new_page()
    log_in_as(page, live_server, user)
    page.goto(f"{live_server.url}/reporting/dashboard/?preset=custom&start=2026-10-01&end=2026-10-31")
    charts = page.evaluate(CHART_LABELS)
    assert len(charts) >= 8
    texts = []
    for chart in charts:
        for label in chart["labels"]:
            assert label["left"] >= 0 and label["right"] <= chart["width"], (chart["key"], label)
            assert 0 <= label["y"] <= chart["height"], (chart["key"], label)
            texts.append(label["text"])
        if chart["axis"] == "x":
            # Side by side under their bars: neither runs into the next.
            edges = sorted((label["left"], label["right"]) for label in chart["labels"])
            for (_left, right), (next_left, _right) in zip(edges, edges[1:], strict=False):
                assert right <= next_left, (chart["key"], edges)
    # The longest acuteness label is drawn in full, over several lines.
    assert any(text.startswith("1 – selvmordstruet") and text.endswith("indlæggelse") for text in texts), (
        texts
    )
    context.close()


# A4's width less the print stylesheet's 18 mm margins, in CSS pixels (96 per inch).
A4_PRINTABLE_WIDTH = round((210 - 2 * 18) / 25.4 * 96)


def test_the_monthly_report_prints_within_an_a4_page(live_server, browser, browser_context_args):
    build_dataset()
    user = UserFactory(role=Role.LEADER)
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": A4_PRINTABLE_WIDTH, "height": 900}}
    )
    page = context.new_page()
    log_in_as(page, live_server, user)
    page.goto(f"{live_server.url}/reporting/dashboard/monthly-report/?month=2026-10")
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator(".reporting-report form").is_visible()
    assert page.locator("[data-headline=costs] [data-value=current]").inner_text() == "12.500 kr"
    # Nothing runs past the page's right edge: every table fits the printable width.
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_PRINTABLE_WIDTH
    overflowing = page.evaluate(
        """width => Array.from(document.querySelectorAll(".reporting-report table"))
            .filter(table => table.getBoundingClientRect().right > width).map(table => table.closest("[id]").id)""",
        A4_PRINTABLE_WIDTH,
    )
    assert overflowing == []
    assert page.pdf(format="A4")[:4] == b"%PDF"
    context.close()
