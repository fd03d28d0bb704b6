import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from akuttilbud.models import ServiceSettings
from crisisplans.models import FollowUpAttempt, FollowUpStatus, Occasion, TimeOfDay, WellbeingScore
from crisisplans.services import create_plan, record_follow_up
from tests.crisisplans.factories import IdentifiedPersonFactory, walk_in_contact

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
MADE = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN)
ON_DUE_DAY = datetime.datetime(2026, 3, 7, 14, 5, tzinfo=COPENHAGEN)

pytestmark = pytest.mark.django_db


def _follow_up(user, **content):
    person = IdentifiedPersonFactory()
    plan = create_plan(person=person, contact=walk_in_contact(person), user=user, now=MADE, **content)
    return plan.follow_up


@pytest.mark.parametrize(
    "outcome",
    [FollowUpStatus.REACHED, FollowUpStatus.DECLINED, FollowUpStatus.NOT_WANTED, FollowUpStatus.CANCELLED],
)
def test_a_closing_outcome_ends_the_follow_up(staff_user, outcome):
    follow_up = _follow_up(staff_user)
    follow_up = record_follow_up(
        follow_up=follow_up, outcome=outcome, note="", user=staff_user, now=ON_DUE_DAY
    )
    assert follow_up.status == outcome
    assert follow_up.completed_at == ON_DUE_DAY
    assert follow_up.completed_by == staff_user
    assert follow_up.attempt_log.get().outcome == outcome


def test_not_reached_reschedules_to_the_next_day_at_the_preferred_time_and_clears_the_reminder(staff_user):
    follow_up = _follow_up(staff_user, follow_up_time_of_day=TimeOfDay.EVENING)
    follow_up.reminded_at = ON_DUE_DAY
    follow_up.save()
    follow_up = record_follow_up(
        follow_up=follow_up,
        outcome=FollowUpStatus.NOT_REACHED,
        note="Telefonsvarer",
        user=staff_user,
        now=ON_DUE_DAY,
    )
    assert follow_up.status == FollowUpStatus.OPEN
    assert follow_up.attempts == 1
    assert follow_up.due_at == datetime.datetime(2026, 3, 8, 18, 0, tzinfo=COPENHAGEN)
    assert follow_up.first_due_at == datetime.datetime(2026, 3, 7, 18, 0, tzinfo=COPENHAGEN)
    assert follow_up.reminded_at is None
    assert (
        FollowUpAttempt.objects.filter(follow_up=follow_up, outcome=FollowUpStatus.NOT_REACHED).count() == 1
    )


def test_the_last_allowed_attempt_ends_it_as_not_reached(staff_user):
    service = ServiceSettings.load()
    service.follow_up_max_attempts = 2
    service.save()
    follow_up = _follow_up(staff_user)
    follow_up = record_follow_up(
        follow_up=follow_up, outcome="not_reached", note="", user=staff_user, now=ON_DUE_DAY
    )
    assert follow_up.status == FollowUpStatus.OPEN
    follow_up = record_follow_up(
        follow_up=follow_up,
        outcome="not_reached",
        note="",
        user=staff_user,
        now=ON_DUE_DAY + datetime.timedelta(days=1),
    )
    assert follow_up.status == FollowUpStatus.NOT_REACHED
    assert follow_up.attempts == 2
    assert follow_up.completed_at is not None


def test_a_done_follow_up_cannot_be_recorded_again(staff_user):
    follow_up = _follow_up(staff_user)
    record_follow_up(follow_up=follow_up, outcome="reached", note="", user=staff_user, now=ON_DUE_DAY)
    with pytest.raises(ValidationError):
        record_follow_up(follow_up=follow_up, outcome="reached", note="", user=staff_user, now=ON_DUE_DAY)


def test_a_follow_up_can_record_a_swemwbs_score(staff_user):
    follow_up = _follow_up(staff_user)
    record_follow_up(
        follow_up=follow_up, outcome="reached", note="", user=staff_user, score=[4] * 7, now=ON_DUE_DAY
    )
    score = WellbeingScore.objects.get()
    assert score.occasion == Occasion.FOLLOW_UP
    assert score.follow_up == follow_up
    assert score.raw_score == 28


def test_an_invalid_score_leaves_the_follow_up_open(staff_user):
    follow_up = _follow_up(staff_user)
    with pytest.raises(ValidationError):
        record_follow_up(
            follow_up=follow_up,
            outcome="reached",
            note="",
            user=staff_user,
            score=[4, 4, 4, 4, 4, 4, 9],
            now=ON_DUE_DAY,
        )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN
    assert not WellbeingScore.objects.exists()
