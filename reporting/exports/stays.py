"""The stays export: one row per overnight stay sharing time with the period."""

from django.utils import timezone

from .. import queries
from ..care_figures import meals_in_period, nights_in_period
from ..people import record_key
from .columns import CHUNK_SIZE
from .persons import PERSON_FIELDS, local_date, person_columns


def rows(period):
    today = timezone.localdate()
    stays = (
        queries.stays(period)
        .order_by("check_in", "id")
        .values_list(
            "id",
            "contact_id",
            "bed",
            "check_in",
            "check_out",
            "meals",
            "person_id",
            "person__cpr_index",
            *PERSON_FIELDS,
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for (
        stay_id,
        contact_id,
        bed,
        check_in,
        check_out,
        meals,
        person_id,
        cpr_index,
        birth_date,
        birth_year,
        municipality,
    ) in stays:
        check_in_date = local_date(check_in)
        check_out_date = local_date(check_out)
        row = person_columns(check_in_date, person_id, cpr_index, birth_date, birth_year, municipality)
        row.update(
            stay_key=record_key("stay", stay_id),
            contact_key=record_key("contact", contact_id),
            bed=bed,
            check_in_date=check_in_date,
            check_in_at=check_in,
            check_out_date=check_out_date,
            check_out_at=check_out,
            nights=((check_out_date or today) - check_in_date).days,
            nights_in_period=nights_in_period(check_in, check_out, period, today),
            meals=meals,
            meals_in_period=meals_in_period(check_in, meals, period),
            lacks_cpr=cpr_index is None,
        )
        yield row
