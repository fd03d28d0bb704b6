import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, Contact
from contacts.pagination import CappedPaginator
from contacts.views import contacts as contact_views

pytestmark = pytest.mark.django_db


def _contacts(count, staff):
    now = timezone.now().replace(microsecond=0)
    # Pairs share a start time, so only the id keeps the order stable across pages.
    Contact.objects.bulk_create(
        Contact(
            channel=Channel.PHONE,
            started_at=now - datetime.timedelta(minutes=index // 2),
            staff=staff,
            summary=f"Linje {index}",
        )
        for index in range(count)
    )


def test_beyond_the_count_limit_pages_follow_each_other_without_gaps_or_repeats(staff_user):
    _contacts(23, staff_user)
    contacts = Contact.objects.for_list()
    paginator = CappedPaginator(contacts, 5)
    paginator.count_limit = 10
    assert paginator.is_capped
    seen = []
    number = 1
    while True:
        page = paginator.get_page(number)
        seen.extend(contact.pk for contact in page)
        if not page.has_next():
            break
        number += 1
    assert number == 5
    assert seen == list(contacts.values_list("pk", flat=True))


def test_under_the_count_limit_the_count_is_exact(staff_user):
    _contacts(7, staff_user)
    paginator = CappedPaginator(Contact.objects.for_list(), 5)
    assert not paginator.is_capped
    assert paginator.count == 7
    assert paginator.num_pages == 2
    assert len(paginator.get_page(2)) == 2
    assert not paginator.get_page(2).has_next()


@pytest.mark.parametrize("number", ["0", "x", "99999999999999999999999", "-3"])
def test_a_page_number_that_is_not_a_page_gives_a_page_not_an_error(staff_user, number):
    _contacts(12, staff_user)
    paginator = CappedPaginator(Contact.objects.for_list(), 5)
    paginator.count_limit = 10
    assert len(paginator.get_page(number)) == 5


def test_the_list_says_more_than_the_limit_and_offers_the_next_page(staff_client, staff_user, monkeypatch):
    _contacts(12, staff_user)
    monkeypatch.setattr(CappedPaginator, "count_limit", 10)
    monkeypatch.setattr(contact_views, "CONTACTS_PER_PAGE", 5)
    response = staff_client.get(reverse("contacts:contact_list"), {"page": "2"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Linje 4" in page and "Linje 5" not in page and "Linje 11" not in page
    assert "page=3" in page and "page=1" in page
