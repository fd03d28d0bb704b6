import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from akuttilbud.models import Role, ServiceSettings
from contacts.models import Callback, Channel, Contact, CrisisConversation, Person, Reason, ShiftNote, Stay
from tests.factories import (
    CallbackFactory,
    ContactFactory,
    PersonFactory,
    ShiftNoteFactory,
    StayFactory,
    UserFactory,
)
from tests.helpers import with_token

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>" + "æøå" * 3400


@pytest.fixture
def records():
    person = PersonFactory(name="Jens", cpr="0101901234")
    other = PersonFactory(nickname="Natteravn")
    contact = ContactFactory(person=person)
    stay = StayFactory(person=person, check_out=None)
    callback = CallbackFactory()
    return {"person": person, "other": other, "contact": contact, "stay": stay, "callback": callback}


def _urls(records):
    person, contact = records["person"], records["contact"]
    return [
        reverse("contacts:board"),
        reverse("contacts:board_section", args=["waiting"]),
        reverse("contacts:board_section", args=["callbacks"]),
        reverse("contacts:board_section", args=["beds"]),
        reverse("contacts:board_section", args=["today"]),
        reverse("contacts:board_section", args=["notes"]),
        reverse("contacts:quick_log"),
        reverse("contacts:arrival"),
        reverse("contacts:contact_list"),
        reverse("contacts:contact_detail", args=[contact.pk]),
        reverse("contacts:person_search"),
        reverse("contacts:person_create"),
        reverse("contacts:person_detail", args=[person.pk]),
        reverse("contacts:person_edit", args=[person.pk]),
        reverse("contacts:person_identify", args=[person.pk]),
        reverse("contacts:person_merge", args=[person.pk, records["other"].pk]),
        reverse("contacts:stay_book", args=[person.pk]),
        reverse("contacts:stay_check_out", args=[records["stay"].pk]),
        reverse("contacts:callback_add"),
        reverse("contacts:callback_complete", args=[records["callback"].pk]),
    ]


POST_ONLY = ["shift_note_add", "contact_start", "contact_link_person", "person_reveal"]


def _post_urls(records):
    return [
        reverse("contacts:shift_note_add"),
        reverse("contacts:contact_start", args=[records["contact"].pk]),
        reverse("contacts:contact_link_person", args=[records["contact"].pk]),
        reverse("contacts:person_reveal", args=[records["person"].pk]),
    ]


@pytest.mark.parametrize("role", [Role.STAFF, Role.LEADER])
def test_staff_and_leaders_open_every_page(client, records, role):
    client.force_login(UserFactory(role=role))
    for url in _urls(records):
        assert client.get(url).status_code == 200, url


def test_evaluator_gets_403_everywhere(evaluator_client, records):
    for url in _urls(records):
        assert evaluator_client.get(url).status_code == 403, url
    for url in _post_urls(records):
        assert evaluator_client.post(url, {"person": records["person"].pk}).status_code == 403, url
    assert not ShiftNote.objects.exists()


def test_anonymous_is_sent_to_login(client, records):
    for url in _urls(records) + _post_urls(records):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_every_contacts_view_declares_its_roles():
    from tests.urlwalk import app_urls

    for name, _path, callback in app_urls():
        if name and name.startswith("contacts:"):
            assert callback.allowed_roles == {Role.STAFF, Role.LEADER}, name


# Happy paths


