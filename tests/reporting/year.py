"""A generated year of the service, 2026, beside 2025 (the dashboard's previous period), with
the edges a figure can go wrong at: both nights the clocks change, records on either side of
the period's first and last midnight, a stay across the new year, a follow-up due on the last
day and done the day after, follow-up scores recorded after the period's end, waits with
fractions of a second, repeat callers and withheld numbers.

Random but seeded: the same records on every run.
"""

import datetime
import random
from decimal import Decimal

from akuttilbud.models import Municipality, ServiceSettings
from contacts.models import (
    CallbackClosure,
    CallbackKind,
    CallerRole,
    Channel,
    Direction,
    NotificationDecision,
    PsychiatryContact,
    Reason,
)
from crisisplans.models import FollowUpChannel, FollowUpStatus, Occasion
from partners.models import ReferralDirection
from reporting.models import CostCategory
from reporting.periods import Period
from telephony.models import TelephonySettings
from tests.factories import CallbackFactory, ContactFactory, PersonFactory, StayFactory, UserFactory

from .factories import (
    CallSessionFactory,
    CostEntryFactory,
    CrisisPlanFactory,
    FollowUpFactory,
    PartnerFactory,
    PartnerKindFactory,
    ReferralFactory,
    WellbeingScoreFactory,
)

PERIOD = Period(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))
# The service's settings the year runs under (shown on the dashboard beside its figures).
BEDS = 4
GOALS = {"phone_minutes": 3, "walk_in_minutes": 10, "call_back_hours": 2}
GRACE_SECONDS = 5
# Frozen "now": after the period and the follow-up scores recorded after it.
NOW = datetime.datetime(2027, 2, 1, 12, 0, tzinfo=datetime.UTC)

FIRST = datetime.datetime(2024, 12, 15, tzinfo=datetime.UTC)
LAST = datetime.datetime(2027, 1, 20, tzinfo=datetime.UTC)
NUMBERS = [f"2{index:07d}" for index in range(1, 13)]


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def build():
    rng = random.Random(2026)
    ServiceSettings.objects.update_or_create(
        pk=1,
        defaults={
            "beds": BEDS,
            "goal_phone_wait_minutes": GOALS["phone_minutes"],
            "goal_walk_in_wait_minutes": GOALS["walk_in_minutes"],
            "goal_call_back_hours": GOALS["call_back_hours"],
        },
    )
    TelephonySettings.objects.update_or_create(pk=1, defaults={"grace_seconds": GRACE_SECONDS})
    staff = UserFactory(username="aftenvagt")

    def moment():
        span = (LAST - FIRST).total_seconds()
        return FIRST + datetime.timedelta(seconds=rng.uniform(0, span))

    def seconds(low, high):
        # Fractions of a second, so rounding to whole seconds is tested.
        return datetime.timedelta(seconds=rng.randint(low, high), microseconds=rng.randint(0, 999_999))

    persons = _persons(rng)
    reasons = list(Reason.objects.all())
    contacts = []

    def contact(started_at, **fields):
        fields.setdefault("person", rng.choice([None, *persons, *persons]))
        fields.setdefault("channel", rng.choices(list(Channel.values), [70, 15, 5, 4, 3, 3])[0])
        fields.setdefault("direction", Direction.OUTGOING if rng.random() < 0.1 else Direction.INCOMING)
        fields.setdefault("caller_role", rng.choices(list(CallerRole.values), [80, 12, 5, 3])[0])
        fields.setdefault("acuteness", rng.choice([1, 2, 3, 3, None]))
        answered = started_at + seconds(0, 1500) if rng.random() < 0.9 else None
        fields.setdefault(
            "stated_age", rng.choice([None, None, 15, 30]) if fields["person"] is None else None
        )
        if rng.random() < 0.2:
            fields.setdefault("notification_decision", rng.choice(list(NotificationDecision.values)))
        made = ContactFactory(
            started_at=started_at,
            answered_at=answered,
            ended_at=(answered or started_at) + seconds(60, 3000),
            staff=staff,
            summary="Samtale om natten",
            **fields,
        )
        made.reasons.add(*rng.sample(reasons, rng.randint(0, 2)))
        contacts.append(made)
        return made

    for _index in range(420):
        contact(moment())
    # Both DST nights of both years: 02:30 twice on the nights the clocks go back (summer
    # time, then winter time), and either side of the missing hour on the nights they go forward.
    for night in (utc(2025, 10, 26, 0, 30), utc(2026, 10, 25, 0, 30)):
        contact(night, channel=Channel.PHONE, person=persons[0])
        contact(night + datetime.timedelta(hours=1), channel=Channel.PHONE, person=persons[1])
    for night in (utc(2025, 3, 30, 0, 30), utc(2026, 3, 29, 0, 30)):
        contact(night, channel=Channel.WALK_IN, person=persons[2])
        contact(night + datetime.timedelta(hours=1), channel=Channel.WALK_IN, person=persons[3])
    # Either side of the period's edges (local midnights 23:00 UTC, winter time).
    contact(utc(2025, 12, 31, 22, 59, 59), channel=Channel.WALK_IN, person=persons[4])
    contact(utc(2025, 12, 31, 23, 0, 0), channel=Channel.WALK_IN, person=persons[5])
    contact(utc(2026, 12, 31, 22, 59, 59), channel=Channel.PHONE, person=persons[6])
    contact(utc(2026, 12, 31, 23, 0, 0), channel=Channel.PHONE, person=persons[7])
    contact(utc(2024, 12, 31, 23, 0, 0), channel=Channel.OUTREACH, person=None)
    # A newcomer whose first contact ever is the period's very last minute.
    contact(utc(2026, 12, 31, 22, 59), person=PersonFactory(birth_year=1999))

    _stays(rng, persons)
    _plans(rng, persons, contacts, staff)
    _scores(rng, persons, contacts, staff)
    _referrals(rng, contacts, staff)
    callbacks = _callbacks(rng, persons, moment, seconds)
    _calls(rng, contacts, callbacks, moment, seconds)
    _costs(rng)


