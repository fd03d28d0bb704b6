import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akuttilbud.celery import app as celery_app
from akuttilbud.models import AuditAction, AuditEvent, ServiceSettings
from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus, Occasion, Reminder, WellbeingScore
from crisisplans.services import create_plan, record_wellbeing_score, send_due_followup_reminders
from crisisplans.swemwbs import COPYRIGHT
from tests.crisisplans.factories import (
    SECTIONS,
    FollowUpFactory,
    IdentifiedPersonFactory,
    PlanFactory,
    walk_in_contact,
)
from tests.factories import ContactFactory, PersonFactory
from tests.helpers import with_token

CPR = "2403851234"

pytestmark = pytest.mark.django_db


def _plan_post(**overrides):
    data = {
        "warning_signs": "Jeg sover dårligt\n\nJeg holder op med at spise\n",
        "own_coping": "Gå en tur",
        "distractions": "",
        "safe_surroundings": "",
        "reasons_to_live": "Min datter",
        "wishes_for_staff": "",
        "people_to_ask-TOTAL_FORMS": "2",
        "people_to_ask-INITIAL_FORMS": "0",
        "people_to_ask-0-name": "Søster Anne",
        "people_to_ask-0-phone": "20 30 40 50",
        "people_to_ask-1-name": "",
        "people_to_ask-1-phone": "",
        "professionals-TOTAL_FORMS": "1",
        "professionals-INITIAL_FORMS": "0",
        "professionals-0-name": "Alarm",
        "professionals-0-phone": "112",
        "rating_self_care": "2",
        "goal_self_care": "Sove 6 timer",
        "rating_network": "",
        "goal_network": "",
        "rating_feelings": "",
        "goal_feelings": "",
        "rating_understanding": "",
        "goal_understanding": "",
        "rating_agency": "",
        "goal_agency": "",
        "wants_follow_up": "on",
        "follow_up_channel": "phone",
        "follow_up_time_of_day": "evening",
        "citizen_knows_staff_can_read": "on",
        "internal_note": "Intern vurdering",
    }
    data.update(overrides)
    return data


@pytest.fixture
def plan(staff_user):
    person = IdentifiedPersonFactory(name="Jonas Holm", cpr=CPR)
    return create_plan(
        person=person,
        contact=walk_in_contact(person),
        user=staff_user,
        sections=SECTIONS,
        self_rating={"network": {"rating": 2, "goal": "Ringe til Anne"}},
        internal_note="Hemmelig intern note om misbrug",
    )


def _urls(plan):
    return [
        reverse("crisisplans:plan_create", args=[plan.contact_id]),
        reverse("crisisplans:wellbeing_at_contact", args=[plan.contact_id]),
        reverse("crisisplans:plan_detail", args=[plan.pk]),
        reverse("crisisplans:plan_edit", args=[plan.pk]),
        reverse("crisisplans:plan_version", args=[plan.pk, 1]),
        reverse("crisisplans:plan_close", args=[plan.pk]),
        reverse("crisisplans:plan_print", args=[plan.pk]),
        reverse("crisisplans:follow_up_list"),
        reverse("crisisplans:follow_up_record", args=[plan.follow_up.pk]),
        reverse("crisisplans:board_followups"),
        reverse("crisisplans:person_section", args=[plan.person_id]),
    ]


def test_fragment_urls_are_where_the_other_pages_load_them():
    assert reverse("crisisplans:board_followups") == "/plans/board/followups/"
    assert reverse("crisisplans:person_section", args=[7]) == "/plans/persons/7/"


def test_every_page_opens_for_staff_and_leaders(plan, staff_client, leader_user):
    for url in _urls(plan):
        assert staff_client.get(url).status_code == 200, url
    staff_client.force_login(leader_user)
    for url in _urls(plan):
        assert staff_client.get(url).status_code == 200, url


