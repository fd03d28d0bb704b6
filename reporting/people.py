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


def _digest(message, secret):
    """The first ``PSEUDONYM_LENGTH`` hex characters of HMAC-SHA256 of ``message`` keyed with the
    export secret: the one rule of a pseudonym and a record key (``_hmac_sql`` in PostgreSQL)."""
    key = (secret or settings.EXPORT_PSEUDONYM_SECRET).encode()
    return hmac.digest(key, message.encode(), hashlib.sha256).hex()[:PSEUDONYM_LENGTH]


def pseudonym(person_id, cpr_index, *, secret=None):
    """16 hex characters of HMAC-SHA256 over the CPR blind index (or ``person:<id>`` without a CPR).

    Keyed with ``EXPORT_PSEUDONYM_SECRET``: stable across exports, unlinkable without the secret.
    An anonymous contact (no person) has no pseudonym.
    """
    if person_id is None:
        return ""
    return _digest(cpr_index or f"person:{person_id}", secret)


def record_key(kind, record_id, *, secret=None):
    """16 hex characters of HMAC-SHA256 over ``<kind>:<id>`` (``contact``, ``plan``,
    ``follow_up``, ``stay``, ``score``, ``callback``, ``referral``, ``call``): the record's key in
    every file, so files join exactly without carrying the system's own numbers. Empty for none."""
    if record_id is None:
        return ""
    return _digest(f"{kind}:{record_id}", secret)


# The setting ``Pseudonym`` and ``RecordKey`` read their key from on PostgreSQL, local to the
# transaction (``bind_pseudonym_key``), so the key never appears in a statement's text.
KEY_SETTING = "akuttilbud.pseudonym_key"


def bind_pseudonym_key():
    """Make ``Pseudonym`` and ``RecordKey`` computable for the rest of the transaction (call it
    inside one)."""
    database.set_for_transaction(KEY_SETTING, settings.EXPORT_PSEUDONYM_SECRET.encode().hex())


def _hmac_sql(message):
    """``_digest`` in PostgreSQL (pgcrypto's ``hmac()``) of the text expression ``message``."""
    return (  # constants and compiled expressions only
        f"substring(encode(hmac(convert_to({message}, 'UTF8'), "  # noqa: S608
        f"(SELECT decode(current_setting('{KEY_SETTING}'), 'hex')), 'sha256'), 'hex') "
        f"FROM 1 FOR {PSEUDONYM_LENGTH})"
    )


class Pseudonym(Func):
    """``pseudonym`` of a person (``person_id`` and ``cpr_index`` expressions) inside the database:
    pgcrypto's ``hmac()`` on PostgreSQL, keyed from ``KEY_SETTING``; on SQLite the function
    ``akuttilbud_pseudonym`` that ``akuttilbud.database`` registers on each connection, which
    calls ``pseudonym`` itself."""

    output_field = CharField()
    function = "akuttilbud_pseudonym"
    arity = 2

    def as_postgresql(self, compiler, connection, **extra_context):
        (person_id, person_params), (cpr_index, cpr_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        message = f"coalesce(nullif({cpr_index}, ''), 'person:' || {person_id})"
        sql = f"CASE WHEN {person_id} IS NULL THEN '' ELSE {_hmac_sql(message)} END"
        # person_id appears twice; its parameters (none for a column) with it each time.
        return sql, (*person_params, *cpr_params, *person_params)


class RecordKey(Func):
    """``record_key`` of the record of ``kind`` whose id is the expression ``record_id``, inside
    the database: the same HMAC as ``Pseudonym`` on PostgreSQL; on SQLite the registered function
    ``akuttilbud_record_key``, which calls ``record_key`` itself."""

    output_field = CharField()
    function = "akuttilbud_record_key"

    def __init__(self, kind, record_id, **extra):
        super().__init__(Value(kind), record_id, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        (kind, kind_params), (record_id, id_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        message = f"{kind} || ':' || {record_id}"
        sql = f"CASE WHEN {record_id} IS NULL THEN '' ELSE {_hmac_sql(message)} END"
        return sql, (*id_params, *kind_params, *id_params)
