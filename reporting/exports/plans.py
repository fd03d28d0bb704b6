"""The crisis plans export: one row per plan made in the period (never its text)."""

from .. import queries
from ..people import record_key
from .columns import CHUNK_SIZE
from .persons import PERSON_FIELDS, local_date, person_columns


def rows(period):
    plans = (
        queries.plans(period)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "contact_id",
            "created_at",
            "closed_at",
            "wants_follow_up",
            "follow_up_channel",
            "follow_up_time_of_day",
            "person_id",
            "person__cpr_index",
            *PERSON_FIELDS,
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        plan_id,
        contact_id,
        created_at,
        closed_at,
        wants_follow_up,
        channel,
        time_of_day,
        person_id,
        cpr_index,
        birth_date,
        birth_year,
        municipality,
    ) in plans:
        day = local_date(created_at)
        row = person_columns(day, person_id, cpr_index, birth_date, birth_year, municipality)
        row.update(
            plan_key=record_key("plan", plan_id),
            contact_key=record_key("contact", contact_id),
            created_date=day,
            created_at=created_at,
            status="open" if closed_at is None else "closed",
            closed_at=closed_at,
            wants_follow_up=wants_follow_up,
            follow_up_channel=channel,
            follow_up_time_of_day=time_of_day,
            lacks_cpr=cpr_index is None,
        )
        yield row
