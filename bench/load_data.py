"""Realistic data at scale for benchmarks, shaped like the demo data.

Contacts spread over up to three years with the hour-of-day and channel mix the guide describes
(three in four by phone, one in five walk-in, most in late afternoon and evening); persons with
repeat contacts, about two in three identified by CPR; stays that never double-book a bed; crisis
plans with follow-ups and paired SWEMWBS scores; partners and referrals.

Rows are plain tuples written straight to the tables: ``COPY … FROM STDIN`` on PostgreSQL,
``executemany`` on SQLite. Model instances and ``bulk_create`` cost more in Python than the
database spends storing the rows, and a million contacts must load within minutes.
"""

import datetime
import json
import random
import time
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from akuttilbud import database
from akuttilbud.cpr import birth_date as cpr_birth_date
from akuttilbud.cpr import blind_index, encrypt
from akuttilbud.models import Municipality, Role, ServiceSettings, User
from contacts.models import (
    Callback,
    CallbackKind,
    CallerRole,
    Channel,
    Contact,
    Direction,
    Outcome,
    Person,
    Reason,
    Stay,
)
from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus, Occasion, WellbeingScore
from crisisplans.swemwbs import metric_score
from partners.models import Partner, PartnerKind, Referral, ReferralDirection
from reporting import summaries
from reporting.models import SummaryDay

BATCH = 20_000

CHANNEL_WEIGHTS = {
    Channel.PHONE: 75,
    Channel.WALK_IN: 20,
    Channel.OUTREACH: 2,
    Channel.SMS: 1,
    Channel.EMAIL: 1,
    Channel.CHAT: 1,
}
# Relative number of contacts per local hour 0..23: quiet nights, rising through the afternoon,
# peaking in the evening.
HOUR_WEIGHTS = [3, 2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 7, 8, 10, 11, 12, 12, 11, 9, 7, 5]
CALLER_ROLE_WEIGHTS = {
    CallerRole.CITIZEN: 85,
    CallerRole.RELATIVE: 9,
    CallerRole.PARTNER: 4,
    CallerRole.OTHER: 2,
}
ACUTENESS_WEIGHTS = {1: 10, 2: 35, 3: 55}


def _cumulative(weights):
    total, cumulative = 0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _synthetic_cpr(index):
    """A valid, unique CPR for index 0..79,999,999: 20,000 birth dates × 4,000 serials (1900s)."""
    born = datetime.date(1945, 1, 1) + datetime.timedelta(days=index % 20000)
    return f"{born:%d%m%y}{index // 20000:04d}"


