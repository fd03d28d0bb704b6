"""The contacts export built row by row in Python: any database, and the reference that the
PostgreSQL COPY (``contacts_copy``) must equal byte for byte.

Three queries however many rows: the contacts, their reasons in the same order (merged row by
row), and the persons who had a contact before the period.
"""

from itertools import islice

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from akuttilbud.cpr import age
from akuttilbud.expressions import WholeSeconds
from contacts.models import CHANNELS_NEEDING_CPR, Contact, Person

from .. import queries
from ..people import age_band, pseudonym, record_key
from .columns import CHUNK_SIZE, SCHEMA_VERSION, header
from .persons import PERSON_FIELDS
from .writer import write_chunks


def _contact_chunks(period, dialect):
    """The contacts export's data lines, a chunk of rows per list.

    Three queries however many rows: the contacts, their reasons in the same order (merged row by
    row), and the persons who had a contact before the period. The database hands over each
    contact's local date and its wait and duration in whole seconds (``WholeSeconds``, the
    dashboard's rule).
    """
    zone = timezone.get_default_timezone()
    in_period = queries.contacts(period)
    contacts = (
        in_period.annotate(
            local_date=TruncDate("started_at", tzinfo=zone),
            wait=WholeSeconds("answered_at", "started_at"),
            duration=WholeSeconds("ended_at", Coalesce("answered_at", "started_at")),
        )
        .order_by("started_at", "id")
        .values_list(
            "id",
            "local_date",
            "started_at",
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
    secret = settings.EXPORT_PSEUDONYM_SECRET
    next_reason = next(reasons, None)
    while chunk := list(islice(contacts, CHUNK_SIZE)):
        lines = []
        for (
            contact_id,
            day,
            started_at,
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
                    record_key("contact", contact_id, secret=secret),
                    pseudonym(person_id, cpr_index, secret=secret),
                    day.isoformat(),
                    timezone.localtime(started_at, zone).isoformat(timespec="seconds"),
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
                    wait,
                    duration,
                    notification_decision,
                )
            )
        yield lines


def contacts_in_python(period, dialect):
    """The contacts export's CSV text: the header line, then a chunk of rows at a time."""
    return write_chunks(header("contacts"), _contact_chunks(period, dialect), dialect)
