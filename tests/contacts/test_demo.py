import io
import random

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from contacts import demo
from contacts.models import Callback, Channel, Contact, Direction, Person, Stay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _seed():
    users = {
        "staff": UserFactory(username="staff", role=Role.STAFF),
        "staff2": UserFactory(username="staff2"),
    }
    output = io.StringIO()
    demo.seed(rng=random.Random(82), users=users, stdout=output)
    return output.getvalue()


def test_demo_data_is_shaped_like_the_guide_and_seeds_once():
    _seed()
    incoming = Contact.objects.filter(direction=Direction.INCOMING)
    total = incoming.count()
    assert 1000 < total < 3000
    assert 0.65 < incoming.filter(channel=Channel.PHONE).count() / total < 0.85
    assert 0.12 < incoming.filter(channel=Channel.WALK_IN).count() / total < 0.28
    hours = [timezone.localtime(started).hour for started in incoming.values_list("started_at", flat=True)]
    evening = sum(15 <= hour <= 22 for hour in hours)
    night = sum(hour <= 5 for hour in hours)
    assert evening > total / 2 > night
    assert Person.objects.exclude(cpr_index=None).exists() and Person.objects.filter(cpr_index=None).exists()
    assert Callback.objects.overdue(timezone.now()).count() == 1
    assert Callback.objects.open().count() > 1
    stays = list(Stay.objects.all())
    assert stays
    for stay in stays:
        assert (
            not Stay.objects.filter(bed=stay.bed)
            .overlapping(stay.check_in, stay.check_out)
            .exclude(pk=stay.pk)
            .exists()
        )

    assert "skipped" in _seed()
    assert Contact.objects.filter(direction=Direction.INCOMING).count() == total
