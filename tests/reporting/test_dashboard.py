import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Channel
from reporting.models import CostCategory
from tests.factories import ContactFactory, PersonFactory

from .dataset import build, utc
from .factories import CostEntryFactory

DASHBOARD = reverse("reporting:dashboard")
WEEK = {"preset": "custom", "start": "2026-10-25", "end": "2026-10-31"}


@pytest.fixture
def dataset(db):
    return build()


def _figure(response, key):
    for _heading, figures in response.context["sections"]:
        for figure in figures:
            if figure.key == key:
                return figure
    raise KeyError(key)


def test_dashboard_shows_period_beside_the_previous_one(leader_client, dataset):
    response = leader_client.get(DASHBOARD, WEEK)
    assert response.status_code == 200
    contacts_row = _figure(response, "overview").rows[0]
    assert contacts_row[1:] == [7, 1]
    assert response.context["previous"].start == datetime.date(2026, 10, 18)
    content = response.content.decode()
    assert '<script id="dashboard-data" type="application/json">' in content
    island = content.split('<script id="dashboard-data" type="application/json">')[1].split("</script>")[0]
    data = json.loads(island)
    channels = next(figure for figure in data["figures"] if figure["key"] == "channels")
    assert [series["data"] for series in channels["series"]] == [[3, 1, 2, 1], [1, 0, 0, 0]]


def test_every_figure_has_a_table_with_caption_and_a_csv_link(leader_client, dataset):
    response = leader_client.get(DASHBOARD, WEEK)
    content = response.content.decode()
    keys = [figure.key for _heading, figures in response.context["sections"] for figure in figures]
    assert len(keys) == len(set(keys)) == 20
    for key in keys:
        assert f"figure={key}&amp;" in content
    assert content.count("<caption>") == 20
    assert content.count("<details") == sum(
        1
        for _heading, figures in response.context["sections"]
        for figure in figures
        if figure.chart in {"bar", "line"}
    )


