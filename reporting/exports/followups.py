"""The follow-ups export: one row per follow-up first due in the period."""

from .. import queries
from ..people import record_key
from .columns import CHUNK_SIZE
from .persons import local_date, person_columns


def rows(period):
    follow_ups = (
        queries.follow_ups(period)
        .order_by("first_due_at", "id")
        .values_list(
            "id",
            "plan_id",
            "plan__created_at",
            "first_due_at",
            "completed_at",
            "status",
            "attempts",
            "plan__wants_follow_up",
            "plan__follow_up_channel",
            "plan__person_id",
            "plan__person__cpr_index",
            "plan__person__birth_date",
            "plan__person__birth_year",
            "plan__person__home_municipality_id",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        follow_up_id,
        plan_id,
        plan_created_at,
        first_due_at,
        completed_at,
        status,
        attempts,
        wants_follow_up,
        channel,
        person_id,
        cpr_index,
        birth_date,
        birth_year,
        municipality,
    ) in follow_ups:
        due_date = local_date(first_due_at)
        completed_date = local_date(completed_at)
        row = person_columns(due_date, person_id, cpr_index, birth_date, birth_year, municipality)
        del row["under_18"]
        row.update(
            follow_up_key=record_key("follow_up", follow_up_id),
            plan_key=record_key("plan", plan_id),
            plan_date=local_date(plan_created_at),
            first_due_date=due_date,
            first_due_at=first_due_at,
            completed_date=completed_date,
            completed_at=completed_at,
            status=status,
            attempts=attempts,
            done_on_time=completed_date is not None and completed_date <= due_date,
            wants_follow_up=wants_follow_up,
            follow_up_channel=channel,
            lacks_cpr=cpr_index is None,
        )
        yield row
