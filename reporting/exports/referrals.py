"""The referrals export: one row per referral made at a contact started in the period (never
its reason or outcome, which are free text)."""

from .. import queries
from ..people import pseudonym, record_key
from .columns import CHUNK_SIZE
from .persons import local_date


def rows(period):
    referrals = (
        queries.referrals(period)
        .order_by("contact__started_at", "id")
        .values_list(
            "id",
            "contact_id",
            "contact__started_at",
            "created_at",
            "partner__kind__name",
            "direction",
            "agreed_by_citizen",
            "contact__person_id",
            "contact__person__cpr_index",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        referral_id,
        contact_id,
        started_at,
        created_at,
        kind,
        direction,
        agreed,
        person_id,
        cpr_index,
    ) in referrals:
        yield {
            "referral_key": record_key("referral", referral_id),
            "contact_key": record_key("contact", contact_id),
            "pseudonym": pseudonym(person_id, cpr_index),
            "contact_date": local_date(started_at),
            "created_at": created_at,
            "partner_kind": kind,
            "direction": direction,
            "agreed_by_citizen": agreed,
        }
