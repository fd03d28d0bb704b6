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
FOLLOW_UP_CHANNEL = Column(
    "follow_up_channel", "text", "How the citizen wanted to be followed up.", "phone, sms, visit, email"
)


def key_column(name, meaning):
    """A record's stable pseudonymous key (``reporting.people.record_key``)."""
    return Column(name, "key", meaning, "16 hex characters" + (" or empty" if "empty" in meaning else ""))


def time_column(name, meaning):
    return Column(
        name, "datetime", meaning, "YYYY-MM-DDTHH:MM:SS+HH:MM" + (" or empty" if "empty" in meaning else "")
    )


COLUMNS = {
    "contacts": [
        SCHEMA,
        key_column(
            "contact_key", "The contact's record key, the same in every file that refers to the contact."
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
        key_column("score_key", "The score's key."),
        PSEUDONYM,
        Column("occasion", "text", "When the scale was answered.", "contact, follow_up"),
        Column("date", "date", "Local date it was recorded.", "YYYY-MM-DD"),
        time_column("recorded_at", "When it was recorded."),
        *[Column(f"item_{number}", "integer", f"SWEMWBS item {number}.", "1-5") for number in range(1, 8)],
        Column("raw_score", "integer", "Sum of the seven items.", "7-35"),
        Column("metric_score", "decimal", "Metric (Rasch) score converted from the raw score.", "7.00-35.00"),
        key_column(
            "contact_key", "The contact it was recorded at (the `contacts` file's key); empty if none."
        ),
        key_column(
            "follow_up_key", "The follow-up it was recorded at (the `followups` file's key); empty if none."
        ),
        Column(
            "in_period",
            "flag",
            "Recorded in the period; 0 for a follow-up score recorded after the period's end, included "
            "because it pairs with an at-contact score of the period.",
            "1, 0",
        ),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
    ],
    "stays": [
        SCHEMA,
        key_column("stay_key", "The stay's key."),
        key_column(
            "contact_key", "The contact the stay began at (the `contacts` file's key); empty if none."
        ),
        PSEUDONYM,
        Column("bed", "integer", "The bed used."),
        Column("check_in_date", "date", "Local date of check-in.", "YYYY-MM-DD"),
        time_column("check_in_at", "When the citizen checked in."),
        Column(
            "check_out_date",
            "date",
            "Local date of check-out; empty while the stay is open.",
            "YYYY-MM-DD or empty",
        ),
        time_column("check_out_at", "When the citizen checked out; empty while the stay is open."),
        Column("nights", "integer", "Nights of the whole stay (an open stay: up to the export date)."),
        Column("nights_in_period", "integer", "Nights of the stay inside the exported period."),
        Column("meals", "integer", "Meals offered during the stay."),
        Column(
            "meals_in_period",
            "integer",
            "The stay's meals if it was checked in during the period, else 0 (a stay's meals belong to "
            "the period it began in).",
        ),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
        UNDER_18,
    ],
    "followups": [
        SCHEMA,
        key_column("follow_up_key", "The follow-up's key."),
        key_column("plan_key", "The crisis plan followed up (the `plans` file's key)."),
        PSEUDONYM,
        Column("plan_date", "date", "Local date the crisis plan was made.", "YYYY-MM-DD"),
        Column("first_due_date", "date", "Local date the follow-up was first due.", "YYYY-MM-DD"),
        time_column("first_due_at", "When the follow-up was first due."),
        Column("completed_date", "date", "Local date it was done; empty if not done.", "YYYY-MM-DD or empty"),
        time_column("completed_at", "When it was done; empty if not done."),
        Column(
            "status",
            "text",
            "Outcome so far.",
            "open, reached, not_reached, declined, not_wanted, cancelled",
        ),
        Column("attempts", "integer", "Attempts made to reach the citizen."),
        Column("done_on_time", "flag", "Done on or before the local date it was first due.", "1, 0"),
        Column("wants_follow_up", "flag", "The citizen wanted a follow-up when the plan was made.", "1, 0"),
        FOLLOW_UP_CHANNEL,
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
    ],
    "plans": [
        SCHEMA,
        key_column("plan_key", "The crisis plan's key."),
        PSEUDONYM,
        key_column(
            "contact_key", "The contact the plan was made at (the `contacts` file's key); empty if none."
        ),
        Column("created_date", "date", "Local date the plan was made.", "YYYY-MM-DD"),
        time_column("created_at", "When the plan was made."),
        Column("status", "text", "Whether the plan is still in use.", "open, closed"),
        time_column("closed_at", "When the plan was closed; empty while open."),
        Column("wants_follow_up", "flag", "The citizen wanted a follow-up.", "1, 0"),
        FOLLOW_UP_CHANNEL,
        Column(
            "follow_up_time_of_day",
            "text",
            "When the citizen preferred to be followed up.",
            "morning, afternoon, evening",
        ),
        AGE_BAND,
        MUNICIPALITY,
        LACKS_CPR,
        UNDER_18,
    ],
    "callbacks": [
        SCHEMA,
        key_column("callback_key", "The call-back's key."),
        Column("kind", "text", "What is to be answered.", "missed_call, voicemail, sms"),
        Column("received_date", "date", "Local date the call or message came in.", "YYYY-MM-DD"),
        time_column("received_at", "When the call or message came in."),
        time_column(
            "due_at", "The call-back time promised to the caller (the service goal unless staff set one)."
        ),
        time_column("done_at", "When it was called back or closed; empty while open."),
        Column(
            "wait_seconds",
            "integer",
            "From received until done, in whole seconds rounded down; empty while open.",
        ),
        Column(
            "closed_by",
            "text",
            "How it was closed: called back from the desk, the caller got through, or called back "
            "from the phone line; empty while open.",
            "desk, got_through, called_out or empty",
        ),
        Column("done_by_promised_time", "flag", "Done at or before the promised time.", "1, 0"),
        Column(
            "pseudonym",
            "text",
            "The citizen's pseudonym, if staff linked the call-back to a citizen; empty otherwise.",
            "16 hex characters or empty",
        ),
        key_column(
            "contact_key", "The contact the call-back became (the `contacts` file's key); empty if none."
        ),
    ],
    "referrals": [
        SCHEMA,
        key_column("referral_key", "The referral's key."),
        key_column("contact_key", "The contact it was made at (the `contacts` file's key)."),
        PSEUDONYM,
        Column(
            "contact_date",
            "date",
            "Local date the contact started: a referral belongs to its contact's period.",
            "YYYY-MM-DD",
        ),
        time_column("created_at", "When the referral was recorded."),
        Column(
            "partner_kind",
            "text",
            "The partner's kind, from the service's list of partner kinds.",
            "partner kind names",
        ),
        Column("direction", "text", "Referred to the partner, or sent to us by the partner.", "out, in"),
        Column(
            "agreed_by_citizen",
            "flag",
            "The citizen agreed to the referral; empty if not recorded.",
            "1, 0 or empty",
        ),
    ],
    "calls": [
        SCHEMA,
        key_column("call_key", "The call's key."),
        Column("line", "text", "The phone line's code.", "line codes of the service"),
        Column(
            "caller",
            "text",
            "The caller as a pseudonym of this file only (a fresh random key each export): the same "
            "number gives the same value within the file, never across files; empty when the number "
            "was withheld or is no longer kept.",
            "16 hex characters or empty",
        ),
        Column("ringing_date", "date", "Local date the call reached the line.", "YYYY-MM-DD"),
        time_column("ringing_at", "When the call rang or was queued: its wait starts here."),
        time_column("answered_at", "When a staff member answered; empty if nobody did."),
        time_column("ended_at", "When the call ended; empty if it has not."),
        Column(
            "wait_seconds",
            "integer",
            "From ringing until answered, in whole seconds rounded down; empty if not answered.",
        ),
        Column(
            "held_seconds",
            "integer",
            "From ringing until the call ended, in whole seconds rounded down; empty if not ended.",
        ),
        Column(
            "status",
            "text",
            "The call's final status.",
            "answered, abandoned, voicemail, busy_failed, outgoing, ringing, in_progress",
        ),
        Column(
            "short_abandon",
            "flag",
            "Abandoned within the grace time (misdials, pocket calls): left out of the service level.",
            "1, 0",
        ),
        key_column("contact_key", "The contact the call became (the `contacts` file's key); empty if none."),
        key_column(
            "callback_key", "The call-back the missed call made (the `callbacks` file's key); empty if none."
        ),
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
