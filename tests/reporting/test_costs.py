import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.models import CostCategory, CostEntry
from tests.helpers import with_token

from .factories import CostEntryFactory

COSTS = reverse("reporting:costs")
CREATE = reverse("reporting:cost_create")


def test_leader_adds_a_cost_for_a_month_stored_as_its_first_day(leader_client, leader_user):
    response = leader_client.post(
        CREATE, with_token({"month": "2026-10", "category": "rent", "amount": "12500.50", "note": "Husleje"})
    )
    assert response.status_code == 302
    assert response["Location"] == f"{COSTS}?year=2026"
    entry = CostEntry.objects.get()
    assert (entry.month, entry.category, entry.amount, entry.created_by) == (
        datetime.date(2026, 10, 1),
        "rent",
        Decimal("12500.50"),
        leader_user,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"month": "10-2026", "category": "rent", "amount": "100"}, "month"),
        ({"month": "2026-13", "category": "rent", "amount": "100"}, "month"),
        ({"month": "2026-10", "category": "rent", "amount": "-5"}, "amount"),
        ({"month": "2026-10", "category": "bribes", "amount": "100"}, "category"),
        ({"month": "2026-10", "category": "rent", "amount": "mange"}, "amount"),
    ],
)
def test_bad_cost_input_is_a_form_error_that_keeps_the_typing(leader_client, data, field):
    response = leader_client.post(CREATE, with_token(data))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert data["month"] in response.content.decode()
    assert not CostEntry.objects.exists()


def test_cost_list_shows_establishment_apart_from_running_costs(leader_client):
    month = datetime.date(2026, 10, 1)
    CostEntryFactory(month=month, category=CostCategory.SALARIES, amount=Decimal("90000"))
    CostEntryFactory(month=month, category=CostCategory.RENT, amount=Decimal("10000"))
    CostEntryFactory(month=month, category=CostCategory.ESTABLISHMENT, amount=Decimal("50000"))
    CostEntryFactory(month=datetime.date(2025, 10, 1), category=CostCategory.RENT, amount=Decimal("1"))
    response = leader_client.get(COSTS, {"year": "2026"})
    assert response.status_code == 200
    [october] = response.context["months"]
    assert october["running_total"] == Decimal("100000")
    assert october["establishment_total"] == Decimal("50000")
    assert [entry.category for entry in october["establishment"]] == ["establishment"]
    assert len(october["running"]) == 2
    assert "?year=2027" in response.content.decode()


def test_cost_list_ignores_a_year_that_does_not_parse(leader_client):
    response = leader_client.get(COSTS, {"year": "drop table"})
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


def test_leader_edits_and_deletes_a_cost(leader_client):
    entry = CostEntryFactory(month=datetime.date(2026, 10, 1), amount=Decimal("10"))
    edit = reverse("reporting:cost_edit", args=[entry.pk])
    assert leader_client.get(edit).status_code == 200
    assert 'value="2026-10"' in leader_client.get(edit).content.decode()
    response = leader_client.post(edit, {"month": "2026-11", "category": "training", "amount": "20"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.month, entry.category, entry.amount) == (
        datetime.date(2026, 11, 1),
        "training",
        Decimal("20"),
    )
    delete = reverse("reporting:cost_delete", args=[entry.pk])
    assert leader_client.get(delete).status_code == 200
    assert leader_client.post(delete).status_code == 302
    assert not CostEntry.objects.exists()


def test_editing_a_missing_cost_is_not_found(leader_client):
    assert leader_client.get(reverse("reporting:cost_edit", args=[999])).status_code == 404


def test_only_leaders_reach_costs(staff_client, evaluator_user, client):
    entry = CostEntryFactory()
    urls = [
        COSTS,
        CREATE,
        reverse("reporting:cost_edit", args=[entry.pk]),
        reverse("reporting:cost_delete", args=[entry.pk]),
    ]
    for url in urls:
        assert staff_client.get(url).status_code == 403
    client.force_login(evaluator_user)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(urls[-1]).status_code == 403
    assert CostEntry.objects.exists()


def test_anonymous_visitor_is_sent_to_login_from_costs(client, db):
    response = client.get(COSTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("count", [10, 200])
def test_cost_list_query_count_does_not_grow(leader_client, django_assert_max_num_queries, count):
    for number in range(count):
        CostEntryFactory(month=datetime.date(2026, number % 12 + 1, 1))
    with django_assert_max_num_queries(10):
        leader_client.get(COSTS, {"year": "2026"})