def test_quick_log_saves_with_channel_acuteness_and_one_line(staff_client, staff_user):
    pressed = (timezone.now() - datetime.timedelta(minutes=4)).isoformat()
    page = staff_client.get(reverse("contacts:quick_log")).content.decode()
    assert 'data-timer-since="' in page and "autofocus" in page
    response = staff_client.post(
        reverse("contacts:quick_log"),
        with_token(
            {"channel": "phone", "acuteness": "3", "summary": "Ensom, talte om dagen", "answered_at": pressed}
        ),
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.staff == staff_user
    assert contact.duration >= datetime.timedelta(minutes=4)


def test_board_button_has_the_access_key(staff_client):
    page = staff_client.get(reverse("contacts:board")).content.decode()
    assert 'accesskey="n"' in page
    assert 'hx-get="/plans/board/followups/"' in page
    # The polled regions never hold a text input: typing would be lost on refresh.
    regions = page.split('id="board-notes"')[1].split("</div>")[0]
    assert "<textarea" not in regions and 'type="text"' not in regions


def test_arrival_is_on_the_board_with_minutes_waited(staff_client):
    response = staff_client.post(
        reverse("contacts:arrival"), with_token({"nickname": "Lone", "stated_age": "16"})
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.channel == Channel.WALK_IN
    board = staff_client.get(reverse("contacts:board_section", args=["waiting"])).content.decode()
    assert "Lone" in board
    staff_client.post(reverse("contacts:contact_start", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.answered_at is not None


def _contact_page_form(contact, **fields):
    """The contact page's form as a phone call from the citizen, with ``fields`` on top."""
    return {
        "contact-channel": "phone",
        "contact-direction": "in",
        "contact-caller_role": "citizen",
        "contact-started_at": timezone.localtime(contact.started_at).strftime("%Y-%m-%dT%H:%M"),
        "contact-acuteness": "2",
        "contact-in_target_group": "on",
        "conversation-situation": "Har det svært",
        **fields,
    }


def test_contact_page_saves_the_conversation_and_shows_the_under_18_banner(staff_client):
    contact = ContactFactory(stated_age=15)
    reason = Reason.objects.get(name="Angst")
    url = reverse("contacts:contact_detail", args=[contact.pk])
    response = staff_client.get(url)
    page = response.content.decode()
    assert "alert-warning" in page
    assert f"/partners/contacts/{contact.pk}/referrals/" in page
    started = timezone.localtime(contact.started_at).strftime("%Y-%m-%dT%H:%M")
    response = staff_client.post(
        url,
        _contact_page_form(
            contact,
            **{
                "contact-reasons": [reason.pk],
                "contact-summary": "Panik",
                "contact-notification_decision": "notified",
                "contact-notified_at": started,
                "conversation-agreed": "Ringer i morgen",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert contact.conversation.agreed == "Ringer i morgen"
    assert list(contact.reasons.all()) == [reason]
    assert contact.notification_decision == "notified"


def test_walk_in_page_says_cpr_missing_and_why(staff_client):
    contact = ContactFactory(channel=Channel.WALK_IN, person=PersonFactory(nickname="Ukendt"))
    page = staff_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert "cpr-missing" in page


def test_contact_list_filters_and_ignores_bad_filters(staff_client):
    ContactFactory(channel=Channel.PHONE, summary="telefonen")
    ContactFactory(channel=Channel.WALK_IN, summary="fremmøde", person=None)
    url = reverse("contacts:contact_list")
    page = staff_client.get(url, {"channel": "walk_in", "lacking_cpr": "on"}).content.decode()
    assert "fremmøde" in page and "telefonen" not in page
    bad = staff_client.get(
        url, {"from_date": "31.02.2024", "to_date": "0001-01-01", "channel": HOSTILE, "page": "x"}
    )
    assert bad.status_code == 200


def test_stay_booking_and_check_out(staff_client):
    person = PersonFactory(cpr="0101901234")
    check_in = timezone.localtime() - datetime.timedelta(hours=2)
    response = staff_client.post(
        reverse("contacts:stay_book", args=[person.pk]),
        with_token({"bed": "2", "check_in": check_in.strftime("%Y-%m-%dT%H:%M"), "meals": "1"}),
    )
    assert response.status_code == 302
    stay = Stay.objects.get()
    response = staff_client.post(
        reverse("contacts:stay_check_out", args=[stay.pk]),
        {"check_out": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "meals": "2"},
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.check_out is not None and stay.meals == 2


def test_callback_register_and_complete(staff_client):
    response = staff_client.post(
        reverse("contacts:callback_add"), with_token({"kind": "missed_call", "phone": "20 30 40 50"})
    )
    assert response.status_code == 302
    callback = Callback.objects.get()
    response = staff_client.post(
        reverse("contacts:callback_complete", args=[callback.pk]), with_token({"summary": "Ok"})
    )
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.contact.direction == "out"


def test_overdue_callback_stands_out_in_words(staff_client):
    CallbackFactory(
        received_at=timezone.now() - datetime.timedelta(hours=5),
        due_at=timezone.now() - datetime.timedelta(hours=3),
    )
    page = staff_client.get(reverse("contacts:board_section", args=["callbacks"])).content.decode()
    assert 'class="overdue"' in page
    assert "badge text-bg-danger" in page


def test_shift_note_from_the_board(staff_client):
    response = staff_client.post(reverse("contacts:shift_note_add"), with_token({"text": "Husk nøgler"}))
    assert response.status_code == 302
    assert "Husk nøgler" in staff_client.get(reverse("contacts:board")).content.decode()


# Hostile input: a form error or success, never a 500, and what was typed comes back.


def _hostile_posts(records):
    person, contact, stay, callback = (
        records["person"],
        records["contact"],
        records["stay"],
        records["callback"],
    )
    return [
        (
            reverse("contacts:quick_log"),
            {"channel": HOSTILE, "acuteness": "-1", "summary": HOSTILE, "answered_at": HOSTILE},
        ),
        (
            reverse("contacts:arrival"),
            {"name": HOSTILE, "nickname": HOSTILE, "stated_age": "-5", "arrived_at": "31.02.2024 25:61"},
        ),
        (
            reverse("contacts:contact_detail", args=[contact.pk]),
            {
                "contact-channel": "phone",
                "contact-started_at": "not a date",
                "contact-answered_at": "0001-01-01T00:00",
                "contact-stated_age": "-3",
                "contact-acuteness": "7",
                "contact-summary": HOSTILE,
                "contact-reasons": ["-1"],
                "contact-caller_partner": "abc",
                "conversation-situation": HOSTILE,
            },
        ),
        (
            reverse("contacts:person_create"),
            {
                "cpr": HOSTILE,
                "name": HOSTILE,
                "birth_year": "-1900",
                "phone": "<b>",
                "home_municipality": "9999",
            },
        ),
        (
            reverse("contacts:person_create"),
            {"cpr": "320190-1234", "name": HOSTILE[:100], "psychiatry_contact": "x"},
        ),
        (
            reverse("contacts:person_edit", args=[person.pk]),
            {"name": HOSTILE, "birth_year": "99999", "notes": HOSTILE},
        ),
        (reverse("contacts:person_identify", args=[person.pk]), {"cpr": HOSTILE}),
        (reverse("contacts:person_search"), {"term": HOSTILE, "contact": "-1", "merge_with": HOSTILE}),
        (reverse("contacts:person_merge", args=[person.pk, records["other"].pk]), {"confirm": HOSTILE[:0]}),
        (
            reverse("contacts:stay_book", args=[person.pk]),
            {"bed": "-1", "check_in": "bad", "meals": "-2", "note": HOSTILE},
        ),
        (
            reverse("contacts:stay_book", args=[person.pk]),
            {"bed": "99999999999999999999", "check_in": "9999-12-31T23:59", "meals": "1e9"},
        ),
        (
            reverse("contacts:stay_check_out", args=[stay.pk]),
            {"check_out": "2024-13-45T99:99", "meals": "-1", "note": HOSTILE},
        ),
        (
            reverse("contacts:callback_add"),
            {"kind": HOSTILE, "phone": HOSTILE, "received_at": "bad", "note": HOSTILE},
        ),
        (reverse("contacts:callback_complete", args=[callback.pk]), {"summary": HOSTILE, "acuteness": "9"}),
        (reverse("contacts:shift_note_add"), {"text": HOSTILE}),
    ]


def test_hostile_input_gives_form_errors_and_keeps_the_text(staff_client, records):
    for url, data in _hostile_posts(records):
        response = staff_client.post(url, data)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "<script>alert" not in page, url
        assert "invalid-feedback" in page or "alert-danger" in page or "is-invalid" in page, url
        typed = [value for value in data.values() if isinstance(value, str) and value.startswith("<script>")]
        for value in typed:
            if url.endswith("/identify/") or url.endswith("/persons/new/") and data.get("cpr") == value:
                continue
            assert escape(value)[:200] in page or escape(value[:200]) in page, (url, "typed text was lost")


def test_hostile_object_ids_give_404_not_500(staff_client, records):
    response = staff_client.post(
        reverse("contacts:contact_link_person", args=[records["contact"].pk]), {"person": "'; DROP TABLE"}
    )
    assert response.status_code == 404
    assert staff_client.get(reverse("contacts:board_section", args=["nonsense"])).status_code == 404
    assert staff_client.get(reverse("contacts:person_detail", args=[999999])).status_code == 404
    assert staff_client.get(reverse("contacts:person_search"), {"contact": "x" * 50}).status_code == 200
    assert staff_client.get(reverse("contacts:person_create"), {"contact": "99999"}).status_code == 404


# Query counts do not grow with the data.


def _many_contacts(count, person, staff):
    now = timezone.now()
    Contact.objects.bulk_create(
        [
            Contact(
                person=person if index % 2 else None,
                staff=staff,
                channel=Channel.WALK_IN if index % 10 == 0 else Channel.PHONE,
                started_at=now - datetime.timedelta(minutes=index),
                answered_at=None if index % 10 == 0 else now - datetime.timedelta(minutes=index),
                summary=f"Kontakt {index}",
                acuteness=3,
            )
            for index in range(count)
        ]
    )
    reasons = list(Reason.objects.all()[:2])
    for contact in Contact.objects.all()[:50]:
        contact.reasons.set(reasons)


def _populate(count, staff_user):
    ServiceSettings.load()
    person = PersonFactory(name="Jens", cpr="0101901234")
    _many_contacts(count, person, staff_user)
    for index in range(min(count, 20)):
        CallbackFactory(person=person if index % 2 else None)
        ShiftNoteFactory(author=staff_user)
    StayFactory(person=person, bed=1, check_in=timezone.now() - datetime.timedelta(days=4), check_out=None)
    return person


BOARD_MAX_QUERIES = 16
PERSON_MAX_QUERIES = 18


@pytest.mark.parametrize("count", [10, 500])
def test_board_queries_do_not_grow_with_the_data(
    staff_client, staff_user, django_assert_max_num_queries, count
):
    _populate(count, staff_user)
    with django_assert_max_num_queries(BOARD_MAX_QUERIES):
        response = staff_client.get(reverse("contacts:board"))
    assert response.status_code == 200
    assert "Kontakt 0" in response.content.decode()


@pytest.mark.parametrize("count", [10, 500])
def test_person_page_queries_do_not_grow_with_the_data(
    staff_client, staff_user, django_assert_max_num_queries, count
):
    person = _populate(count, staff_user)
    # Several staff members on the timeline cost no query per contact either.
    colleague = UserFactory(first_name="Kollega")
    every_other = list(person.contacts.values_list("pk", flat=True))[::2]
    person.contacts.filter(pk__in=every_other).update(staff=colleague)
    with django_assert_max_num_queries(PERSON_MAX_QUERIES):
        response = staff_client.get(reverse("contacts:person_detail", args=[person.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Kontakt ") >= count // 2
    reasons = ", ".join(reason.name for reason in Reason.objects.all()[:2])
    assert f"– {colleague.display_name}" in page and f"– {staff_user.display_name}" in page
    assert f"({reasons})" in page


@pytest.mark.parametrize("count", [10, 500])
def test_contact_list_queries_do_not_grow_with_the_data(
    staff_client, staff_user, django_assert_max_num_queries, count
):
    _populate(count, staff_user)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("contacts:contact_list"), {"lacking_cpr": ""})
    assert response.status_code == 200


def test_persons_created_by_views_never_hold_a_cpr_in_a_url(staff_client):
    staff_client.post(
        reverse("contacts:person_create"), with_token({"cpr": "0101901234", "psychiatry_contact": "unknown"})
    )
    person = Person.objects.get()
    assert "0101901234" not in reverse("contacts:person_detail", args=[person.pk])


def test_ids_in_htmx_paths_and_hidden_fields_are_plain_digits(staff_client):
    # Danish formatting writes 12345 as "12.345"; a path or a form value must not.
    person = PersonFactory(pk=23456, nickname="Tusind")
    contact = ContactFactory(pk=12345)
    contact_page = staff_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert "/partners/contacts/12345/referrals/" in contact_page
    assert "?contact=12345" in contact_page
    person_page = staff_client.get(reverse("contacts:person_detail", args=[person.pk])).content.decode()
    assert "/plans/persons/23456/" in person_page
    assert "?merge_with=23456" in person_page
    results = staff_client.post(reverse("contacts:person_search"), {"term": "Tusind", "contact": "12345"})
    assert 'name="person" value="23456"' in results.content.decode()


def _refuse_conversations(cursor):
    """A real fault in the conversation's write: the database refuses every new conversation."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "CREATE FUNCTION refuse_conversation() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_conversation BEFORE INSERT ON contacts_crisisconversation "
            "FOR EACH ROW EXECUTE FUNCTION refuse_conversation()"
        )
    else:
        cursor.execute(
            "CREATE TRIGGER refuse_conversation BEFORE INSERT ON contacts_crisisconversation "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )


def test_contact_page_saves_the_contact_and_its_conversation_together_or_not_at_all(staff_user):
    contact = ContactFactory(summary="Før")
    url = reverse("contacts:contact_detail", args=[contact.pk])
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    with connection.cursor() as cursor:
        _refuse_conversations(cursor)
    response = client.post(url, _contact_page_form(contact, **{"contact-summary": "Efter"}))
    assert response.status_code == 500
    contact.refresh_from_db()
    assert contact.summary == "Før"
    assert not CrisisConversation.objects.filter(contact=contact).exists()
