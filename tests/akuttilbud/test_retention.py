import datetime
import itertools

import pytest
import time_machine
from django.core.management import call_command

from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Contact, CrisisConversation, Person, Stay
from contacts.retention import apply_retention, related_models
from contacts.tasks import apply_retention_task
from crisisplans.models import CrisisPlan, CrisisPlanRevision, FollowUp, WellbeingScore
from tests.factories import ContactFactory, PersonFactory, StayFactory, UserFactory

NOW = datetime.datetime(2031, 6, 15, 12, 0, tzinfo=datetime.UTC)
LONG_AGO = NOW - datetime.timedelta(days=6 * 365)
RECENTLY = NOW - datetime.timedelta(days=2 * 365)
# Every history starts at the same moment; separate beds keep PostgreSQL's no-overlap rule happy.
BEDS = itertools.count(1)


def _person_with_history(at, *, cpr="0101901234", name="Hanne Hansen"):
    """A person with a contact, conversation, stay, plan, revision, follow-up and score, all at ``at``."""
    staff = UserFactory()
    with time_machine.travel(at, tick=False):
        person = PersonFactory(cpr=cpr, name=name, nickname="Hanne", phone="20304050", notes="Bor alene")
        contact = ContactFactory(person=person, started_at=at, summary="Ringede om ensomhed", staff=staff)
        CrisisConversation.objects.create(
            contact=contact, situation="Kæresten gik", actions="Samtale", agreed="Ringer i morgen"
        )
        StayFactory(person=person, contact=contact, bed=next(BEDS), check_in=at, note="Sov uroligt")
        plan = CrisisPlan.objects.create(
            person=person,
            contact=contact,
            created_by=staff,
            sections={"warning_signs": ["Sover ikke"]},
            self_rating={"network": 2},
            internal_note="Husk søsteren",
        )
        CrisisPlanRevision.objects.create(plan=plan, version=1, content={"sections": {}}, saved_by=staff)
        follow_up = FollowUp.objects.create(plan=plan, due_at=at, first_due_at=at, note="Nåede ikke igennem")
        score = WellbeingScore(
            person=person, occasion="contact", contact=contact, recorded_by=staff, recorded_at=at
        )
        for item in range(1, 8):
            setattr(score, f"item_{item}", 3)
        score.score()
        score.save()
    return person, contact, plan, follow_up


@pytest.mark.django_db
def test_retention_clears_identity_and_free_text_of_a_long_inactive_person():
    person, contact, plan, follow_up = _person_with_history(LONG_AGO)

    changes = apply_retention(now=NOW, dry_run=False, years=5)

    assert [change.person_id for change in changes] == [person.pk]
    person.refresh_from_db()
    assert (person.cpr_encrypted, person.cpr_index, person.birth_date) == ("", None, None)
    assert person.birth_year == 1990
    assert (person.name, person.nickname, person.notes) == ("", "", "")
    assert (person.phone_encrypted, person.phone_index, person.phone_last4) == ("", "", "")
    contact.refresh_from_db()
    assert contact.summary == ""
    conversation = CrisisConversation.objects.get(contact=contact)
    assert (conversation.situation, conversation.actions, conversation.agreed) == ("", "", "")
    assert Stay.objects.get(person=person).note == ""
    plan.refresh_from_db()
    assert (plan.sections, plan.self_rating, plan.internal_note) == ({}, {}, "")
    assert not CrisisPlanRevision.objects.filter(plan=plan).exists()
    follow_up.refresh_from_db()
    assert follow_up.note == ""


@pytest.mark.django_db
def test_retention_keeps_counts_dates_and_scores():
    person, contact, plan, _follow_up = _person_with_history(LONG_AGO)
    apply_retention(now=NOW, dry_run=False, years=5)
    assert Contact.objects.filter(person=person).count() == 1
    contact.refresh_from_db()
    assert (contact.started_at, contact.channel, contact.acuteness) == (LONG_AGO, "phone", 3)
    assert Stay.objects.get(person=person).check_in == LONG_AGO
    assert CrisisPlan.objects.filter(person=person).count() == 1
    assert WellbeingScore.objects.get(person=person).raw_score == 21


