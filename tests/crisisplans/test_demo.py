import io
import random

import pytest
from django.core import mail
from django.db.models import Count

from contacts import demo as contacts_demo
from crisisplans import demo
from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus, Occasion, Reminder, WellbeingScore
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_demo_has_plans_follow_ups_in_every_state_paired_scores_and_runs_once():
    users = {name: UserFactory(username=name) for name in ["staff", "staff2"]}
    contacts_demo.seed(rng=random.Random(82), users=users, stdout=io.StringIO())

    demo.seed(rng=random.Random(82), users=users, stdout=io.StringIO())

    plans = CrisisPlan.objects.all()
    assert plans.count() > 20
    assert all(plan.person.has_cpr for plan in plans.select_related("person"))
    assert not plans.filter(contact__isnull=True).exists()
    assert set(FollowUp.objects.values_list("status", flat=True)) == set(FollowUpStatus.values)
    assert plans.filter(version__gt=1).exists()
    assert Reminder.objects.exists()
    follow_up_scores = WellbeingScore.objects.filter(occasion=Occasion.FOLLOW_UP)
    assert follow_up_scores.exists()
    for score in follow_up_scores:
        assert WellbeingScore.objects.filter(person=score.person, occasion=Occasion.CONTACT).exists()
    assert mail.outbox == []

    counts = (CrisisPlan.objects.count(), WellbeingScore.objects.count(), Reminder.objects.count())
    output = io.StringIO()
    demo.seed(rng=random.Random(1), users=users, stdout=output)
    assert "skipped" in output.getvalue()
    assert (CrisisPlan.objects.count(), WellbeingScore.objects.count(), Reminder.objects.count()) == counts
    assert not FollowUp.objects.values("plan").annotate(n=Count("id")).filter(n__gt=1).exists()