def _persons(rng):
    municipalities = list(Municipality.objects.order_by("code")[:5])
    persons = []
    for index in range(36):
        born = datetime.date(rng.randint(1950, 2011), rng.randint(1, 12), rng.randint(1, 28))
        century_digit = rng.randint(0, 3) if born.year < 2000 else 4
        fields = {
            "psychiatry_contact": rng.choice(list(PsychiatryContact.values)),
            "home_municipality": rng.choice([None, *municipalities]),
        }
        if index % 4 == 3:
            persons.append(PersonFactory(nickname=f"Kaldenavn {index}", birth_year=born.year, **fields))
        else:
            number = f"{born:%d%m%y}{century_digit}{index:03d}"
            persons.append(PersonFactory(cpr=number, name=f"Borger {index}", **fields))
    return persons


def _stays(rng, persons):
    for bed in range(1, BEDS + 1):
        check_in = FIRST + datetime.timedelta(hours=rng.randint(0, 96))
        while check_in < LAST:
            check_out = check_in + datetime.timedelta(days=rng.randint(1, 6), hours=rng.randint(-4, 4))
            StayFactory(
                person=rng.choice(persons),
                bed=bed,
                check_in=check_in,
                check_out=None if check_out > LAST else check_out,
                meals=rng.randint(0, 9),
            )
            check_in = check_out + datetime.timedelta(hours=rng.randint(2, 150))
    # Across the new year: two nights in each period, meals where it began.
    StayFactory(
        person=persons[8], bed=BEDS + 1, check_in=utc(2025, 12, 30, 17), check_out=utc(2026, 1, 3, 9), meals=7
    )


def _plans(rng, persons, contacts, staff):
    with_person = [contact for contact in contacts if contact.person_id]
    for _index in range(70):
        made_at = rng.choice(with_person)
        plan = CrisisPlanFactory(
            person=made_at.person,
            contact=made_at if rng.random() < 0.8 else None,
            created_at=made_at.started_at + datetime.timedelta(minutes=20),
            created_by=staff,
            wants_follow_up=rng.random() < 0.85,
            follow_up_channel=rng.choice(list(FollowUpChannel.values)),
            closed_at=made_at.started_at + datetime.timedelta(days=40) if rng.random() < 0.3 else None,
            internal_note="Bor alene",
        )
        due = plan.created_at + datetime.timedelta(days=rng.randint(2, 10), hours=rng.randint(-6, 6))
        done = due + datetime.timedelta(hours=rng.randint(-30, 30)) if rng.random() < 0.7 else None
        FollowUpFactory(
            plan=plan,
            first_due_at=due,
            due_at=due,
            completed_at=done,
            status=rng.choice(list(FollowUpStatus.values)) if done else FollowUpStatus.OPEN,
            attempts=rng.randint(0, 3),
        )
    # Due on the period's last day at 23:30 local, done half an hour into the next year: late.
    plan = CrisisPlanFactory(person=persons[9], created_at=utc(2026, 12, 24, 10), created_by=staff)
    FollowUpFactory(
        plan=plan,
        first_due_at=utc(2026, 12, 31, 22, 30),
        due_at=utc(2026, 12, 31, 22, 30),
        completed_at=utc(2026, 12, 31, 23, 30),
        status=FollowUpStatus.REACHED,
    )


def _scores(rng, persons, contacts, staff):
    def score(person, recorded_at, occasion, **fields):
        return WellbeingScoreFactory(
            person=person,
            raw=rng.randint(7, 35),
            recorded_at=recorded_at,
            occasion=occasion,
            recorded_by=staff,
            **fields,
        )

    with_person = [contact for contact in contacts if contact.person_id]
    for _index in range(80):
        at = rng.choice(with_person)
        score(at.person, at.started_at + datetime.timedelta(minutes=30), Occasion.CONTACT, contact=at)
        if rng.random() < 0.7:
            later = at.started_at + datetime.timedelta(days=rng.randint(5, 60))
            score(at.person, later, Occasion.FOLLOW_UP)
    # An at-contact score late in the period, its follow-up after the period's end.
    score(persons[10], utc(2026, 12, 20, 12), Occasion.CONTACT)
    score(persons[10], utc(2027, 1, 10, 12), Occasion.FOLLOW_UP)


