"""The contacts export built row by row in Python: any database, and the reference that the
PostgreSQL COPY (``contacts_copy``) must equal byte for byte.

Three queries however many rows: the contacts, their reasons in the same order (merged row by
row), and the persons who had a contact before the period.
"""

from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute, TruncDate
from django.utils import timezone

from akuttilbud.cpr import age
from contacts.models import CHANNELS_NEEDING_CPR, Contact, Person

from .. import queries
from ..people import age_band, pseudonym
from .columns import CHUNK_SIZE, SCHEMA_VERSION, header
from .persons import PERSON_FIELDS
from .writer import write_chunks


def minutes(delta, decimal_separator):
    """A wait or duration (a timedelta) as minutes to a tenth, rounded half to even, as text with
    ``decimal_separator``; ``None`` stays empty. ``contacts_copy._minutes_sql`` is this rule in SQL."""
    if delta is None:
        return None
    text = str((Decimal(delta.total_seconds()) / 60).quantize(Decimal("0.1")))
    return text if decimal_separator == "." else text.replace(".", decimal_separator)


def _contact_chunks(period, dialect):
    """The contacts export's data lines, a chunk of rows per list.

    Three queries however many rows: the contacts, their reasons in the same order (merged row by
    row), and the persons who had a contact before the period. The database hands over each
    contact's local date, hour and minute and its wait and duration as intervals, so no row pays
    for a time-zone conversion or an aware datetime in Python.
    """
    zone = timezone.get_default_timezone()
    in_period = queries.contacts(period)
    contacts = (
        in_period.annotate(
            local_date=TruncDate("started_at", tzinfo=zone),
            local_hour=ExtractHour("started_at", tzinfo=zone),
            local_minute=ExtractMinute("started_at", tzinfo=zone),
            wait=ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField()),
            duration=ExpressionWrapper(
                F("ended_at") - Coalesce("answered_at", "started_at"), output_field=DurationField()
            ),
        )
        .order_by("started_at", "id")
        .values_list(
            "id",
            "local_date",
            "local_hour",
            "local_minute",
            "wait",
            "duration",
            "channel",
            "direction",
            "caller_role",
            "acuteness",
            "in_target_group",
            "stated_age",
            "notification_decision",
            "person_id",
            "person__cpr_index",
            *PERSON_FIELDS,
            "person__psychiatry_contact",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    reasons = iter(
        Contact.reasons.through.objects.filter(
            contact__started_at__gte=period.start_at, contact__started_at__lt=period.end_at
        )
        .order_by("contact__started_at", "contact_id", "reason__position", "reason__name")
        .values_list("contact_id", "reason__name")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    # A contact is the person's first when the person had none before the period and none
    # earlier in it, i.e. earlier in this stream.
    seen = set(
        Person.objects.filter(pk__in=in_period.values("person_id"))
        .filter(Exists(Contact.objects.filter(person=OuterRef("pk"), started_at__lt=period.start_at)))
        .values_list("pk", flat=True)
    )
    separator = dialect.decimal_separator
    secret = settings.EXPORT_PSEUDONYM_SECRET
    next_reason = next(reasons, None)
    while chunk := list(islice(contacts, CHUNK_SIZE)):
        lines = []
        for (
            contact_id,
            day,
            hour,
            minute,
            wait,
            duration,
            channel,
            direction,
            caller_role,
            acuteness,
            in_target_group,
            stated_age,
            notification_decision,
            person_id,
            cpr_index,
            birth_date,
            birth_year,
            municipality,
            psychiatry_contact,
        ) in chunk:
            first_contact = person_id is not None and person_id not in seen
            seen.add(person_id)
            names = []
            while next_reason is not None and next_reason[0] == contact_id:
                names.append(next_reason[1])
                next_reason = next(reasons, None)
            years = age(day, birth_date=birth_date, birth_year=birth_year, stated_age=stated_age)
            lines.append(
                (
                    SCHEMA_VERSION,
                    contact_id,
                    pseudonym(person_id, cpr_index, secret=secret),
                    day.isoformat(),
                    f"{hour:02d}:{minute:02d}",
                    channel,
                    direction,
                    caller_role,
                    acuteness,
                    "|".join(names),
                    "1" if in_target_group else "0",
                    "1" if person_id is None else "0",
                    "1" if channel in CHANNELS_NEEDING_CPR and cpr_index is None else "0",
                    "1" if years is not None and years < 18 else "0",
                    age_band(years),
                    municipality,
                    "1" if first_contact else "0",
                    psychiatry_contact,
                    minutes(wait, separator),
                    minutes(duration, separator),
                    notification_decision,
                )
            )
        yield lines


def contacts_in_python(period, dialect):
    """The contacts export's CSV text: the header line, then a chunk of rows at a time."""
    return write_chunks(header("contacts"), _contact_chunks(period, dialect), dialect)