def test_evaluators_are_refused_everywhere(plan, evaluator_client):
    for url in _urls(plan):
        assert evaluator_client.get(url).status_code == 403, url
        assert evaluator_client.post(url, {}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(plan, client):
    for url in _urls(plan):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_unknown_ids_give_404(staff_client):
    for url in [
        reverse("crisisplans:plan_create", args=[999]),
        reverse("crisisplans:plan_detail", args=[999]),
        reverse("crisisplans:follow_up_record", args=[999]),
        reverse("crisisplans:person_section", args=[999]),
    ]:
        assert staff_client.get(url).status_code == 404, url


def test_making_a_plan_from_a_contact_saves_sections_people_rating_and_follow_up(staff_client):
    person = IdentifiedPersonFactory()
    contact = walk_in_contact(person)
    response = staff_client.post(
        reverse("crisisplans:plan_create", args=[contact.pk]), with_token(_plan_post())
    )
    plan = CrisisPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crisisplans:plan_detail", args=[plan.pk])
    assert plan.person == person
    assert plan.contact == contact
    assert plan.sections["warning_signs"] == ["Jeg sover dårligt", "Jeg holder op med at spise"]
    assert plan.sections["distractions"] == []
    assert plan.sections["people_to_ask"] == [{"name": "Søster Anne", "phone": "20 30 40 50"}]
    assert plan.sections["professionals"] == [{"name": "Alarm", "phone": "112"}]
    assert plan.self_rating == {"self_care": {"rating": 2, "goal": "Sove 6 timer"}}
    assert plan.follow_up.status == FollowUpStatus.OPEN
    assert timezone.localtime(plan.follow_up.due_at).hour == 18


def test_the_new_plan_form_offers_the_service_phone_among_professionals(staff_client):
    person = IdentifiedPersonFactory()
    response = staff_client.get(reverse("crisisplans:plan_create", args=[walk_in_contact(person).pk]))
    assert ServiceSettings.load().phone in response.content.decode()


def test_a_contact_without_a_person_explains_and_links_to_identify(staff_client):
    contact = ContactFactory(person=None)
    response = staff_client.get(reverse("crisisplans:plan_create", args=[contact.pk]))
    assert response.status_code == 200
    assert reverse("contacts:contact_link_person", args=[contact.pk]) in response.content.decode()
    response = staff_client.post(
        reverse("crisisplans:plan_create", args=[contact.pk]), with_token(_plan_post())
    )
    assert response.status_code == 200
    assert not CrisisPlan.objects.exists()


def test_a_person_without_cpr_gets_the_plan_with_a_visible_warning(staff_client):
    person = PersonFactory(nickname="Trampolin")
    contact = walk_in_contact(person)
    response = staff_client.get(reverse("crisisplans:plan_create", args=[contact.pk]))
    assert reverse("contacts:person_identify", args=[person.pk]) in response.content.decode()


def test_bad_plan_input_shows_errors_and_keeps_what_was_typed(staff_client):
    person = IdentifiedPersonFactory()
    contact = walk_in_contact(person)
    response = staff_client.post(
        reverse("crisisplans:plan_create", args=[contact.pk]),
        with_token(
            _plan_post(**{"people_to_ask-0-name": "", "people_to_ask-0-phone": "abc", "rating_network": "9"})
        ),
    )
    assert response.status_code == 200
    assert not CrisisPlan.objects.exists()
    content = response.content.decode()
    assert "Jeg sover dårligt" in content
    assert response.context["people"][0][1].errors[0]["phone"]
    assert response.context["form"].errors["rating_network"]


def test_a_broken_management_form_is_a_form_error_not_a_500(staff_client):
    person = IdentifiedPersonFactory()
    contact = walk_in_contact(person)
    data = _plan_post()
    del data["people_to_ask-TOTAL_FORMS"]
    response = staff_client.post(reverse("crisisplans:plan_create", args=[contact.pk]), with_token(data))
    assert response.status_code == 200
    assert not CrisisPlan.objects.exists()


def test_editing_makes_a_new_version_and_the_old_one_can_be_viewed(plan, staff_client):
    response = staff_client.get(reverse("crisisplans:plan_edit", args=[plan.pk]))
    assert "Gå en tur ved søerne" in response.content.decode()
    response = staff_client.post(
        reverse("crisisplans:plan_edit", args=[plan.pk]),
        {**_plan_post(own_coping="Lytte til musik"), "version": plan.version},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.sections["own_coping"] == ["Lytte til musik"]
    old = staff_client.get(reverse("crisisplans:plan_version", args=[plan.pk, 1])).content.decode()
    assert "Gå en tur ved søerne" in old
    assert "Lytte til musik" not in old
    detail = staff_client.get(reverse("crisisplans:plan_detail", args=[plan.pk])).content.decode()
    assert reverse("crisisplans:plan_version", args=[plan.pk, 2]) in detail
    assert staff_client.get(reverse("crisisplans:plan_version", args=[plan.pk, 9])).status_code == 404


def test_bad_edit_input_changes_nothing(plan, staff_client):
    response = staff_client.post(
        reverse("crisisplans:plan_edit", args=[plan.pk]), _plan_post(follow_up_channel="pigeon")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["follow_up_channel"]
    plan.refresh_from_db()
    assert plan.version == 1


def test_closing_a_plan(plan, staff_client):
    response = staff_client.post(reverse("crisisplans:plan_close", args=[plan.pk]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_closed
    response = staff_client.get(reverse("crisisplans:plan_edit", args=[plan.pk]))
    assert response.status_code == 302


def test_the_print_view_has_the_plan_and_phone_but_no_cpr_no_internal_note_and_no_navbar(plan, staff_client):
    service = ServiceSettings.load()
    service.phone = "70 99 88 77"
    service.save()
    response = staff_client.get(reverse("crisisplans:plan_print", args=[plan.pk]))
    content = response.content.decode()
    assert "Gå en tur ved søerne" in content
    assert "Søster Anne" in content
    assert "Ringe til Anne" in content
    assert "70 99 88 77" in content
    assert CPR not in content
    assert CPR[:6] not in content
    assert "Hemmelig intern note" not in content
    assert "navbar" not in content
    assert staff_client.get(reverse("crisisplans:plan_detail", args=[plan.pk])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, person_id=plan.person_id).exists()


def test_the_plan_page_is_audited_without_free_text(plan, staff_client):
    staff_client.get(reverse("crisisplans:plan_detail", args=[plan.pk]))
    event = AuditEvent.objects.filter(action=AuditAction.VIEW).latest("id")
    assert event.person_id == plan.person_id
    assert "Hemmelig" not in str(event.detail)


def _answers(**overrides):
    data = {f"item_{i}": "3" for i in range(1, 8)}
    data.update(overrides)
    return data


def test_recording_a_follow_up_with_a_score(plan, staff_client):
    url = reverse("crisisplans:follow_up_record", args=[plan.follow_up.pk])
    page = staff_client.get(url).content.decode()
    assert COPYRIGHT.replace("&", "&amp;") in page or COPYRIGHT in page
    response = staff_client.post(
        url, with_token({"outcome": "reached", "note": "Har det bedre", **_answers(item_1="5")})
    )
    assert response.status_code == 302
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.status == FollowUpStatus.REACHED
    score = WellbeingScore.objects.get()
    assert (score.occasion, score.raw_score) == (Occasion.FOLLOW_UP, 23)


def test_recording_a_follow_up_without_a_score(plan, staff_client):
    url = reverse("crisisplans:follow_up_record", args=[plan.follow_up.pk])
    response = staff_client.post(url, with_token({"outcome": "not_reached", "note": ""}))
    assert response.status_code == 302
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.attempts == 1
    assert not WellbeingScore.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "", "note": ""},
        {"outcome": "open", "note": ""},
        {"outcome": "reached", "note": "", **_answers(item_7="")},
        {"outcome": "reached", "note": "", **_answers(item_2="0")},
        {"outcome": "reached", "note": "", **_answers(item_2="6")},
        {"outcome": "reached", "note": "", **_answers(item_2="tre")},
        {"outcome": "reached", "note": "", "item_3": "4"},
    ],
)
def test_bad_follow_up_input_is_shown_beside_the_field(plan, staff_client, data):
    response = staff_client.post(
        reverse("crisisplans:follow_up_record", args=[plan.follow_up.pk]), with_token(data)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.status == FollowUpStatus.OPEN
    assert not WellbeingScore.objects.exists()


def test_a_done_follow_up_shows_and_refuses_a_second_record(plan, staff_client):
    url = reverse("crisisplans:follow_up_record", args=[plan.follow_up.pk])
    staff_client.post(url, with_token({"outcome": "declined", "note": ""}))
    response = staff_client.post(url, with_token({"outcome": "reached", "note": ""}))
    assert response.status_code == 200
    plan.follow_up.refresh_from_db()
    assert plan.follow_up.status == FollowUpStatus.DECLINED


def test_a_score_at_contact(plan, staff_client):
    url = reverse("crisisplans:wellbeing_at_contact", args=[plan.contact_id])
    page = staff_client.get(url).content.decode()
    assert "På intet tidspunkt" in page or "None of the time" in page
    response = staff_client.post(url, with_token(_answers()))
    assert response.status_code == 302
    score = WellbeingScore.objects.get()
    assert (score.occasion, score.contact_id, score.raw_score) == (Occasion.CONTACT, plan.contact_id, 21)


def test_a_score_at_contact_needs_all_seven_answers(plan, staff_client):
    url = reverse("crisisplans:wellbeing_at_contact", args=[plan.contact_id])
    response = staff_client.post(url, with_token(_answers(item_5="")))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["item_5"]
    assert not WellbeingScore.objects.exists()


def test_a_score_at_a_contact_without_person_explains(staff_client):
    contact = ContactFactory(person=None)
    response = staff_client.post(
        reverse("crisisplans:wellbeing_at_contact", args=[contact.pk]), with_token(_answers())
    )
    assert response.status_code == 200
    assert not WellbeingScore.objects.exists()


def _bulk_follow_ups(count, now):
    person = IdentifiedPersonFactory()
    for offset in range(count):
        follow_up = FollowUpFactory(
            plan=PlanFactory(person=person), due_at=now - datetime.timedelta(days=offset % 3, minutes=offset)
        )
        Reminder.objects.create(follow_up=follow_up)
    FollowUpFactory(plan=PlanFactory(person=person), due_at=now, status=FollowUpStatus.REACHED)


@pytest.mark.parametrize("count", [10, 60])
def test_the_worklist_query_count_does_not_grow(staff_client, django_assert_max_num_queries, count):
    _bulk_follow_ups(count, timezone.now())
    for query in [
        "",
        "?state=due",
        "?state=overdue",
        "?state=done",
        "?from_date=2020-01-01&to_date=2030-01-01",
    ]:
        with django_assert_max_num_queries(11):
            response = staff_client.get(reverse("crisisplans:follow_up_list") + query)
        assert response.status_code == 200


@pytest.mark.parametrize("count", [10, 60])
def test_the_board_fragment_query_count_does_not_grow(staff_client, django_assert_max_num_queries, count):
    _bulk_follow_ups(count, timezone.now())
    # Two counts more once a list is longer than the board shows; none for each follow-up.
    with django_assert_max_num_queries(9):
        response = staff_client.get(reverse("crisisplans:board_followups"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 12])
def test_the_person_section_query_count_does_not_grow(
    staff_user, staff_client, django_assert_max_num_queries, count
):
    person = IdentifiedPersonFactory()
    for _ in range(count):
        plan = create_plan(person=person, contact=walk_in_contact(person), user=staff_user)
        record_wellbeing_score(person=person, occasion=Occasion.CONTACT, answers=[3] * 7, user=staff_user)
        FollowUp.objects.filter(plan=plan).update(status=FollowUpStatus.REACHED)
    # The audited read writes its event and the event's person link; neither grows with the plans.
    with django_assert_max_num_queries(16):
        response = staff_client.get(reverse("crisisplans:person_section", args=[person.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("card-title") == count


def test_the_worklist_filters(staff_client):
    now = timezone.now()
    today_due = FollowUpFactory(due_at=now)
    overdue = FollowUpFactory(due_at=now - datetime.timedelta(days=3))
    later = FollowUpFactory(due_at=now + datetime.timedelta(days=3))
    done = FollowUpFactory(due_at=now - datetime.timedelta(days=3), status=FollowUpStatus.REACHED)

    def shown(query):
        response = staff_client.get(reverse("crisisplans:follow_up_list") + query)
        return {follow_up.pk for follow_up in response.context["page"]}

    assert shown("") == {today_due.pk, overdue.pk, later.pk}
    assert shown("?state=due") == {today_due.pk, overdue.pk}
    assert shown("?state=overdue") == {overdue.pk}
    assert shown("?state=done") == {done.pk}
    day = timezone.localdate(later.due_at).isoformat()
    assert shown(f"?from_date={day}&to_date={day}") == {later.pk}


@pytest.mark.parametrize(
    "query",
    ["?state=bogus", "?from_date=31.02.2026", "?from_date=2026-03-10&to_date=2026-03-01", "?page=abc"],
)
def test_bad_worklist_filters_are_shown_not_a_500(staff_client, query):
    FollowUpFactory(due_at=timezone.now())
    response = staff_client.get(reverse("crisisplans:follow_up_list") + query)
    assert response.status_code == 200


def test_the_board_fragment_shows_due_today_reminders_and_overdue(
    staff_client, django_capture_on_commit_callbacks
):
    now = timezone.now()
    due_today = FollowUpFactory(plan=PlanFactory(person=PersonFactory(name="Dorte Idag")), due_at=now)
    FollowUpFactory(
        plan=PlanFactory(person=PersonFactory(name="Ole Overdue")), due_at=now - datetime.timedelta(days=2)
    )
    FollowUpFactory(
        plan=PlanFactory(person=PersonFactory(name="Frida Future")), due_at=now + datetime.timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_due_followup_reminders(now)
    content = staff_client.get(reverse("crisisplans:board_followups")).content.decode()
    assert "Dorte Idag" in content
    assert "Ole Overdue" in content
    assert "Frida Future" not in content
    assert reverse("crisisplans:follow_up_record", args=[due_today.pk]) in content
    assert "<form" not in content
    # Each person once: the reminder sent for a follow-up does not list it a second time.
    assert content.count("Dorte Idag") == 1
    assert content.count("Ole Overdue") == 1


def test_the_board_fragment_shows_a_screenful_and_the_total_beyond_it(staff_client):
    now = timezone.now()
    for number in range(7):
        FollowUpFactory(
            plan=PlanFactory(person=PersonFactory(name=f"Forsinket {number}")),
            due_at=now - datetime.timedelta(days=2, minutes=number),
        )
    content = staff_client.get(reverse("crisisplans:board_followups")).content.decode()
    assert content.count("Forsinket ") == 4
    assert "Vis alle (7)" in content
    assert reverse("crisisplans:follow_up_list") + "?state=overdue" in content


def test_broker_down_when_a_plan_is_saved_the_plan_is_kept_and_the_next_run_reminds_it(
    staff_client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    unreachable = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = unreachable
    monkeypatch.setitem(celery_app.conf, "broker_url", unreachable)
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    person = IdentifiedPersonFactory()
    contact = walk_in_contact(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("crisisplans:plan_create", args=[contact.pk]), with_token(_plan_post())
        )

    assert response.status_code == 302
    plan = CrisisPlan.objects.get()
    assert staff_client.get(response["Location"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_followup_reminders(plan.follow_up.due_at) == 1
    assert Reminder.objects.filter(follow_up=plan.follow_up).count() == 1


def test_the_menu_links_to_the_worklist(staff_client):
    response = staff_client.get(reverse("crisisplans:follow_up_list"))
    assert f'href="{reverse("crisisplans:follow_up_list")}"' in response.content.decode()


def test_new_plan_says_when_the_person_has_an_open_plan_and_offers_to_open_it(staff_client, staff_user):
    person = IdentifiedPersonFactory()
    contact = walk_in_contact(person)
    url = reverse("crisisplans:plan_create", args=[contact.pk])
    assert "Åbn den plan" not in staff_client.get(url).content.decode()
    open_plan = create_plan(person=person, contact=contact, user=staff_user, sections=SECTIONS)
    page = staff_client.get(url).content.decode()
    assert "allerede en åben kriseplan" in page
    assert reverse("crisisplans:plan_edit", args=[open_plan.pk]) in page
