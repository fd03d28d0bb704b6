"""The SWEMWBS scores export: one row per answered scale."""

from decimal import Decimal

from .. import queries
from .columns import CHUNK_SIZE
from .persons import PERSON_FIELDS, local_date, person_columns


def rows(period):
    items = [f"item_{number}" for number in range(1, 8)]
    scores = (
        queries.wellbeing_scores(period)
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
            score_id=score_id,
            occasion=occasion,
            date=day,
            raw_score=raw,
            metric_score=Decimal(metric).quantize(Decimal("0.01")),
            contact_id=contact_id,
            follow_up_id=follow_up_id,
            lacks_cpr=cpr_index is None,
        )
        yield row
