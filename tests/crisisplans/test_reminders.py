import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from akuttilbud.models import Role
from crisisplans.models import FollowUp, FollowUpStatus, Reminder, TimeOfDay
from crisisplans.services import create_plan, send_due_followup_reminders
from partners.models import Agreement, AgreementType, Partner, PartnerKind
from tests.crisisplans.factories import FollowUpFactory, IdentifiedPersonFactory, PlanFactory, walk_in_contact
from tests.factories import PersonFactory, UserFactory
from tests.helpers import at_once, require_postgres

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
MONDAY_EVENING = datetime.datetime(2026, 3, 2, 19, 40, tzinfo=COPENHAGEN)


def _local(*args):
    return datetime.datetime(*args, tzinfo=COPENHAGEN)


def _plan(user, *, at, **content):
    person = IdentifiedPersonFactory(name="Jonas Holm")
    return create_plan(person=person, contact=walk_in_contact(person), user=user, now=at, **content)


def _run(now, capture):
    with capture(execute=True):
        return send_due_followup_reminders(now)


@pytest.mark.django_db
def test_a_plan_made_on_monday_is_reminded_once_on_saturday_at_the_preferred_time(
    staff_user, django_capture_on_commit_callbacks
):
    plan = _plan(staff_user, at=MONDAY_EVENING, follow_up_time_of_day=TimeOfDay.AFTERNOON)
    saturday_at_two = _local(2026, 3, 7, 14, 0)
    assert plan.follow_up.due_at == saturday_at_two
    assert saturday_at_two.weekday() == 5

    assert _run(_local(2026, 3, 6, 23, 59), django_capture_on_commit_callbacks) == 0
    assert _run(saturday_at_two - datetime.timedelta(seconds=1), django_capture_on_commit_callbacks) == 0
    assert Reminder.objects.count() == 0

    assert _run(saturday_at_two, django_capture_on_commit_callbacks) == 1
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.reminded_at == saturday_at_two
    assert Reminder.objects.filter(follow_up=plan.follow_up).count() == 1

    assert _run(_local(2026, 3, 7, 15, 0), django_capture_on_commit_callbacks) == 0
    assert _run(_local(2026, 3, 8, 6, 0), django_capture_on_commit_callbacks) == 0
    assert Reminder.objects.count() == 1


@pytest.mark.django_db
def test_across_the_spring_dst_change_the_follow_up_is_due_at_local_clock_time(
    staff_user, django_capture_on_commit_callbacks
):
    # Made on Wednesday 25 March 2026 (UTC+1); summer time starts Sunday 29 March (UTC+2).
    plan = _plan(staff_user, at=_local(2026, 3, 25, 16, 0), follow_up_time_of_day=TimeOfDay.MORNING)
    expected = datetime.datetime(2026, 3, 30, 8, 0, tzinfo=datetime.UTC)
    assert plan.follow_up.due_at == expected
    assert plan.follow_up.due_at.astimezone(COPENHAGEN).hour == 10
    assert _run(expected - datetime.timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert _run(expected, django_capture_on_commit_callbacks) == 1


@pytest.mark.django_db
def test_only_open_follow_ups_are_reminded(staff_user, django_capture_on_commit_callbacks):
    now = _local(2026, 3, 7, 14, 0)
    FollowUpFactory(due_at=now - datetime.timedelta(hours=1))
    FollowUpFactory(due_at=now - datetime.timedelta(hours=1), status=FollowUpStatus.REACHED)
    FollowUpFactory(due_at=now + datetime.timedelta(hours=1))
    assert _run(now, django_capture_on_commit_callbacks) == 1


@pytest.mark.django_db
def test_a_follow_up_not_reached_is_reminded_again_the_next_day(
    staff_user, django_capture_on_commit_callbacks
):
    from crisisplans.services import record_follow_up

    plan = _plan(staff_user, at=MONDAY_EVENING)
    assert _run(_local(2026, 3, 7, 14, 0), django_capture_on_commit_callbacks) == 1
    record_follow_up(
        follow_up=plan.follow_up,
        outcome="not_reached",
        note="",
        user=staff_user,
        now=_local(2026, 3, 7, 14, 10),
    )
    assert _run(_local(2026, 3, 7, 20, 0), django_capture_on_commit_callbacks) == 0
    assert _run(_local(2026, 3, 8, 14, 0), django_capture_on_commit_callbacks) == 1
    assert Reminder.objects.count() == 2


@pytest.mark.django_db
def test_the_digest_goes_to_staff_with_masked_labels_and_the_leader_gets_overdue_and_agreements(
    staff_user, django_capture_on_commit_callbacks
):
    staff_user.email = "sara@akut.example.dk"
    staff_user.save()
    UserFactory(username="inactive", email="gone@akut.example.dk", is_active=False)
    UserFactory(username="noemail", email="")
    leader = UserFactory(username="lene", role=Role.LEADER, email="lene@akut.example.dk")
    UserFactory(username="erik", role=Role.EVALUATOR, email="erik@akut.example.dk")
    now = _local(2026, 3, 7, 14, 0)
    person = PersonFactory(name="Jonas Holm", cpr="0101901234", notes="Fortrolig note")
    due_plan = PlanFactory(person=person, internal_note="Må ikke stå i mail")
    FollowUpFactory(plan=due_plan, due_at=now - datetime.timedelta(minutes=5))
    overdue = FollowUpFactory(
        plan=PlanFactory(person=PersonFactory(name="Mette Berg")),
        due_at=now - datetime.timedelta(days=2),
        reminded_at=now - datetime.timedelta(days=2),
    )
    partner = Partner.objects.create(
        name="Psykiatrien Syd", kind=PartnerKind.objects.create(name="Psykiatri")
    )
    Agreement.objects.create(
        partner=partner,
        type=AgreementType.COLLABORATION,
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2026, 3, 20),
    )

    assert _run(now, django_capture_on_commit_callbacks) == 1

    staff_mail, leader_mail = mail.outbox
    assert staff_mail.to == ["sara@akut.example.dk"]
    assert leader_mail.to == [leader.email]
    for message in (staff_mail, leader_mail):
        html = message.alternatives[0][0]
        for text in (message.subject, message.body, html):
            assert "0101901234" not in text
            assert "010190" not in text
            assert "Jonas Holm" not in text
            assert "Fortrolig" not in text
            assert "Må ikke" not in text
        assert f"J.H. #{person.pk}" in message.body
        assert "07.03.2026 13:55" in message.body
    assert f"M.B. #{overdue.plan.person_id}" not in staff_mail.body
    assert f"M.B. #{overdue.plan.person_id}" in leader_mail.body
    assert "Psykiatrien Syd" in leader_mail.body
    assert "20.03.2026" in leader_mail.body
    assert "Psykiatrien Syd" not in staff_mail.body