class _Table:
    """Writes tuples of chosen columns to one model's table; every other column gets its default.

    JSON columns are given as JSON text."""

    def __init__(self, model, columns, now):
        self.model = model
        self.table = model._meta.db_table
        fields = {field.attname: field for field in model._meta.concrete_fields}
        self.columns = list(columns)
        self.fields = [fields[name] for name in self.columns]
        self.defaults = []
        for name, field in fields.items():
            if name in self.columns or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.has_default() or not field.null:
                value = field.get_default()
                if value is None and not field.null:
                    raise ValueError(f"{self.table}.{name} needs a value")
            else:
                value = None
            self.defaults.append((name, field, value))
        self.all_columns = self.columns + [name for name, _field, _value in self.defaults]
        self.tail = tuple(self._adapt(field, value) for _name, field, value in self.defaults)

    @staticmethod
    def _adapt(field, value):
        if isinstance(field, models.JSONField):
            return json.dumps(value)
        if connection.vendor == "sqlite" and value is not None:
            return field.get_db_prep_save(value, connection)
        return value

    def allocate_ids(self, count):
        """Reserve ``count`` primary keys, so rows can be linked before they are written."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
                    [self.table, self.table, count - 1],
                )
                last = cursor.fetchone()[0]
            else:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) + %s FROM "{self.table}"', [count])  # noqa: S608
                last = cursor.fetchone()[0]
        return range(last - count + 1, last + 1)

    def write(self, rows, *, with_ids=False):
        columns = (["id"] if with_ids else []) + self.all_columns
        quoted = ", ".join(f'"{column}"' for column in columns)
        tail = self.tail
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row + tail)
                return
            fields = ([None] if with_ids else []) + self.fields
            converters = [_sqlite_converter(field) for field in fields]
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f'INSERT INTO "{self.table}" ({quoted}) VALUES ({marks})',  # noqa: S608
                [
                    tuple(
                        convert(value) if convert and value is not None else value
                        for convert, value in zip(converters, row, strict=False)
                    )
                    + tail
                    for row in rows
                ],
            )


def _sqlite_converter(field):
    """How SQLite stores a value of ``field``, as Django writes it."""
    if field is None:
        return None
    if isinstance(field, models.DateTimeField):
        return lambda value: value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(field, models.DateField):
        return lambda value: value.isoformat()
    if isinstance(field, models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.BooleanField):
        return int
    return None


def generate(*, contacts, seed=1, stdout=None):
    rng = random.Random(seed)
    say = stdout.write if stdout else (lambda message: None)
    now = timezone.now().replace(microsecond=0)
    span_days = min(3 * 365, max(90, contacts // 30))
    start_day = timezone.localdate(now) - datetime.timedelta(days=span_days)
    service = ServiceSettings.load()

    with transaction.atomic():
        staff = _staff()
        persons = _persons(rng, max(1, contacts // 5), now)
        say(f"persons: {len(persons)}")
        partners = _partners()
        contact_ids, walk_ins = _contacts(rng, contacts, persons, staff, start_day, span_days, now)
        say(f"contacts: {len(contact_ids)}")
        stays = _stays(rng, persons, staff, service.beds, start_day, now)
        say(f"stays: {stays}")
        plans = _plans_and_follow_ups(rng, walk_ins, staff, service.follow_up_days, now)
        say(f"crisis plans: {plans}")
        callbacks = _callbacks(
            rng, contacts // 30, staff, start_day, span_days, service.goal_call_back_hours, now
        )
        say(f"call-backs: {callbacks}")
        referrals = _referrals(rng, contact_ids, partners, staff, now)
        say(f"referrals: {referrals}")
    # What autovacuum would have done by the time a real table held this much: statistics for
    # the planner and the visibility map that index-only scans rely on.
    database.analyze(vacuum=True)
    # What the nightly job would have done: the bulk writes above marked no days.
    started = time.perf_counter()
    summaries.rebuild()
    say(f"dashboard summaries: {SummaryDay.objects.count()} days in {time.perf_counter() - started:.1f} s")
    database.analyze()


def _staff():
    users = []
    for number in range(1, 21):
        user, created = User.objects.get_or_create(
            username=f"load-staff-{number}",
            defaults={"role": Role.STAFF, "first_name": "Vagt", "last_name": str(number)},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user.pk)
    return users


def _persons(rng, count, now):
    municipality_codes = list(Municipality.objects.values_list("code", flat=True))
    home_codes = municipality_codes[:3] + rng.sample(municipality_codes, 5)
    offset = Person.objects.count()
    table = _Table(
        Person,
        [
            "nickname",
            "home_municipality_id",
            "psychiatry_contact",
            "created_at",
            "cpr_encrypted",
            "cpr_index",
            "birth_date",
            "name",
            "birth_year",
        ],
        now,
    )
    ids = table.allocate_ids(count)
    persons = []
    rows = []
    for number, person_id in enumerate(ids):
        index = offset + number
        nickname = f"Gæst {index}" if number % 7 == 0 else ""
        municipality = rng.choice(home_codes)
        psychiatry = rng.choice(["yes", "no", "unknown"])
        has_cpr = number % 3 != 0
        if has_cpr:
            cpr = _synthetic_cpr(index)
            identity = (encrypt(cpr), blind_index(cpr), cpr_birth_date(cpr), f"Borger {index}", None)
        else:
            identity = ("", None, None, "", rng.randint(1950, 2005))
        rows.append((person_id, nickname, municipality, psychiatry, now, *identity))
        persons.append((person_id, has_cpr))
        if len(rows) == BATCH:
            table.write(rows, with_ids=True)
            rows = []
    table.write(rows, with_ids=True)
    return persons


def _partners():
    kinds = list(PartnerKind.objects.values_list("pk", flat=True))
    existing = list(
        Partner.objects.filter(name__startswith="Belastningspartner").values_list("pk", flat=True)
    )
    if existing:
        return existing
    created = Partner.objects.bulk_create(
        Partner(name=f"Belastningspartner {number}", kind_id=kinds[number % len(kinds)])
        for number in range(50)
    )
    return [partner.pk for partner in created]


def _contacts(rng, count, persons, staff, start_day, span_days, now):
    reasons = list(Reason.objects.values_list("pk", flat=True))
    outcomes = list(Outcome.objects.values_list("pk", flat=True))
    person_ids = [person_id for person_id, _has_cpr in persons]
    # A few frequent callers make most repeat contacts, as services report.
    frequent = person_ids[: max(1, len(person_ids) // 20)]
    channels, channel_weights = list(CHANNEL_WEIGHTS), _cumulative(CHANNEL_WEIGHTS.values())
    roles, role_weights = list(CALLER_ROLE_WEIGHTS), _cumulative(CALLER_ROLE_WEIGHTS.values())
    levels, level_weights = list(ACUTENESS_WEIGHTS), _cumulative(ACUTENESS_WEIGHTS.values())
    hour_weights = _cumulative(HOUR_WEIGHTS)
    # Every local midnight once, in UTC so that adding hours is plain arithmetic across DST.
    midnights = [
        timezone.make_aware(
            datetime.datetime.combine(start_day + datetime.timedelta(days=day), datetime.time())
        ).astimezone(datetime.UTC)
        for day in range(span_days + 1)
    ]
    hours = range(24)
    table = _Table(
        Contact,
        [
            "channel",
            "direction",
            "caller_role",
            "person_id",
            "started_at",
            "answered_at",
            "ended_at",
            "acuteness",
            "in_target_group",
            "summary",
            "staff_id",
            "created_at",
            "updated_at",
        ],
        now,
    )
    reason_table = _Table(Contact.reasons.through, ["contact_id", "reason_id"], now)
    outcome_table = _Table(Contact.outcomes.through, ["contact_id", "outcome_id"], now)
    ids = table.allocate_ids(count)
    walk_ins = []
    choices, random_number, randint, randrange, choice = (
        rng.choices,
        rng.random,
        rng.randint,
        rng.randrange,
        rng.choice,
    )
    timedelta = datetime.timedelta
    # Contacts are written in the order they happened, as a service's table fills up, so that
    # rows of one period lie together on disk as they would in production.
    starts = sorted(
        midnights[randrange(span_days)]
        + timedelta(
            hours=choices(hours, cum_weights=hour_weights)[0], minutes=randrange(60), seconds=randrange(60)
        )
        for _number in range(count)
    )
    for first in range(0, count, BATCH):
        rows, reason_links, outcome_links = [], [], []
        for contact_id, started in zip(
            ids[first : first + BATCH], starts[first : first + BATCH], strict=True
        ):
            channel = choices(channels, cum_weights=channel_weights)[0]
            wait = timedelta(seconds=randint(5, 300) if channel == Channel.PHONE else randint(60, 2400))
            roll = random_number()
            if channel == Channel.PHONE and roll < 0.4:
                person_id = None
            elif roll < 0.5:
                person_id = choice(frequent)
            else:
                person_id = choice(person_ids)
            rows.append(
                (
                    contact_id,
                    channel,
                    Direction.OUTGOING if random_number() < 0.08 else Direction.INCOMING,
                    choices(roles, cum_weights=role_weights)[0],
                    person_id,
                    started,
                    started + wait,
                    started + wait + timedelta(minutes=randint(3, 90)),
                    choices(levels, cum_weights=level_weights)[0],
                    random_number() < 0.92,
                    "Belastningsdata",
                    choice(staff),
                    started,
                    started,
                )
            )
            if channel == Channel.WALK_IN and person_id:
                walk_ins.append((contact_id, person_id, started))
            for reason in rng.sample(reasons, randint(0, 2)):
                reason_links.append((contact_id, reason))
            outcome_links.append((contact_id, choice(outcomes)))
        table.write(rows, with_ids=True)
        reason_table.write(reason_links)
        outcome_table.write(outcome_links)
    return ids, walk_ins


# A free bed is taken on a given evening with this chance, for 1–3 nights (1.7 on average): about
# 70 % of the nights are slept, what a small crisis service's beds see.
STAY_CHANCE = 0.6


def _stays(rng, persons, staff, beds, start_day, now):
    identified = [pk for pk, has_cpr in persons if has_cpr] or [persons[0][0]]
    table = _Table(
        Stay, ["person_id", "bed", "check_in", "check_out", "meals", "created_by_id", "created_at"], now
    )
    rows = []
    # A bed holds one stay at a time: stays already there (the demo's, an earlier run's) are
    # stepped around, and the nights between them filled like any others.
    booked = {bed: [] for bed in range(1, beds + 1)}
    for bed, check_in, check_out in Stay.objects.order_by("check_in").values_list(
        "bed", "check_in", "check_out"
    ):
        booked.setdefault(bed, []).append((check_in, check_out))
    last_day = timezone.localdate(now)
    for bed in range(1, beds + 1):
        taken = booked[bed]
        ahead = 0  # the first stay already there that does not end before the day looked at
        day = start_day
        while day < last_day:
            if rng.random() >= STAY_CHANCE:
                day += datetime.timedelta(days=1)
                continue
            nights = rng.choice([1, 1, 1, 2, 2, 3])
            check_in = timezone.make_aware(datetime.datetime.combine(day, datetime.time(20, 0)))
            check_out = timezone.make_aware(
                datetime.datetime.combine(day + datetime.timedelta(days=nights), datetime.time(10, 0))
            )
            if check_out > now:
                break
            while ahead < len(taken) and taken[ahead][1] is not None and taken[ahead][1] <= check_in:
                ahead += 1
            if ahead < len(taken) and taken[ahead][0] < check_out:
                # It would overlap a stay already there: go on from that stay's check-out.
                if taken[ahead][1] is None:
                    break  # still checked in
                day = max(day + datetime.timedelta(days=1), timezone.localdate(taken[ahead][1]))
                continue
            rows.append(
                (rng.choice(identified), bed, check_in, check_out, nights * 2, rng.choice(staff), check_in)
            )
            day += datetime.timedelta(days=nights)
    table.write(rows)
    return len(rows)


def _plans_and_follow_ups(rng, walk_ins, staff, follow_up_days, now):
    chosen = [walk_in for walk_in in walk_ins if rng.random() < 0.3]
    plan_table = _Table(
        CrisisPlan, ["person_id", "contact_id", "created_at", "created_by_id", "sections", "updated_at"], now
    )
    follow_up_table = _Table(
        FollowUp,
        ["plan_id", "due_at", "first_due_at", "status", "completed_at", "reminded_at", "attempts"],
        now,
    )
    score_table = _Table(
        WellbeingScore,
        [
            "person_id",
            "occasion",
            "recorded_at",
            "recorded_by_id",
            *[f"item_{number}" for number in range(1, 8)],
            "raw_score",
            "metric_score",
        ],
        now,
    )
    sections = json.dumps({"warning_signs": ["Kan ikke sove"], "own_coping": ["Går en tur"]})
    ids = plan_table.allocate_ids(len(chosen)) if chosen else []
    plans, follow_ups, scores = [], [], []
    statuses = [
        FollowUpStatus.REACHED,
        FollowUpStatus.NOT_REACHED,
        FollowUpStatus.DECLINED,
        FollowUpStatus.OPEN,
    ]
    for plan_id, (contact_id, person_id, started) in zip(ids, chosen, strict=True):
        created_by = rng.choice(staff)
        plans.append((plan_id, person_id, contact_id, started, created_by, sections, started))
        due = started + datetime.timedelta(days=follow_up_days)
        if due > now:
            status, completed = FollowUpStatus.OPEN, None
        else:
            status = rng.choices(statuses, [70, 15, 5, 10])[0]
            completed = (
                due + datetime.timedelta(hours=rng.randint(0, 48)) if status != FollowUpStatus.OPEN else None
            )
            if completed is not None and completed > now:
                completed = now
        follow_ups.append(
            (plan_id, due, due, status, completed, due if due <= now else None, 1 if completed else 0)
        )
        if rng.random() < 0.5:
            scores.append(_score(rng, person_id, Occasion.CONTACT, started, created_by, 0))
            if status == FollowUpStatus.REACHED:
                scores.append(_score(rng, person_id, Occasion.FOLLOW_UP, completed, created_by, 1))
    for first in range(0, len(plans), BATCH):
        plan_table.write(plans[first : first + BATCH], with_ids=True)
    follow_up_table.write(follow_ups)
    score_table.write(scores)
    return len(plans)


def _score(rng, person_id, occasion, at, user_id, lift):
    items = [min(5, max(1, rng.randint(1, 4) + (lift if rng.random() < 0.6 else 0))) for _ in range(7)]
    raw = sum(items)
    return (person_id, occasion, at, user_id, *items, raw, Decimal(metric_score(raw)))


def _callbacks(rng, count, staff, start_day, span_days, goal_hours, now):
    columns = ["kind", "received_at", "phone_encrypted", "phone_index", "phone_last4", "due_at"]
    table = _Table(Callback, [*columns, "done_at", "done_by_id"], now)
    # One number for every generated call-back: encrypting a million would only cost time.
    stored = Callback()
    stored.set_phone("+4520304050")
    phone = (stored.phone_encrypted, stored.phone_index, stored.phone_last4)
    kinds = list(CallbackKind)
    rows = []
    for _number in range(count):
        day = start_day + datetime.timedelta(days=rng.randrange(span_days))
        received = timezone.make_aware(
            datetime.datetime.combine(
                day, datetime.time(rng.choices(range(24), weights=HOUR_WEIGHTS)[0], rng.randrange(60))
            )
        )
        done = received + datetime.timedelta(minutes=rng.randint(5, 240))
        rows.append(
            (
                rng.choice(kinds),
                received,
                *phone,
                received + datetime.timedelta(hours=goal_hours),
                done if done < now else None,
                rng.choice(staff) if done < now else None,
            )
        )
    table.write(rows)
    return len(rows)


def _referrals(rng, contact_ids, partners, staff, now):
    table = _Table(
        Referral,
        ["contact_id", "partner_id", "direction", "agreed_by_citizen", "created_by_id", "created_at"],
        now,
    )
    rows = [
        (
            contact_id,
            rng.choice(partners),
            ReferralDirection.OUT if rng.random() < 0.7 else ReferralDirection.IN,
            True,
            rng.choice(staff),
            now,
        )
        for contact_id in contact_ids
        if rng.random() < 0.05
    ]
    for first in range(0, len(rows), BATCH):
        table.write(rows[first : first + BATCH])
    return len(rows)
