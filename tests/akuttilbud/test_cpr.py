import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from akuttilbud import cpr
from tests.factories import PersonFactory

TODAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("number", "born"),
    [
        ("0101361234", datetime.date(1936, 1, 1)),  # 7th digit 0-3: always 1900s
        ("0101373234", datetime.date(1937, 1, 1)),
        ("0101994234", datetime.date(1999, 1, 1)),  # 4 with YY 58-99: 1900s
        ("0101054234", datetime.date(2005, 1, 1)),  # 4 with YY 00-36: 2000s
        ("0101409234", datetime.date(1940, 1, 1)),  # 9 with YY 37-57: 1900s
        ("0101105234", datetime.date(2010, 1, 1)),  # 5-8 with YY 00-36: 2000s
        ("0101606234", datetime.date(1860, 1, 1)),  # 5-8 with YY 58-99: 1800s
        ("0101998234", datetime.date(1899, 1, 1)),
    ],
)
def test_century_follows_the_seventh_digit(number, born):
    assert cpr.birth_date(cpr.parse(number, today=TODAY)) == born


def test_5_to_8_with_37_to_57_is_2037_to_2057_and_so_in_the_future():
    assert cpr.birth_date("0101405234") == datetime.date(2040, 1, 1)
    with pytest.raises(ValidationError) as error:
        cpr.parse("0101405234", today=TODAY)
    assert error.value.code == "cpr_future"


def test_leap_day_exists_only_in_leap_years():
    assert cpr.birth_date(cpr.parse("2902004321", today=TODAY)) == datetime.date(2000, 2, 29)
    with pytest.raises(ValidationError) as error:
        cpr.parse("2902014321", today=TODAY)
    assert error.value.code == "cpr_date"


def test_birth_date_after_today_is_rejected():
    with pytest.raises(ValidationError):
        cpr.parse("2411264321", today=TODAY)
    assert cpr.parse("2311264321", today=TODAY) == "2311264321"


def test_number_failing_modulus_11_is_accepted():
    number = "0101701235"  # issued since 2007 without the old check digit
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    assert sum(w * int(d) for w, d in zip(weights, number, strict=True)) % 11 != 0
    assert cpr.parse(number, today=TODAY) == number


@pytest.mark.parametrize(
    "value", ["", "12345", "01017012345", "010170-12A4", "abcdefghij", "3213701234", "0113701234"]
)
def test_malformed_input_gets_a_clear_danish_message(value):
    with pytest.raises(ValidationError) as error:
        cpr.parse(value, today=TODAY)
    message = str(error.value.messages[0])
    assert "CPR" in message or "dato" in message


def test_hyphen_and_spaces_are_accepted_on_input():
    assert cpr.parse(" 010170-1235 ", today=TODAY) == "0101701235"
    assert cpr.parse("010170 1235", today=TODAY) == "0101701235"


def test_age_counts_whole_years_and_leap_day_birthdays():
    assert cpr.age_on(datetime.date(2008, 11, 24), datetime.date(2026, 11, 23)) == 17
    assert cpr.age_on(datetime.date(2008, 11, 23), datetime.date(2026, 11, 23)) == 18
    assert cpr.age_on(datetime.date(2000, 2, 29), datetime.date(2018, 2, 28)) == 17
    assert cpr.age_on(datetime.date(2000, 2, 29), datetime.date(2018, 3, 1)) == 18


def test_mask_shows_only_the_birth_date():
    assert cpr.mask_birth_date(datetime.date(1970, 1, 1)) == "010170-xxxx"


valid_numbers = st.builds(
    lambda born, serial: f"{born:%d%m%y}{serial}",
    st.dates(min_value=datetime.date(1937, 1, 1), max_value=datetime.date(1999, 12, 31)),
    st.integers(min_value=0, max_value=3999).map(lambda n: f"{n:04d}"),
)


@given(valid_numbers)
def test_parse_of_format_is_the_identity(number):
    assert cpr.parse(cpr.format_cpr(number), today=TODAY) == number


@given(valid_numbers)
def test_encryption_round_trips(number):
    token = cpr.encrypt(number)
    assert number not in token
    assert cpr.decrypt(token) == number
    assert cpr.blind_index(number) == cpr.blind_index(number)


def test_key_rotation_keeps_old_tokens_readable(settings):
    from cryptography.fernet import Fernet

    old_token = cpr.encrypt("0101701235")
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.CPR_ENCRYPTION_KEYS]
    assert cpr.decrypt(old_token) == "0101701235"
    rotated = cpr.rotate(old_token)
    settings.CPR_ENCRYPTION_KEYS = settings.CPR_ENCRYPTION_KEYS[:1]
    assert cpr.decrypt(rotated) == "0101701235"


@pytest.mark.django_db
def test_raw_cpr_is_not_stored_in_clear_text():
    PersonFactory(cpr="0101701235", name="Testperson")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM contacts_person")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    assert "Testperson" in stored  # the query did read the row
    assert "0101701235" not in stored
    assert "010170-1235" not in stored
