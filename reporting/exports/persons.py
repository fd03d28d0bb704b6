"""The columns every file derives from the citizen: pseudonym, age band, municipality, under 18."""

from django.utils import timezone

from akuttilbud.cpr import age

from ..people import age_band, pseudonym


def local_date(moment):
    """The local date in the service's zone (Europe/Copenhagen), cached rather than looked up."""
    return moment.astimezone(timezone.get_default_timezone()).date() if moment is not None else None


def person_columns(day, person_id, cpr_index, birth_date, birth_year, municipality, stated_age=None):
    years = age(day, birth_date=birth_date, birth_year=birth_year, stated_age=stated_age)
    return {
        "pseudonym": pseudonym(person_id, cpr_index),
        "age_band": age_band(years),
        "municipality_code": municipality,
        "under_18": years is not None and years < 18,
    }


PERSON_FIELDS = ("person__birth_date", "person__birth_year", "person__home_municipality_id")
