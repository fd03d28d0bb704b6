import io
import random

from django.db.models import Count

from akuttilbud.models import Role
from reporting import demo
from reporting.models import CostCategory, CostEntry
from tests.factories import UserFactory


def test_demo_costs_cover_every_category_each_month_with_one_establishment_cost_and_are_idempotent(db):
    users = {"leader": UserFactory(username="leader", role=Role.LEADER)}
    demo.seed(rng=random.Random(1), users=users, stdout=io.StringIO())
    first_count = CostEntry.objects.count()
    demo.seed(rng=random.Random(2), users=users, stdout=io.StringIO())
    assert CostEntry.objects.count() == first_count
    assert CostEntry.objects.filter(category=CostCategory.ESTABLISHMENT).count() == 1
    running_per_month = CostEntry.objects.running().values("month").annotate(categories=Count("category"))
    assert len(running_per_month) >= 4
    assert {row["categories"] for row in running_per_month} == {len(CostCategory) - 1}
