"""The per-citizen rules written once: the pseudonym and the age band, in Python and in the
database, give the same values."""

import pytest
from django.db import transaction
from django.db.models import IntegerField, Value

from contacts.models import Person
from reporting.people import (
    AGE_BANDS,
    Pseudonym,
    RecordKey,
    age_band,
    age_band_expression,
    bind_pseudonym_key,
    pseudonym,
    record_key,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_the_database_pseudonym_is_the_python_pseudonym_with_and_without_a_cpr_number():
    with_cpr = PersonFactory(cpr="0101801234")
    without_cpr = PersonFactory()
    with transaction.atomic():
        bind_pseudonym_key()
        computed = dict(
            Person.objects.filter(pk__in=[with_cpr.pk, without_cpr.pk])
            .annotate(pseudonym=Pseudonym("id", "cpr_index"))
            .values_list("id", "pseudonym")
        )
    assert computed == {
        with_cpr.pk: pseudonym(with_cpr.pk, with_cpr.cpr_index),
        without_cpr.pk: pseudonym(without_cpr.pk, None),
    }
    assert with_cpr.cpr_index
    assert len({*computed.values()}) == 2


def test_the_database_record_key_is_the_python_record_key():
    people = [PersonFactory(), PersonFactory()]
    with transaction.atomic():
        bind_pseudonym_key()
        computed = dict(
            Person.objects.filter(pk__in=[person.pk for person in people])
            .annotate(key=RecordKey("contact", "id"))
            .values_list("id", "key")
        )
    assert computed == {person.pk: record_key("contact", person.pk) for person in people}
    assert len({*computed.values()}) == 2


@pytest.mark.parametrize("years", [None, 0, 17, 18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 101])
def test_the_age_band_expression_is_the_python_age_band(years):
    PersonFactory()
    band = (
        Person.objects.annotate(band=age_band_expression(Value(years, output_field=IntegerField())))
        .values_list("band", flat=True)
        .first()
    )
    assert band == age_band(years)
    assert band in AGE_BANDS
