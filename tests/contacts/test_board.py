"""The shift board stays bounded whatever piles up: a screenful a section, "show all (n)" to
the section's paged list, and a query count that does not grow."""

import datetime
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, Contact, Stay
from contacts.views.board import BOARD_ROWS
from tests.factories import (
    CallbackFactory,
    ContactFactory,
    PersonFactory,
    ShiftNoteFactory,
    StayFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _walk_ins(count):
    now = timezone.now()
    Contact.objects.bulk_create(
        Contact(
            channel=Channel.WALK_IN,
            started_at=now - datetime.timedelta(minutes=count - number),
            summary=f"Venter {number:03d}",
        )
        for number in range(count)
    )


def test_each_section_shows_a_screenful_and_links_to_all_of_it(staff_client):
    _walk_ins(12)
    author = UserFactory()
    for number in range(8):
        ShiftNoteFactory(author=author, text=f"Overlevering {number}")
    for _ in range(7):
        CallbackFactory()
    page = staff_client.get(reverse("contacts:board")).content.decode()
    assert page.count("Overlevering ") == BOARD_ROWS
    assert "Vis alle (8)" in page
    assert "Vis alle (12)" in page
    assert "Vis alle (7)" in page
    assert reverse("contacts:board_section_all", args=["waiting"]) in page


def test_a_quiet_board_has_no_show_all_link(staff_client):
    _walk_ins(2)
    page = staff_client.get(reverse("contacts:board")).content.decode()
    assert "Vis alle" not in page


def test_the_show_all_page_pages_the_whole_section(staff_client):
    _walk_ins(60)
    url = reverse("contacts:board_section_all", args=["waiting"])
    first = staff_client.get(url)
    assert first.status_code == 200
    assert len(first.context["waiting"]) == 50
    second = staff_client.get(url, {"page": "2"})
    assert len(second.context["waiting"]) == 10
    assert staff_client.get(url, {"page": "x' OR 1=1"}).status_code == 200


def test_beds_and_unknown_sections_have_no_all_page(staff_client):
    assert staff_client.get(reverse("contacts:board_section_all", args=["beds"])).status_code == 404
    assert staff_client.get(reverse("contacts:board_section_all", args=["nonsense"])).status_code == 404


def test_the_navigation_groups_the_leaders_pages_in_one_menu(leader_client, staff_user):
    page = leader_client.get(reverse("contacts:board")).content.decode()
    assert 'class="nav-link dropdown-toggle"' in page
    menu = page[page.index('class="dropdown-menu"') :]
    for name in (
        "reporting:dashboard",
        "reporting:exports",
        "reporting:costs",
        "partners:billing",
        "audit_log",
    ):
        assert reverse(name) in menu
    staff = Client()
    staff.force_login(staff_user)
    assert "dropdown-toggle" not in staff.get(reverse("contacts:board")).content.decode()


def test_the_pages_have_a_favicon(staff_client):
    assert 'rel="icon"' in staff_client.get(reverse("contacts:board")).content.decode()


@pytest.mark.parametrize("count", [BOARD_ROWS + 1, 40])
def test_the_board_query_count_does_not_grow(staff_client, django_assert_max_num_queries, count):
    _walk_ins(count)
    author = UserFactory()
    for _ in range(count):
        ShiftNoteFactory(author=author)
        CallbackFactory()
        ContactFactory()
    # A count for each section longer than the board shows and the bed candidates; none a row.
    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse("contacts:board"))
    assert response.status_code == 200


def test_a_free_bed_is_booked_from_the_board_for_a_citizen_of_today(staff_client):
    person = PersonFactory(name="Ole Testmand")
    ContactFactory(person=person)
    page = staff_client.get(reverse("contacts:board")).content.decode()
    assert 'action="/contacts/board/beds/book/"' in page
    token = re.search(
        r'name="bed" value="2">\s*<input type="hidden" name="once_token" value="([0-9a-f-]{36})"', page
    )
    data = {"bed": "2", "person": person.pk, "once_token": token.group(1)}
    assert staff_client.post(reverse("contacts:board_book_bed"), data).status_code == 302
    # The same form posted again (a double click) books nothing more.
    assert staff_client.post(reverse("contacts:board_book_bed"), data).status_code == 302
    stay = Stay.objects.get()
    assert (stay.person, stay.bed, stay.check_out) == (person, 2, None)


def test_a_taken_bed_or_a_citizen_not_of_today_is_refused_with_a_message(staff_client):
    person = PersonFactory(name="Ole Testmand")
    ContactFactory(person=person)
    StayFactory(bed=1, check_in=timezone.now() - datetime.timedelta(hours=1), check_out=None)
    taken = staff_client.post(
        reverse("contacts:board_book_bed"),
        {"bed": "1", "person": person.pk, "once_token": str(uuid.uuid4())},
        follow=True,
    )
    assert taken.status_code == 200
    assert list(taken.context["messages"])
    stranger = PersonFactory()
    refused = staff_client.post(
        reverse("contacts:board_book_bed"),
        {"bed": "2", "person": stranger.pk, "once_token": str(uuid.uuid4())},
    )
    assert refused.status_code == 302
    assert Stay.objects.count() == 1
