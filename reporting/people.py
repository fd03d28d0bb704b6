"""Per-citizen values the dashboard and exports derive without identifying anyone."""

import hashlib
import hmac

from django.conf import settings

from akuttilbud.cpr import age_on

AGE_BANDS = ["<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown"]


def age(day, *, birth_date=None, birth_year=None, stated_age=None):
    """Age on ``day``: from the CPR birth date, else the youngest a birth year allows, else as stated.

    The same order as ``Person.age_on`` and ``Contact.is_under_18``.
    """
    if birth_date is not None:
        return age_on(birth_date, day)
    if birth_year is not None:
        return day.year - birth_year - 1
    return stated_age


def age_band(years):
    if years is None:
        return "unknown"
    if years < 18:
        return "<18"
    if years >= 65:
        return "65+"
    for low, high in ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64)):
        if low <= years <= high:
            return f"{low}-{high}"
    raise AssertionError(years)


def pseudonym(person_id, cpr_index, *, secret=None):
    """16 hex characters of HMAC-SHA256 over the CPR blind index (or ``person:<id>`` without a CPR).

    Keyed with ``EXPORT_PSEUDONYM_SECRET``: stable across exports, unlinkable without the secret.
    An anonymous contact (no person) has no pseudonym.
    """
    if person_id is None:
        return ""
    key = (secret or settings.EXPORT_PSEUDONYM_SECRET).encode()
    message = (cpr_index or f"person:{person_id}").encode()
    return hmac.digest(key, message, hashlib.sha256).hex()[:16]
