"""Generated load data: realistic whatever the database already holds."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from bench.load_data import generate
from contacts.models import Stay
from reporting.care_figures import beds
from reporting.periods import Period

# Not in a test transaction: on PostgreSQL the generator ends with VACUUM, as after a real load.
pytestmark = pytest.mark.django_db(transaction=True)


def test_generated_stays_fill_60_to_80_percent_of_the_nights_after_the_demo_data():
    # The demo's stays reach up to today; generated stays used to begin only after the last one.
    call_command("seed_demo", stdout=io.StringIO())
    demo_stays = Stay.objects.count()
    assert demo_stays

    generate(contacts=3000, seed=3, stdout=io.StringIO())

    today = timezone.localdate()
    span = Period(today - datetime.timedelta(days=100), today)  # the 100 days 3,000 contacts span
    occupancy = beds(span, today=today)["occupancy"]
    assert 0.60 <= occupancy <= 0.80
    # No bed holds two stays at once, the demo's included.
    stays = sorted(Stay.objects.values_list("bed", "check_in", "check_out"))
    for (bed, _check_in, check_out), (next_bed, next_check_in, _) in zip(stays, stays[1:], strict=False):
        if bed == next_bed:
            assert check_out is not None and check_out <= next_check_in
