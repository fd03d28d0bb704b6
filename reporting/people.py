"""Per-citizen values the dashboard and exports derive without identifying anyone."""

import hashlib
import hmac

from django.conf import settings
from django.db.models import CharField, Exists, Func, IntegerField, OuterRef, Q, Value

from akuttilbud import database
from akuttilbud.expressions import compiled, compose

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


class AgeBand(Func):
    """``age_band`` of the integer expression ``years`` inside the database, ``years`` computed
    once: on PostgreSQL the band's place among the bands' lower bounds (``width_bucket``), on
    SQLite the registered function ``akuttilbud_age_band``, which calls ``age_band`` itself."""

    output_field = CharField()
    function = "akuttilbud_age_band"
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        pieces = compiled(compiler, self.get_source_expressions(), ["years"])
        known = AGE_BANDS[:-1]
        pieces["bands"] = (f"ARRAY[{', '.join(['%s'] * len(known))}]", known)
        # The lower bound of each band after "<18": the adult bands', then "65+"'s.
        bounds = ", ".join(str(low) for low in [*(low for low, _high in ADULT_BANDS), ADULT_BANDS[-1][1] + 1])
        return compose(
            f"coalesce(({{bands}})[width_bucket({{years}}, ARRAY[{bounds}]) + 1], {{unknown}})",
            {
                **pieces,
                "unknown": ("%s", [AGE_BANDS[-1]]),
            },
        )


def age_band_expression(years):
    """``age_band`` as an ORM expression over the integer expression ``years``."""
    return AgeBand(years)


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
    """``_digest`` in PostgreSQL (pgcrypto's ``hmac()``) of the text SQL ``message`` (a template
    of ``expressions.compose``)."""
    return (  # constants and slots of compiled expressions only
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
        pieces = compiled(compiler, self.get_source_expressions(), ["person_id", "cpr_index"])
        message = "coalesce(nullif({cpr_index}, ''), 'person:' || {person_id})"
        return compose(f"CASE WHEN {{person_id}} IS NULL THEN '' ELSE {_hmac_sql(message)} END", pieces)


class RecordKey(Func):
    """``record_key`` of the record of ``kind`` whose id is the expression ``record_id``, inside
    the database: the same HMAC as ``Pseudonym`` on PostgreSQL; on SQLite the registered function
    ``akuttilbud_record_key``, which calls ``record_key`` itself."""

    output_field = CharField()
    function = "akuttilbud_record_key"

    def __init__(self, kind, record_id, **extra):
        super().__init__(Value(kind), record_id, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        pieces = compiled(compiler, self.get_source_expressions(), ["kind", "record_id"])
        message = "{kind} || ':' || {record_id}"
        return compose(f"CASE WHEN {{record_id}} IS NULL THEN '' ELSE {_hmac_sql(message)} END", pieces)


class Age(Func):
    """``akuttilbud.cpr.age`` inside the database, from a date expression ``day`` and the
    expressions of the birth date, birth year and stated age: on SQLite the registered function
    ``akuttilbud_age``, which calls ``age`` itself; on PostgreSQL the same steps in SQL, a birth
    date's years counted as ``age_on`` does (whole ten-thousands between the two dates written as
    YYYYMMDD numbers, so a 29 February birthday falls on 1 March and an unborn child is -1)."""

    output_field = IntegerField()
    function = "akuttilbud_age"
    arity = 4

    def as_postgresql(self, compiler, connection, **extra_context):
        names = ["day", "birth_date", "birth_year", "stated_age"]
        pieces = compiled(compiler, self.get_source_expressions(), names)

        def number(date):
            date = f"({date})::date"  # a NULL parameter has no type of its own
            return f"(date_part('year', {date}) * 10000 + date_part('month', {date}) * 100 + date_part('day', {date}))"

        return compose(
            "CASE WHEN {birth_date} IS NOT NULL "
            f"THEN floor(({number('{day}')} - {number('{birth_date}')}) / 10000)::integer "
            "WHEN {birth_year} IS NOT NULL THEN date_part('year', ({day})::date)::integer - {birth_year} - 1 "
            "ELSE {stated_age} END",
            pieces,
        )


def is_first_contact():
    """For a queryset of contacts: the contact is its person's first ever (the earliest start,
    the lowest id of two at the same moment); never for an anonymous contact."""
    from contacts.models import Contact

    earlier = Contact.objects.filter(person=OuterRef("person")).filter(
        Q(started_at__lt=OuterRef("started_at")) | Q(started_at=OuterRef("started_at"), id__lt=OuterRef("id"))
    )
    return Q(person__isnull=False) & ~Exists(earlier)