@pytest.mark.django_db
def test_nothing_due_sends_no_mail(staff_user, django_capture_on_commit_callbacks):
    staff_user.email = "sara@akut.example.dk"
    staff_user.save()
    assert _run(_local(2026, 3, 7, 14, 0), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_command_runs_the_job_at_the_given_local_time(staff_user, capsys):
    plan = _plan(staff_user, at=MONDAY_EVENING)
    call_command("send_followup_reminders", "--now", "2026-03-07T13:59")
    assert "Reminded 0 follow-up(s)." in capsys.readouterr().out
    call_command("send_followup_reminders", "--now", "2026-03-07T14:00")
    assert "Reminded 1 follow-up(s)." in capsys.readouterr().out
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.reminded_at == _local(2026, 3, 7, 14, 0)


@pytest.mark.django_db
def test_the_command_accepts_an_offset(staff_user, capsys):
    _plan(staff_user, at=MONDAY_EVENING)
    call_command("send_followup_reminders", "--now", "2026-03-07T13:00:00+00:00")
    assert "Reminded 1 follow-up(s)." in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["i morgen", "2026-13-45T10:00", "07.03.2026 14:00"])
def test_the_command_refuses_a_bad_time_with_a_clear_message(value):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_followup_reminders", "--now", value)


@pytest.mark.django_db
def test_the_command_without_now_uses_the_current_time(staff_user, capsys):
    FollowUpFactory(due_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    call_command("send_followup_reminders")
    assert "Reminded 1 follow-up(s)." in capsys.readouterr().out


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_four_threads_at_once_remind_each_of_1000_follow_ups_exactly_once():
    require_postgres()
    now = _local(2026, 3, 7, 14, 0)
    user = UserFactory(username="sara", email="sara@akut.example.dk")
    person = PersonFactory(name="Jonas Holm")
    plans = PlanFactory.build_batch(1000, person=person, created_by=user)
    from crisisplans.models import CrisisPlan

    plans = CrisisPlan.objects.bulk_create(plans)
    FollowUp.objects.bulk_create(
        [
            FollowUp(plan=plan, due_at=now - datetime.timedelta(minutes=i % 300), first_due_at=now)
            for i, plan in enumerate(plans)
        ]
    )
    results, errors = at_once(*[lambda: send_due_followup_reminders(now)] * 4)

    assert errors == []
    assert sum(results) == 1000
    assert Reminder.objects.count() == 1000
    assert Reminder.objects.values("follow_up").distinct().count() == 1000
    assert not FollowUp.objects.filter(reminded_at__isnull=True).exists()
    assert send_due_followup_reminders(now) == 0
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_a_long_digest_lists_the_first_follow_ups_and_counts_the_rest(
    staff_user, django_capture_on_commit_callbacks, monkeypatch
):
    from crisisplans import emails

    monkeypatch.setattr(emails, "DIGEST_LIMIT", 2)
    staff_user.email = "sara@akut.example.dk"
    staff_user.save()
    now = _local(2026, 3, 7, 14, 0)
    for minutes in (30, 20, 10):
        FollowUpFactory(due_at=now - datetime.timedelta(minutes=minutes))

    assert _run(now, django_capture_on_commit_callbacks) == 3

    (message,) = mail.outbox
    assert message.body.count("07.03.2026 13:") == 2
    assert "Og yderligere 1 opfølgning har frist." in message.body
