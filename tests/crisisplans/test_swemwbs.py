from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crisisplans.models import Occasion, WellbeingScore
from crisisplans.services import record_wellbeing_score
from crisisplans.swemwbs import clean_answers, metric_score
from tests.crisisplans.factories import IdentifiedPersonFactory

# The published Rasch conversion table (Stewart-Brown et al. 2009), typed in from the source.
PUBLISHED_TABLE = """
7 7.00   8 9.51   9 11.25  10 12.40 11 13.33 12 14.08 13 14.75 14 15.32 15 15.84 16 16.36
17 16.88 18 17.43 19 17.98 20 18.59 21 19.25 22 19.98 23 20.73 24 21.54 25 22.35 26 23.21
27 24.11 28 25.03 29 26.02 30 27.03 31 28.13 32 29.31 33 30.70 34 32.55 35 35.00
"""


def _published():
    numbers = PUBLISHED_TABLE.split()
    return {int(raw): Decimal(metric) for raw, metric in zip(numbers[::2], numbers[1::2], strict=True)}


def test_the_table_has_all_29_raw_scores():
    assert sorted(_published()) == list(range(7, 36))


@pytest.mark.parametrize(("raw", "metric"), sorted(_published().items()))
def test_each_raw_score_converts_to_the_published_metric_score(raw, metric):
    assert metric_score(raw) == metric


@pytest.mark.parametrize("raw", [6, 36, 0])
def test_raw_scores_outside_the_table_are_refused(raw):
    with pytest.raises(ValueError, match="out of range"):
        metric_score(raw)


def test_seven_valid_answers_are_cleaned_to_numbers():
    assert clean_answers({f"item_{i}": str(i % 5 + 1) for i in range(1, 8)}) == [2, 3, 4, 5, 1, 2, 3]
    assert clean_answers([5, 5, 5, 5, 5, 5, 5]) == [5] * 7


@pytest.mark.parametrize(
    ("bad_value", "message"),
    [
        (None, "all seven answers are needed"),
        ("", "all seven answers are needed"),
        (0, "from 1 to 5"),
        (6, "from 1 to 5"),
        ("tre", "from 1 to 5"),
        ("3.5", "from 1 to 5"),
        (True, "from 1 to 5"),
    ],
)
def test_an_invalid_answer_is_refused_with_a_message_naming_the_statement(bad_value, message):
    answers = {f"item_{i}": 3 for i in range(1, 8)}
    answers["item_4"] = bad_value
    with translation.override("en"), pytest.raises(ValidationError) as error:
        clean_answers(answers)
    assert list(error.value.message_dict) == ["item_4"]
    text = error.value.message_dict["item_4"][0]
    assert message in text
    assert "4" in text


def test_a_missing_item_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_answers([3, 3, 3, 3, 3, 3])
    assert list(error.value.message_dict) == ["item_7"]


@pytest.mark.django_db
def test_recording_a_score_stores_raw_and_metric(staff_user):
    person = IdentifiedPersonFactory()
    score = record_wellbeing_score(
        person=person, occasion=Occasion.CONTACT, answers=[1, 2, 3, 4, 5, 4, 3], user=staff_user
    )
    score.refresh_from_db()
    assert score.raw_score == 22
    assert score.metric_score == Decimal("19.98")


@pytest.mark.django_db
def test_an_invalid_score_saves_nothing(staff_user):
    person = IdentifiedPersonFactory()
    with pytest.raises(ValidationError):
        record_wellbeing_score(
            person=person, occasion=Occasion.CONTACT, answers=[3, 3, 3, 0, 3, 3, 3], user=staff_user
        )
    assert not WellbeingScore.objects.exists()