def _referrals(rng, contacts, staff):
    kinds = [PartnerKindFactory(name=name) for name in ("Politiet", "Regionspsykiatrien", "Egen læge")]
    partners = [PartnerFactory(kind=kind) for kind in kinds]
    for made_at in rng.sample(contacts, 90):
        ReferralFactory(
            contact=made_at,
            partner=rng.choice(partners),
            direction=rng.choice(list(ReferralDirection.values)),
            agreed_by_citizen=rng.choice([True, False, None]),
            created_by=staff,
            reason="Borger 3 var bange",
            created_at=made_at.started_at,
        )


def _callbacks(rng, persons, moment, seconds):
    callbacks = []
    for _index in range(60):
        received = moment()
        done = received + seconds(60, 4 * 3600) if rng.random() < 0.85 else None
        callbacks.append(
            CallbackFactory(
                phone=rng.choice(NUMBERS),
                kind=rng.choice(list(CallbackKind.values)),
                received_at=received,
                due_at=received + datetime.timedelta(hours=rng.choice([1, 2, 3])),
                done_at=done,
                closed_by=rng.choice(list(CallbackClosure.values)) if done else "",
                person=rng.choice([None, *persons]),
                note="Ring til Borger 2",
            )
        )
    # Received in the last second of the period.
    callbacks.append(
        CallbackFactory(
            received_at=utc(2026, 12, 31, 22, 59, 59),
            due_at=utc(2027, 1, 1, 1),
            done_at=utc(2027, 1, 1, 0, 10, 0, 500000),
        )
    )
    return callbacks


def _calls(rng, contacts, callbacks, moment, seconds):
    phone_contacts = [contact for contact in contacts if contact.channel == Channel.PHONE]
    missed = iter(callbacks)
    times = [moment() for _index in range(300)]
    # The nights the clocks go back, at 02:30 summer time and 02:30 winter time.
    times += [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), utc(2025, 10, 26, 1, 30)]
    for ringing in times:
        kind = rng.choices(
            ["answered", "abandoned", "voicemail", "busy", "outgoing", "live"], [60, 20, 8, 5, 5, 2]
        )[0]
        fields = {"ringing_at": ringing, "phone": rng.choice([None, *NUMBERS])}
        if kind == "answered":
            fields["answered_at"] = ringing + seconds(0, 400)
            fields["ended_at"] = fields["answered_at"] + seconds(30, 1800)
            if rng.random() < 0.5:
                fields["contact"] = phone_contacts.pop()
        elif kind == "abandoned":
            fields["ended_at"] = ringing + seconds(0, 90)
            fields["callback"] = _made_by(next(missed, None), fields["ended_at"])
        elif kind == "voicemail":
            fields["voicemail_at"] = ringing + seconds(10, 60)
            fields["ended_at"] = fields["voicemail_at"] + seconds(5, 60)
        elif kind == "busy":
            fields["failed_at"] = ringing
            fields["ended_at"] = ringing
        elif kind == "outgoing":
            fields["outgoing"] = True
            fields["answered_at"] = ringing + seconds(1, 20)
            fields["ended_at"] = fields["answered_at"] + seconds(30, 600)
        CallSessionFactory(**fields)
    # Hung up within the grace time, and at exactly the grace time (not short: held 5 s).
    for held in (datetime.timedelta(seconds=2), datetime.timedelta(seconds=4, microseconds=999_999)):
        CallSessionFactory(
            phone=NUMBERS[0], ringing_at=utc(2026, 6, 1, 12), ended_at=utc(2026, 6, 1, 12) + held
        )
    CallSessionFactory(phone=NUMBERS[1], ringing_at=utc(2025, 6, 1, 12), ended_at=utc(2025, 6, 1, 12, 0, 5))


def _made_by(callback, missed_at):
    """The call-back as the line makes it: received when the missed call ended, its promised
    and done times moved with it."""
    if callback is None:
        return None
    shift = missed_at - callback.received_at
    callback.received_at = missed_at
    callback.due_at += shift
    if callback.done_at is not None:
        callback.done_at += shift
    callback.save(update_fields=["received_at", "due_at", "done_at"])
    return callback


def _costs(rng):
    month = datetime.date(2025, 1, 1)
    while month < datetime.date(2027, 1, 1):
        for category in (CostCategory.SALARIES, CostCategory.RENT, CostCategory.MEALS):
            for _entry in range(rng.randint(1, 2)):
                CostEntryFactory(month=month, category=category, amount=Decimal(rng.randint(1000, 90000)) / 4)
        if month.month == 3:
            CostEntryFactory(month=month, category=CostCategory.ESTABLISHMENT, amount=Decimal("25000.50"))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