def test_figure_csv_holds_the_tables_numbers(leader_client, dataset):
    response = leader_client.get(reverse("reporting:figure_csv"), {**WEEK, "figure": "channels"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][1:] == ["25.10.2026–31.10.2026", "18.10.2026–24.10.2026"]
    assert [row[1:] for row in rows[1:]] == [["3", "1"], ["1", "0"], ["2", "0"], ["1", "0"]]


def test_figure_csv_of_an_unknown_figure_is_not_found(leader_client, db):
    assert leader_client.get(reverse("reporting:figure_csv"), {"figure": "nope"}).status_code == 404


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC))
@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("last_30_days", datetime.date(2026, 10, 22), datetime.date(2026, 11, 21)),
        ("this_month", datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)),
        ("last_month", datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)),
        ("this_quarter", datetime.date(2026, 10, 1), datetime.date(2027, 1, 1)),
        ("this_year", datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)),
    ],
)
def test_presets(leader_client, preset, start, end):
    period = leader_client.get(DASHBOARD, {"preset": preset}).context["board"].chosen
    assert (period.start, period.end) == (start, end)


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC))
@pytest.mark.parametrize(
    "query",
    [
        {"preset": "custom", "start": "2026-13-01", "end": "2026-10-31"},
        {"preset": "custom", "start": "2026-10-31", "end": "2026-10-01"},
        {"preset": "custom", "start": "2026-10-01"},
        {"preset": "next_century"},
    ],
)
def test_bad_period_shows_a_form_error_and_the_default_preset(leader_client, query):
    response = leader_client.get(DASHBOARD, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["period"].start == datetime.date(2026, 10, 22)
    assert "invalid-feedback" in response.content.decode()


def _contacts(count):
    """Contacts spread over persons, channels and hours, so every figure has rows to count."""
    persons = PersonFactory.create_batch(5)
    for number in range(count):
        ContactFactory(
            started_at=utc(2026, 10, 26, number % 24, 0),
            person=persons[number % 5] if number % 3 else None,
            channel=[Channel.PHONE, Channel.WALK_IN, Channel.OUTREACH][number % 3],
        )


@pytest.mark.parametrize("count", [10, 300])
def test_dashboard_query_count_does_not_grow_with_contacts(
    leader_client, django_assert_max_num_queries, count
):
    _contacts(count)
    # 57 to read the figures, 43 to count the day's records into the summaries and roll up its
    # month first, 1 for e-mails the outbox gave up on, and 12 for the phone line's figures (the
    # phone-line settings, created on first read; per period its calls by hour, by wait and
    # those still live, and its call-backs kept).
    with django_assert_max_num_queries(113):
        response = leader_client.get(DASHBOARD, WEEK)
    assert _figure(response, "overview").rows[0][1] == count


def test_dashboard_runs_the_same_queries_for_10_and_300_contacts(leader_client):
    leader_client.get(DASHBOARD, WEEK)
    counts = []
    for batch in (10, 290):
        _contacts(batch)
        with CaptureQueriesContext(connection) as queries:
            leader_client.get(DASHBOARD, WEEK)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_staff_and_evaluator_cannot_see_the_dashboard(staff_client, evaluator_client):
    assert staff_client.get(DASHBOARD).status_code == 403
    assert evaluator_client.get(DASHBOARD).status_code == 403
    assert evaluator_client.get(reverse("reporting:figure_csv"), {"figure": "overview"}).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, db):
    for url in (DASHBOARD, reverse("reporting:figure_csv")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


REPORT = reverse("reporting:monthly_report")
OCTOBER = {"preset": "custom", "start": "2026-10-01", "end": "2026-10-31"}


def _row(figure, label):
    return next(row for row in figure.rows if row[0] == label)


def test_the_headline_shows_the_detail_figures_for_both_periods(leader_client, dataset):
    response = leader_client.get(DASHBOARD, WEEK)
    headline = {item.key: item for item in response.context["headline"]}
    assert list(headline) == ["contacts", "phone", "beds", "follow_ups", "wellbeing", "costs"]
    details = {
        "contacts": _row(_figure(response, "overview"), "Henvendelser"),
        "phone": _row(_figure(response, "calls"), "Serviceniveau (%)"),
        "beds": _row(_figure(response, "beds"), "Belægning (%)"),
        "follow_ups": _row(_figure(response, "follow_ups"), "Udført til tiden (%)"),
        "wellbeing": _row(_figure(response, "wellbeing"), "Gennemsnitlig ændring"),
        "costs": _row(_figure(response, "costs"), "Udgift pr. henvendelse"),
    }
    for key, row in details.items():
        assert [headline[key].current, headline[key].previous] == row[1:], key
    assert headline["contacts"].current == 7
    assert headline["costs"].current == 12500


def test_figures_are_shown_with_danish_thousands_separators(leader_client, dataset):
    CostEntryFactory(
        month=datetime.date(2026, 10, 1), category=CostCategory.OTHER, amount=Decimal("1198400.00")
    )
    content = leader_client.get(DASHBOARD, OCTOBER).content.decode()
    # 1,298,400 kr of running costs over October's 8 contacts.
    assert '<td class="text-end">1.298.400</td>' in content
    assert "162.300 kr" in content


def test_the_monthly_report_shows_the_dashboards_figures_for_the_month(leader_client, dataset):
    board = leader_client.get(DASHBOARD, OCTOBER)
    report = leader_client.get(REPORT, {"month": "2026-10"})
    assert report.status_code == 200
    assert report.context["period"] == board.context["period"]
    assert report.context["previous"] == board.context["previous"]
    assert report.context["headline"] == board.context["headline"]
    report_figures = [figure.rows for _heading, figures in report.context["sections"] for figure in figures]
    board_figures = [figure.rows for _heading, figures in board.context["sections"] for figure in figures]
    assert report_figures == board_figures
    content = report.content.decode()
    for item in board.context["headline"]:
        assert f'data-headline="{item.key}"' in content
    assert "Forrige periode:" in content
    assert "01.09.2026–30.09.2026" in content


def test_the_monthly_report_with_a_bad_month_shows_a_form_error(leader_client, db):
    for month in ("2026-13", "2999-01", "<b>"):
        response = leader_client.get(REPORT, {"month": month})
        assert response.status_code == 200
        assert response.context["form"].errors


def test_the_monthly_report_is_for_the_leader_only(staff_client, evaluator_client):
    assert staff_client.get(REPORT).status_code == 403
    assert evaluator_client.get(REPORT).status_code == 403


def test_an_anonymous_visitor_to_the_monthly_report_is_sent_to_login(client, db):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_cost_list_groups_thousands(leader_client, db):
    CostEntryFactory(
        month=datetime.date(2026, 10, 1), category=CostCategory.SALARIES, amount=Decimal("1298400")
    )
    content = leader_client.get(reverse("reporting:costs"), {"year": "2026"}).content.decode()
    assert "1.298.400,00" in content