@pytest.mark.django_db
def test_any_recent_activity_keeps_the_person():
    old_person, *_ = _person_with_history(LONG_AGO, cpr="0101901234")
    recent_contact_person, *_ = _person_with_history(LONG_AGO, cpr="0202851234", name="Per")
    ContactFactory(person=recent_contact_person, started_at=RECENTLY)
    recent_follow_up_person, _contact, _plan, follow_up = _person_with_history(
        LONG_AGO, cpr="0303801234", name="Ida"
    )
    FollowUp.objects.filter(pk=follow_up.pk).update(completed_at=RECENTLY)

    changes = apply_retention(now=NOW, dry_run=False, years=5)

    assert [change.person_id for change in changes] == [old_person.pk]
    assert Person.objects.get(pk=recent_contact_person.pk).name == "Per"
    assert Person.objects.get(pk=recent_follow_up_person.pk).has_cpr


@pytest.mark.django_db
def test_dry_run_lists_what_would_change_and_changes_nothing(capsys):
    person, *_ = _person_with_history(LONG_AGO)
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--dry-run", "--years", "5")
    output = capsys.readouterr().out
    assert f"person {person.pk}: fields cpr, birth_date, name, nickname, notes, phone" in output
    assert "contacts.contact: 1" in output
    assert "deleted crisisplans.crisisplanrevision" in output
    assert "Would clear 1 persons" in output
    assert "Hanne" not in output
    person.refresh_from_db()
    assert person.has_cpr and person.name == "Hanne Hansen"
    assert CrisisPlanRevision.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.RETENTION).exists()


@pytest.mark.django_db
def test_retention_is_audited_once_per_person_without_personal_data():
    person, *_ = _person_with_history(LONG_AGO)
    apply_retention(now=NOW, dry_run=False, years=5)
    event = AuditEvent.objects.get(action=AuditAction.RETENTION)
    assert event.person_id == person.pk
    assert event.detail["person_fields"] == ["cpr", "birth_date", "name", "nickname", "notes", "phone"]
    assert event.detail["cleared"]["contacts.crisisconversation"] == 1
    assert event.detail["deleted"] == {"crisisplans.crisisplanrevision": 1}
    for personal in ("Hanne", "0101", "20304050", "ensomhed", "Sover"):
        assert personal not in str(event.detail)


@pytest.mark.django_db
def test_running_retention_again_changes_and_audits_nothing():
    _person_with_history(LONG_AGO)
    apply_retention(now=NOW, dry_run=False, years=5)
    assert apply_retention(now=NOW, dry_run=False, years=5) == []
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION).count() == 1


@pytest.mark.django_db
def test_retention_task_and_command_use_the_configured_years(settings, capsys):
    settings.PERSON_RETENTION_YEARS = 5
    _person_with_history(LONG_AGO)
    _person_with_history(RECENTLY, cpr="0202851234", name="Per")
    with time_machine.travel(NOW, tick=False):
        assert apply_retention_task.delay().get() == 1
        settings.PERSON_RETENTION_YEARS = 1
        call_command("apply_retention")
    assert "Cleared 1 persons inactive for 1 years" in capsys.readouterr().out


def test_every_model_about_a_person_is_reached_without_importing_its_app():
    labels = {entry.label for entry in related_models()}
    assert {
        "contacts.contact",
        "contacts.crisisconversation",
        "contacts.stay",
        "contacts.callback",
        "crisisplans.crisisplan",
        "crisisplans.crisisplanrevision",
        "crisisplans.followup",
        "crisisplans.followupattempt",
    } <= labels


@pytest.mark.django_db
def test_retention_query_count_does_not_grow_with_the_persons(django_assert_max_num_queries):
    def run():
        with django_assert_max_num_queries(120) as captured:
            apply_retention(now=NOW, dry_run=True, years=5)
        return len(captured.captured_queries)

    _person_with_history(LONG_AGO)
    few = run()
    for number in range(2, 12):
        _person_with_history(LONG_AGO, cpr=f"{number:02d}0190123{number % 10}", name=f"P{number}")
    assert run() == few


@pytest.mark.django_db
def test_persons_created_recently_without_rows_are_kept():
    with time_machine.travel(RECENTLY, tick=False):
        PersonFactory(name="Ny")
    assert apply_retention(now=NOW, dry_run=True, years=5) == []
