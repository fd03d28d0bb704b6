"""The SWEMWBS scores export: one row per answered scale recorded in the period, and the
follow-up scores recorded after it that pair with its at-contact scores (``in_period`` 0)."""

from decimal import Decimal

from .. import queries
from ..people import record_key
from .columns import CHUNK_SIZE
from .persons import PERSON_FIELDS, local_date, person_columns


def rows(period):
    items = [f"item_{number}" for number in range(1, 8)]
    scores = (
        queries.wellbeing_scores_with_pairs(period)
        .order_by("recorded_at", "id")
        .values_list(
            "id",
            "occasion",
            "recorded_at",
            *items,
            "raw_score",
            "metric_score",
            "contact_id",
            "follow_up_id",
            "person_id",
            "person__cpr_index",
            *PERSON_FIELDS,
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    end_at = period.end_at
    for values in scores:
        score_id, occasion, recorded_at, *rest = values
        answers, rest = rest[:7], rest[7:]
        raw, metric, contact_id, follow_up_id, person_id, cpr_index, birth_date, birth_year, municipality = (
            rest
        )
        day = local_date(recorded_at)
        row = person_columns(day, person_id, cpr_index, birth_date, birth_year, municipality)
        row.update(dict(zip(items, answers, strict=True)))
        row.update(
            score_key=record_key("score", score_id),
            occasion=occasion,
            date=day,
            recorded_at=recorded_at,
            raw_score=raw,
            metric_score=Decimal(metric).quantize(Decimal("0.01")),
            contact_key=record_key("contact", contact_id),
            follow_up_key=record_key("follow_up", follow_up_id),
            in_period=recorded_at < end_at,
            lacks_cpr=cpr_index is None,
        )
        yield row
