import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from akuttilbud.models import AuditAction, AuditEvent, ServiceSettings
from crisisplans.models import FollowUp, FollowUpStatus, TimeOfDay
from crisisplans.services import close_plan, create_plan, update_plan
from tests.crisisplans.factories import SECTIONS, IdentifiedPersonFactory, walk_in_contact

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")

pytestmark = pytest.mark.django_db


def _plan(user, *, at, **content):
    person = IdentifiedPersonFactory()
    return create_plan(person=person, contact=walk_in_contact(person), user=user, now=at, **content)


def test_a_new_plan_has_revision_1_and_a_follow_up_five_days_later_at_the_preferred_time(staff_user):
    made = datetime.datetime(2026, 3, 2, 21, 30, tzinfo=COPENHAGEN)
    plan = _plan(staff_user, at=made, sections=SECTIONS, follow_up_time_of_day=TimeOfDay.MORNING)
    assert plan.version == 1
    revision = plan.revisions.get()
    assert revision.version == 1
    assert revision.content["sections"] == SECTIONS
    assert plan.follow_up.due_at == datetime.datetime(2026, 3, 7, 10, 0, tzinfo=COPENHAGEN)
    assert plan.follow_up.first_due_at == plan.follow_up.due_at
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, person_id=plan.person_id).exists()


def test_the_follow_up_uses_the_configured_number_of_days(staff_user):
    service = ServiceSettings.load()
    service.follow_up_days = 7
    service.save()
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN))
    assert plan.follow_up.due_at == datetime.datetime(2026, 3, 9, 14, 0, tzinfo=COPENHAGEN)


def test_a_plan_made_just_after_midnight_local_counts_from_the_local_date(staff_user):
    # 00:30 in Copenhagen on 3 March is still 2 March in UTC.
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 3, 0, 30, tzinfo=COPENHAGEN))
    assert plan.follow_up.due_at.astimezone(COPENHAGEN).date() == datetime.date(2026, 3, 8)


def test_no_follow_up_when_the_citizen_does_not_want_one(staff_user):
    plan = _plan(
        staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN), wants_follow_up=False
    )
    assert not FollowUp.objects.filter(plan=plan).exists()


def test_a_contact_of_another_person_is_refused(staff_user):
    person = IdentifiedPersonFactory()
    other = IdentifiedPersonFactory()
    with pytest.raises(ValidationError):
        create_plan(person=person, contact=walk_in_contact(other), user=staff_user)


def test_editing_keeps_the_old_version_and_names_the_changed_fields(staff_user, leader_user):
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN), sections=SECTIONS)
    new_sections = {**SECTIONS, "own_coping": ["Ringe til Anne", "Gå en tur"]}
    plan = update_plan(plan=plan, user=leader_user, sections=new_sections, internal_note="Ny vurdering")
    assert plan.version == 2
    first, second = plan.revisions.order_by("version")
    assert first.content["sections"]["own_coping"] == ["Gå en tur ved søerne"]
    assert second.content["sections"]["own_coping"] == ["Ringe til Anne", "Gå en tur"]
    assert second.changed_fields == ["sections", "internal_note"]
    assert second.saved_by == leader_user
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("id")
    assert event.detail["changed_fields"] == ["sections", "internal_note"]
    assert "Ny vurdering" not in str(event.detail)


def test_saving_without_changes_makes_no_new_version(staff_user):
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN), sections=SECTIONS)
    plan = update_plan(plan=plan, user=staff_user, sections=dict(SECTIONS))
    assert plan.version == 1
    assert plan.revisions.count() == 1


def test_changing_the_time_of_day_moves_the_open_follow_up(staff_user):
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN))
    update_plan(plan=plan, user=staff_user, follow_up_time_of_day=TimeOfDay.EVENING)
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.due_at == datetime.datetime(2026, 3, 7, 18, 0, tzinfo=COPENHAGEN)


def test_withdrawing_the_wish_ends_the_follow_up_and_adding_it_creates_one(staff_user):
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN))
    update_plan(plan=plan, user=staff_user, wants_follow_up=False)
    assert FollowUp.objects.get(plan=plan).status == FollowUpStatus.NOT_WANTED
    other = _plan(
        staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN), wants_follow_up=False
    )
    update_plan(plan=other, user=staff_user, wants_follow_up=True)
    assert FollowUp.objects.get(plan=other).status == FollowUpStatus.OPEN


def test_closing_a_plan_cancels_its_open_follow_up_and_blocks_edits(staff_user):
    plan = _plan(staff_user, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN))
    plan = close_plan(plan=plan, user=staff_user)
    assert plan.is_closed
    assert FollowUp.objects.get(plan=plan).status == FollowUpStatus.CANCELLED
    with pytest.raises(ValidationError):
        update_plan(plan=plan, user=staff_user, internal_note="x")
