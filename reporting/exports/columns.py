"""The files' columns and dialects, in one place: the header of each file, its data dictionary
(``docs/data-dictionary.md``, held to this by ``tests/reporting/test_exports.py``) and the CSV
flavours an evaluator can choose."""

from dataclasses import dataclass

from ..people import AGE_BANDS

SCHEMA_VERSION = 2
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    allowed: str = ""


@dataclass(frozen=True)
class Dialect:
    label: str
    delimiter: str
    decimal_separator: str
    byte_order_mark: bool


DIALECTS = {
    "standard": Dialect("Standard CSV (UTF-8, comma, decimal point)", ",", ".", False),
    "excel-da": Dialect("Danish Excel (UTF-8 with BOM, semicolon, decimal comma)", ";", ",", True),
}

SCHEMA = Column("schema_version", "integer", "Version of this file's column layout.", str(SCHEMA_VERSION))
PSEUDONYM = Column(
    "pseudonym",
    "text",
    "The citizen's pseudonym, the same in every export; empty for an anonymous contact.",
    "16 hex characters or empty",
)
AGE_BAND = Column("age_band", "text", "Age at the record's date.", ", ".join(AGE_BANDS))
MUNICIPALITY = Column(
    "municipality_code", "text", "The citizen's home municipality code.", "4-digit official code or empty"
)
LACKS_CPR = Column(
    "lacks_cpr", "flag", "The record needs an identified person but has no CPR number.", "1, 0"
)
UNDER_18 = Column("under_18", "flag", "The citizen was under 18 at the record's date.", "1, 0")

COLUMNS = {
    "contacts": [
        SCHEMA,
        Column(
            "contact_key",
            "text",
            "The contact's record key, the same in every file that refers to the contact.",
            "16 hex characters",
        ),
        PSEUDONYM,
        Column("date", "date", "Local date the contact started (Europe/Copenhagen).", "YYYY-MM-DD"),
        Column(
            "started_at",
            "datetime",
            "Local time the contact started, to the second, with its offset from UTC.",
            "YYYY-MM-DDTHH:MM:SS+HH:MM",
        ),
        Column("channel", "text", "How the contact came.", "phone, walk_in, outreach, sms, email, chat"),
        Column("direction", "text", "Who made the contact.", "in, out"),
        Column("caller_role", "text", "Who was on the other end.", "citizen, relative, partner, other"),
        Column(
            "acuteness",
            "integer",
            "1 suicidal or close to admission, 2 needs calming, 3 needs care and support; empty if not assessed.",
            "1, 2, 3 or empty",
        ),
        Column(
            "reasons",
            "text",
            "Reasons for the contact, from the service's list, joined by |.",
            "reason names",
        ),
        Column("in_target_group", "flag", "The citizen is in the service's target group.", "1, 0"),
        Column("anonymous", "flag", "No person was recorded for the contact.", "1, 0"),
        LACKS_CPR,
        UNDER_18,
        AGE_BAND,
        MUNICIPALITY,
        Column(
            "first_contact",
            "flag",
            "This is the person's first contact ever with the service.",
            "1, 0 (0 when anonymous)",
        ),
        Column(
            "psychiatry_contact",
            "text",
            "Previous contact with psychiatry, as the citizen told it.",
            "unknown, yes, no or empty when anonymous",
        ),
        Column(
            "wait_seconds",
            "integer",
            "Whole seconds (rounded down) from ringing or arrival until a staff member took it; "
            "empty if not answered.",
            "whole number or empty",
        ),
        Column(
            "duration_seconds",
            "integer",
            "Whole seconds (rounded down) from answered (or started) until ended; empty if not ended.",
            "whole number or empty",
        ),
        Column(
            "notification_decision",
            "text",
            "Duty to notify for under-18s.",
            "notified, not_needed or empty (not decided)",
        ),
    ],
    "wellbeing": [
        SCHEMA,
        Column("score_id", "integer", "The score's number in the service's system."),
        PSEUDONYM,
        Column("occasion", "text", "When the scale was answered.", "contact, follow_up"),
        Column("date", "date", "Local date it was recorded.", "YYYY-MM-DD"),
        *[Column(f"item_{number}", "integer", f"SWEMWBS item {number}.", "1-5") for number in range(1, 8)],
        Column("raw_score", "integer", "Sum of the seven items.", "7-35"),
        Column("metric_score", "decimal", "Metric (Rasch) score converted from the raw score.", "7.00-35.00"),
        Column("contact_id", "integer", "The contact it was recorded at; empty if none."),
        Column("follow_up_id", "integer", "The follow-up it was recorded at; empty if none."),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
    ],
    "stays": [
        SCHEMA,
        Column("stay_id", "integer", "The stay's number in the service's system."),
        PSEUDONYM,
        Column("bed", "integer", "The bed used."),
        Column("check_in_date", "date", "Local date of check-in.", "YYYY-MM-DD"),
        Column(
            "check_out_date",
            "date",
            "Local date of check-out; empty while the stay is open.",
            "YYYY-MM-DD or empty",
        ),
        Column("nights", "integer", "Nights of the whole stay (an open stay: up to the export date)."),
        Column("nights_in_period", "integer", "Nights of the stay inside the exported period."),
        Column("meals", "integer", "Meals offered during the stay."),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
        UNDER_18,
    ],
    "followups": [
        SCHEMA,
        Column("follow_up_id", "integer", "The follow-up's number in the service's system."),
        Column("plan_id", "integer", "The crisis plan followed up."),
        PSEUDONYM,
        Column("plan_date", "date", "Local date the crisis plan was made.", "YYYY-MM-DD"),
        Column("first_due_date", "date", "Local date the follow-up was first due.", "YYYY-MM-DD"),
        Column("completed_date", "date", "Local date it was done; empty if not done.", "YYYY-MM-DD or empty"),
        Column(
            "status",
            "text",
            "Outcome so far.",
            "open, reached, not_reached, declined, not_wanted, cancelled",
        ),
        Column("attempts", "integer", "Attempts made to reach the citizen."),
        Column("done_on_time", "flag", "Done on or before the local date it was first due.", "1, 0"),
        Column("wants_follow_up", "flag", "The citizen wanted a follow-up when the plan was made.", "1, 0"),
        Column(
            "follow_up_channel",
            "text",
            "How the citizen wanted to be followed up.",
            "phone, sms, visit, email",
        ),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
    ],
    "costs": [
        SCHEMA,
        Column("month", "text", "The month the cost belongs to.", "YYYY-MM"),
        Column(
            "category",
            "text",
            "Cost category.",
            "salaries, rent, training, communication, meals, establishment, other",
        ),
        Column("amount", "decimal", "Sum of the month's entries in the category, DKK."),
        Column("running", "flag", "A running cost (every category except establishment).", "1, 0"),
    ],
}
KINDS = list(COLUMNS)


def header(kind):
    return [column.name for column in COLUMNS[kind]]
