"""A whole shift in a real browser: staff, then the leader, then the evaluator."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from contacts.models import Channel, Contact, Person, Stay
from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus, Occasion, Reminder, WellbeingScore
from crisisplans.services import send_due_followup_reminders
from tests.factories import UserFactory

from .conftest import log_in, press_access_key

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CPR_NUMBER = "0101901234"


def _open(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}: {page.inner_text('main')[:300]}"


def _submit(page, form_selector="main form[method=post]"):
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").last.click()


def _staff_logs_a_phone_call_with_the_keyboard_only(page):
    with page.expect_navigation():
        press_access_key(page, "n")
    assert page.url.endswith("/contacts/quick/")
    # The line has the focus on arrival; Tab moves to the acuteness radios, Space picks one.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'summary'")
    page.keyboard.type("Ringede anonymt om uro og søvnløshed")
    assert page.input_value("[name=summary]") == "Ringede anonymt om uro og søvnløshed"
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "channel"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    call = Contact.objects.get(summary="Ringede anonymt om uro og søvnløshed")
    assert (call.channel, call.person_id, call.staff.username) == (Channel.PHONE, None, "sara")
    assert call.acuteness == 2
    # Back on the board, ready for the next caller.
    assert page.url.endswith("/contacts/board/")
    assert page.evaluate("document.activeElement.id") == "new-call"


def _staff_registers_a_walk_in_and_starts_the_conversation(page, live_server):
    _open(page, f"{live_server.url}/contacts/arrivals/new/")
    page.fill("#id_name", "Jonas Bruun")
    page.fill("#id_nickname", "Jonas")
    _submit(page)
    walk_in = Contact.objects.get(channel=Channel.WALK_IN, person__nickname="Jonas")
    assert walk_in.answered_at is None
    waiting = page.locator("#board-waiting")
    assert "Jonas" in waiting.inner_text()
    with page.expect_navigation():
        waiting.locator(f"form[action$='/contacts/{walk_in.pk}/start/'] button").click()
    assert page.url.endswith(f"/contacts/{walk_in.pk}/")
    walk_in.refresh_from_db()
    assert walk_in.answered_at is not None
    return walk_in


def _staff_identifies_the_citizen(page, walk_in):
    with page.expect_navigation():
        page.locator(f"a[href$='/contacts/persons/{walk_in.person_id}/identify/']").first.click()
    page.fill("#id_cpr", CPR_NUMBER)
    _submit(page)
    assert page.url.endswith(f"/contacts/persons/{walk_in.person_id}/")
    assert "010190-xxxx" in page.locator("main").inner_text()
    assert CPR_NUMBER not in page.content()
    person = Person.objects.get(pk=walk_in.person_id)
    assert person.has_cpr


def _staff_writes_the_conversation_and_a_plan(page, live_server, walk_in):
    _open(page, f"{live_server.url}/contacts/{walk_in.pk}/")
    page.select_option("#id_contact-acuteness", "2")
    page.fill("#id_conversation-situation", "Har ikke sovet i tre døgn efter et brud.")
    page.fill("#id_conversation-agreed", "Bliver i nat og laver en kriseplan.")
    _submit(page, "main form[data-draft^=contact]")
    assert page.locator(".alert-success").count() == 1
    assert walk_in.conversation.situation == "Har ikke sovet i tre døgn efter et brud."

    with page.expect_navigation():
        page.locator(f"a[href$='/plans/contacts/{walk_in.pk}/new/']").click()
    page.fill("#id_warning_signs", "Kan ikke sove\nTrækker mig fra andre")
    page.fill("#id_own_coping", "Gå en tur med hunden")
    page.fill("#id_people_to_ask-0-name", "Søster Mette")
    page.fill("#id_people_to_ask-0-phone", "20 30 40 50")
    _submit(page, "main form.crisis-plan-form")
    plan = CrisisPlan.objects.get(person_id=walk_in.person_id)
    assert page.url.endswith(f"/plans/{plan.pk}/")
    assert plan.sections["own_coping"] == ["Gå en tur med hunden"]
    return plan


def _staff_opens_the_print_view(page, live_server, plan):
    _open(page, f"{live_server.url}/plans/{plan.pk}/print/")
    printed = page.locator("main").inner_text()
    assert "Gå en tur med hunden" in printed
    assert "Søster Mette" in printed


def _staff_books_a_bed_and_sees_it_on_the_board(page, live_server, person_id):
    _open(page, f"{live_server.url}/contacts/persons/{person_id}/stays/new/")
    page.fill("#id_bed", "2")
    _submit(page)
    stay = Stay.objects.get(person_id=person_id)
    assert (stay.bed, stay.check_out) == (2, None)
    _open(page, f"{live_server.url}/contacts/board/")
    bed_row = page.locator("#board-beds tbody tr").filter(has=page.locator("th", has_text="2"))
    assert "Jonas" in bed_row.inner_text()
    assert bed_row.locator(".badge.text-bg-primary").count() == 1


def _the_next_days_reminder_shows_on_the_board(page, live_server, plan):
    follow_up = FollowUp.objects.get(plan=plan)
    # The next days come: the follow-up falls due this morning and its reminder goes out; the
    # board lists it once, under due today (a reminder does not list it a second time).
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert send_due_followup_reminders(timezone.now()) == 1
    assert Reminder.objects.filter(follow_up=follow_up).count() == 1
    _open(page, f"{live_server.url}/contacts/board/")
    reminder_link = page.locator(f"#board-followups a[href$='/plans/followups/{follow_up.pk}/']").first
    reminder_link.wait_for()
    assert "Jonas" in reminder_link.inner_text()
    return follow_up, reminder_link


def _staff_records_the_follow_up_with_a_score(page, follow_up, reminder_link):
    with page.expect_navigation():
        reminder_link.click()
    page.check(f"input[name=outcome][value='{FollowUpStatus.REACHED}']")
    page.fill("#id_note", "Sover bedre, har talt med søsteren.")
    for item, answer in enumerate([4, 3, 4, 3, 4, 3, 4], start=1):
        page.check(f"input[name=item_{item}][value='{answer}']")
    _submit(page)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.REACHED
    score = WellbeingScore.objects.get(follow_up=follow_up)
    assert (score.occasion, score.raw_score) == (Occasion.FOLLOW_UP, 25)


def _leader_sees_charts_and_downloads_an_export(page, live_server):
    log_in(page, live_server, "lene")
    _open(page, f"{live_server.url}/reporting/dashboard/")
    canvases = page.locator("canvas[id^=chart-]")
    assert canvases.count() > 0
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll("canvas[id^=chart-]")).map((canvas) => {
            const chart = Chart.getChart(canvas);
            const values = chart ? chart.data.datasets.flatMap((set) => set.data.map(Number)) : [];
            return {
                id: canvas.id,
                drawn: Boolean(chart) && canvas.width > 0 && canvas.height > 0,
                total: values.reduce((sum, value) => sum + (value || 0), 0),
            };
        })"""
    )
    assert [chart["id"] for chart in drawn if not chart["drawn"]] == []
    # Today's two contacts are counted in the contact charts.
    assert sum(chart["total"] > 0 for chart in drawn) >= 3, drawn

    _open(page, f"{live_server.url}/reporting/exports/")
    today = timezone.localdate().isoformat()
    page.select_option("#id_kind", "contacts")
    page.fill("#id_start", today)
    page.fill("#id_end", today)
    with page.expect_download() as download_info:
        page.locator("main form[method=post] button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as export:
        rows = list(csv.reader(io.StringIO(export.read())))
    header, data = rows[0], rows[1:]
    assert header[0] == "schema_version"
    assert len(data) == 2, "the phone call and the walk-in"
    assert CPR_NUMBER not in "".join(",".join(row) for row in rows)


def _evaluator_cannot_open_a_person_page(page, live_server, person_id):
    log_in(page, live_server, "erik")
    response = page.goto(f"{live_server.url}/contacts/persons/{person_id}/")
    assert response.status == 403
    assert "Jonas" not in page.content()


def test_a_whole_shift(live_server, new_page):
    UserFactory(username="sara", role=Role.STAFF)
    UserFactory(username="lene", role=Role.LEADER)
    UserFactory(username="erik", role=Role.EVALUATOR)

    staff = new_page()
    log_in(staff, live_server, "sara")
    assert staff.url.endswith("/contacts/board/")
    _staff_logs_a_phone_call_with_the_keyboard_only(staff)
    walk_in = _staff_registers_a_walk_in_and_starts_the_conversation(staff, live_server)
    _staff_identifies_the_citizen(staff, walk_in)
    plan = _staff_writes_the_conversation_and_a_plan(staff, live_server, walk_in)
    _staff_opens_the_print_view(staff, live_server, plan)
    _staff_books_a_bed_and_sees_it_on_the_board(staff, live_server, walk_in.person_id)
    follow_up, reminder_link = _the_next_days_reminder_shows_on_the_board(staff, live_server, plan)
    _staff_records_the_follow_up_with_a_score(staff, follow_up, reminder_link)

    leader = new_page()
    _leader_sees_charts_and_downloads_an_export(leader, live_server)

    evaluator = new_page()
    _evaluator_cannot_open_a_person_page(evaluator, live_server, walk_in.person_id)
