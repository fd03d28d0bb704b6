import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from contacts.models import Stay
from contacts.services import stays as stay_services
from tests.factories import PersonFactory, StayFactory
from tests.helpers import require_postgres, with_token

pytestmark = pytest.mark.django_db

EVENING = datetime.datetime(2025, 3, 14, 19, 0, tzinfo=datetime.UTC)


def _book(user, person, bed=1, check_in=EVENING, hours=14):
    return stay_services.book_stay(
        person=person,
        bed=bed,
        check_in=check_in,
        check_out=check_in + datetime.timedelta(hours=hours) if hours else None,
        user=user,
    )


def test_overlapping_stay_in_the_same_bed_is_refused_naming_the_stay_in_the_way(staff_user):
    _book(staff_user, PersonFactory(name="Første"))
    with pytest.raises(ValidationError) as raised:
        _book(staff_user, PersonFactory(name="Anden"), check_in=EVENING + datetime.timedelta(hours=3))
    message = " ".join(raised.value.message_dict["bed"])
    assert "Første" in message
    assert "14.03.2025 20:00" in message
    assert Stay.objects.count() == 1


def test_open_stay_blocks_the_bed_until_checked_out(staff_user):
    stay = _book(staff_user, PersonFactory(), hours=None)
    with pytest.raises(ValidationError):
        _book(staff_user, PersonFactory(), check_in=EVENING + datetime.timedelta(days=5))
    stay_services.check_out_stay(stay=stay, check_out=EVENING + datetime.timedelta(hours=12), user=staff_user)
    _book(staff_user, PersonFactory(), check_in=EVENING + datetime.timedelta(days=5))
    assert Stay.objects.count() == 2


def test_back_to_back_stays_and_other_beds_are_allowed(staff_user):
    _book(staff_user, PersonFactory())
    _book(staff_user, PersonFactory(), check_in=EVENING + datetime.timedelta(hours=14))
    _book(staff_user, PersonFactory(), bed=2)
    assert Stay.objects.count() == 3


def test_bed_outside_the_services_beds_is_refused(staff_user):
    ServiceSettings.load()
    with pytest.raises(ValidationError) as raised:
        _book(staff_user, PersonFactory(), bed=ServiceSettings.load().beds + 1)
    assert "bed" in raised.value.message_dict


def test_check_out_before_check_in_is_refused(staff_user):
    stay = _book(staff_user, PersonFactory(), hours=None)
    with pytest.raises(ValidationError):
        stay_services.check_out_stay(
            stay=stay, check_out=EVENING - datetime.timedelta(hours=1), user=staff_user
        )


def test_stay_past_the_max_consecutive_nights_warns_on_the_board(staff_client):
    settings_row = ServiceSettings.load()
    settings_row.max_consecutive_nights = 2
    settings_row.save()
    StayFactory(
        person=PersonFactory(nickname="Langtid"),
        bed=1,
        check_in=timezone.now() - datetime.timedelta(days=3),
        check_out=None,
    )
    StayFactory(person=PersonFactory(nickname="Kort"), bed=2, check_in=timezone.now(), check_out=None)
    page = staff_client.get(reverse("contacts:board_section", args=["beds"])).content.decode()
    assert page.count("more than 2 nights") + page.count("mere end 2 nætter") == 1


def test_booking_view_shows_the_overlap_beside_the_bed_field(staff_client):
    first = PersonFactory(name="Første")
    StayFactory(person=first, bed=1, check_in=timezone.now() - datetime.timedelta(hours=1), check_out=None)
    person = PersonFactory()
    check_in = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = staff_client.post(
        reverse("contacts:stay_book", args=[person.pk]),
        with_token({"bed": 1, "check_in": check_in, "meals": 1, "note": "Sen ankomst"}),
    )
    assert response.status_code == 200
    assert "Første" in response.content.decode()
    assert "Sen ankomst" in response.content.decode()
    assert not Stay.objects.filter(person=person).exists()


@pytest.mark.postgres_only
def test_postgres_exclusion_constraint_refuses_a_direct_overlapping_insert():
    require_postgres()
    StayFactory(bed=3, check_in=EVENING, check_out=EVENING + datetime.timedelta(hours=14))
    with pytest.raises(IntegrityError, match="stay_bed_no_overlap"), transaction.atomic():
        Stay.objects.create(
            person=PersonFactory(), bed=3, check_in=EVENING + datetime.timedelta(hours=2), check_out=None
        )


@pytest.mark.postgres_only
def test_postgres_constraint_violation_becomes_the_same_form_error(staff_user, monkeypatch):
    require_postgres()
    _book(staff_user, PersonFactory(name="Første"))
    # Another booking slipped in between the check and the insert: only the constraint sees it.
    monkeypatch.setattr(
        stay_services, "_stay_in_the_way", _first_call_finds_nothing(stay_services._stay_in_the_way)
    )
    with pytest.raises(ValidationError) as raised:
        _book(staff_user, PersonFactory(), check_in=EVENING + datetime.timedelta(hours=1))
    assert "Første" in " ".join(raised.value.message_dict["bed"])


def _first_call_finds_nothing(lookup):
    calls = []

    def patched(*args, **kwargs):
        calls.append(args)
        return None if len(calls) == 1 else lookup(*args, **kwargs)

    return patched
