"""Per-citizen values the dashboard and exports derive without identifying anyone."""

import hashlib
import hmac

from django.conf import settings
from django.db.models import Case, CharField, Func, Value, When
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual

from akuttilbud import database

ADULT_BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
PSEUDONYM_LENGTH = 16
AGE_BANDS = ["<18", *(f"{low}-{high}" for low, high in ADULT_BANDS), "65+", "unknown"]


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


def age_band_expression(years):
    """``age_band`` as an ORM expression over the integer expression ``years``."""
    return Case(
        When(IsNull(years, True), then=Value("unknown")),
        When(LessThan(years, 18), then=Value("<18")),
        When(GreaterThanOrEqual(years, 65), then=Value("65+")),
        *[When(LessThanOrEqual(years, high), then=Value(f"{low}-{high}")) for low, high in ADULT_BANDS],
        output_field=CharField(),
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


def record_key(kind, record_id, *, secret=None):
    """16 hex characters of HMAC-SHA256 over ``<kind>:<id>`` (``contact``, ``plan``,
    ``follow_up``, ``stay``, ``score``, ``callback``, ``referral``, ``call``): the record's key in
    every file, so files join exactly without carrying the system's own numbers. Empty for none."""
    if record_id is None:
        return ""
    key = (secret or settings.EXPORT_PSEUDONYM_SECRET).encode()
    return hmac.digest(key, f"{kind}:{record_id}".encode(), hashlib.sha256).hex()[:PSEUDONYM_LENGTH]


# The setting ``Pseudonym`` reads its key from on PostgreSQL, local to the transaction
# (``bind_pseudonym_key``), so the key never appears in a statement's text.
KEY_SETTING = "akuttilbud.pseudonym_key"


def bind_pseudonym_key():
    """Make ``Pseudonym`` computable for the rest of the transaction (call it inside one)."""
    database.set_for_transaction(KEY_SETTING, settings.EXPORT_PSEUDONYM_SECRET.encode().hex())


class Pseudonym(Func):
    """``pseudonym`` of a person (``person_id`` and ``cpr_index`` expressions) inside the database:
    pgcrypto's ``hmac()`` on PostgreSQL, keyed from ``KEY_SETTING``; on SQLite the function
    ``akuttilbud_pseudonym`` that ``akuttilbud.database`` registers on each connection, which
    calls ``pseudonym`` itself."""

    output_field = CharField()
    function = "akuttilbud_pseudonym"

    def as_postgresql(self, compiler, connection, **extra_context):
        template = (  # constants and compiled expressions only
            "CASE WHEN %(person_id)s IS NULL THEN '' ELSE substring(encode(hmac(convert_to("  # noqa: S608
            "coalesce(nullif(%(cpr_index)s, ''), 'person:' || %(person_id)s), 'UTF8'), "
            f"(SELECT decode(current_setting('{KEY_SETTING}'), 'hex')), 'sha256'), 'hex') "
            f"FROM 1 FOR {PSEUDONYM_LENGTH}) END"
        )
        (person_id, person_params), (cpr_index, cpr_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = template % {"person_id": person_id, "cpr_index": cpr_index}
        # person_id appears twice in the template; its parameters (none for a column) with it.
        return sql, (*person_params, *cpr_params, *person_params)
