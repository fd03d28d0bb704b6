"""Per-citizen values the dashboard and exports derive without identifying anyone."""

import hashlib
import hmac

from django.conf import settings

from akuttilbud.cpr import age_on

ADULT_BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
SHA256_BLOCK = 64
PSEUDONYM_LENGTH = 16
AGE_BANDS = ["<18", *(f"{low}-{high}" for low, high in ADULT_BANDS), "65+", "unknown"]


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
    for low, high in ADULT_BANDS:
        if low <= years <= high:
            return f"{low}-{high}"
    raise AssertionError(years)


def age_band_sql(years):
    """``age_band`` as an SQL expression over the SQL integer expression ``years``."""
    adults = " ".join(f"WHEN {years} <= {high} THEN '{low}-{high}'" for low, high in ADULT_BANDS)
    return (
        f"CASE WHEN {years} IS NULL THEN 'unknown' WHEN {years} < 18 THEN '<18' "
        f"WHEN {years} >= 65 THEN '65+' {adults} END"
    )


def pseudonym(person_id, cpr_index, *, secret=None):
    """16 hex characters of HMAC-SHA256 over the CPR blind index (or ``person:<id>`` without a CPR).

    Keyed with ``EXPORT_PSEUDONYM_SECRET``: stable across exports, unlinkable without the secret.
    An anonymous contact (no person) has no pseudonym.
    """
    if person_id is None:
        return ""
    key = (secret or settings.EXPORT_PSEUDONYM_SECRET).encode()
    message = (cpr_index or f"person:{person_id}").encode()
    return hmac.digest(key, message, hashlib.sha256).hex()[:PSEUDONYM_LENGTH]


def pseudonym_sql(person_id, cpr_index, inner_pad, outer_pad):
    """``pseudonym`` of a non-null person as a PostgreSQL expression over the SQL expressions
    ``person_id`` and ``cpr_index`` and the bytea expressions of ``pseudonym_pads``.

    HMAC(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m)) (RFC 2104): the built-in
    ``sha256()`` is enough, no extension needed.
    """
    message = f"convert_to(coalesce(nullif({cpr_index}, ''), 'person:' || {person_id}), 'UTF8')"
    digest = f"sha256({outer_pad} || sha256({inner_pad} || {message}))"
    return f"encode(substring({digest} from 1 for {PSEUDONYM_LENGTH // 2}), 'hex')"


def pseudonym_pads(secret=None):
    """The key of ``pseudonym`` padded to SHA-256's block and XOR-ed with HMAC's inner (0x36) and
    outer (0x5c) pads, as ``hmac`` does: what ``pseudonym_sql`` needs."""
    key = (secret or settings.EXPORT_PSEUDONYM_SECRET).encode()
    if len(key) > SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(SHA256_BLOCK, b"\0")
    return bytes(byte ^ 0x36 for byte in key), bytes(byte ^ 0x5C for byte in key)
