"""Realistic data at scale for benchmarks: bulk inserts only, shaped like the demo data.

Contacts spread over up to three years with the hour-of-day and channel mix the guide describes
(three in four by phone, one in five walk-in, most in late afternoon and evening); persons with
repeat contacts, about two in three identified by CPR; stays that never double-book a bed; crisis
plans with follow-ups and paired SWEMWBS scores; partners and referrals.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

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

BATCH = 5000

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


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _synthetic_cpr(index):
    """A valid, unique CPR for index 0..79,999,999: 20,000 birth dates × 4,000 serials (1900s)."""
    born = datetime.date(1945, 1, 1) + datetime.timedelta(days=index % 20000)
    return f"{born:%d%m%y}{index // 20000:04d}"


def generate(*, contacts, seed=1, stdout=None):
    rng = random.Random(seed)
    say = stdout.write if stdout else (lambda message: None)
    now = timezone.now().replace(microsecond=0)
    span_days = min(3 * 365, max(90, contacts // 30))
    start_day = timezone.localdate(now) - datetime.timedelta(days=span_days)
    service = ServiceSettings.load()

    with transaction.atomic():
        staff = _staff(rng)
        persons = _persons(rng, max(1, contacts // 5), now)
        say(f"persons: {len(persons)}")
        partners = _partners(rng)
        contact_ids, walk_ins = _contacts(rng, contacts, persons, staff, partners, start_day, span_days)
        say(f"contacts: {len(contact_ids)}")
        stays = _stays(rng, persons, staff, service.beds, start_day, span_days, now)
        say(f"stays: {stays}")
        plans = _plans_and_follow_ups(rng, walk_ins, staff, service.follow_up_days, now)
        say(f"crisis plans: {plans}")
        callbacks = _callbacks(
            rng, contacts // 30, staff, start_day, span_days, service.goal_call_back_hours, now
        )
        say(f"call-backs: {callbacks}")
        referrals = _referrals(rng, contact_ids, partners, staff)
        say(f"referrals: {referrals}")


def _staff(rng):
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
    rows = []
    for number in range(count):
        person = Person(
            nickname=f"Gæst {offset + number}" if number % 7 == 0 else "",
            home_municipality_id=rng.choice(home_codes),
            psychiatry_contact=rng.choice(["yes", "no", "unknown"]),
            created_at=now,
        )
        if number % 3 != 0:
            person.set_cpr(_synthetic_cpr(offset + number))
            person.name = f"Borger {offset + number}"
        else:
            person.birth_year = rng.randint(1950, 2005)
        rows.append(person)
    created = []
    for first in range(0, len(rows), BATCH):
        created.extend(Person.objects.bulk_create(rows[first : first + BATCH]))
    return [(person.pk, person.has_cpr) for person in created]


def _partners(rng):
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


def _contacts(rng, count, persons, staff, partners, start_day, span_days):
    reasons = list(Reason.objects.values_list("pk", flat=True))
    outcomes = list(Outcome.objects.values_list("pk", flat=True))
    # A few frequent callers make most repeat contacts, as services report.
    frequent = persons[: max(1, len(persons) // 20)]
    channels = list(CHANNEL_WEIGHTS)
    channel_weights = list(CHANNEL_WEIGHTS.values())
    ids = []
    walk_ins = []
    for first in range(0, count, BATCH):
        batch = []
        for _number in range(min(BATCH, count - first)):
            channel = rng.choices(channels, weights=channel_weights)[0]
            day = start_day + datetime.timedelta(days=rng.randrange(span_days))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            started = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60), rng.randrange(60)))
            )
            wait = datetime.timedelta(
                seconds=rng.randint(5, 300) if channel == Channel.PHONE else rng.randint(60, 2400)
            )
            roll = rng.random()
            if channel == Channel.PHONE and roll < 0.4:
                person = None
            elif roll < 0.5:
                person = rng.choice(frequent)
            else:
                person = rng.choice(persons)
            batch.append(
                Contact(
                    channel=channel,
                    direction=Direction.OUTGOING if rng.random() < 0.08 else Direction.INCOMING,
                    caller_role=rng.choices(
                        [CallerRole.CITIZEN, CallerRole.RELATIVE, CallerRole.PARTNER, CallerRole.OTHER],
                        [85, 9, 4, 2],
                    )[0],
                    person_id=person[0] if person else None,
                    started_at=started,
                    answered_at=started + wait,
                    ended_at=started + wait + datetime.timedelta(minutes=rng.randint(3, 90)),
                    acuteness=rng.choices([1, 2, 3], [10, 35, 55])[0],
                    in_target_group=rng.random() < 0.92,
                    summary="Belastningsdata",
                    staff_id=rng.choice(staff),
                )
            )
        created = Contact.objects.bulk_create(batch)
        reason_links = []
        outcome_links = []
        for contact in created:
            ids.append(contact.pk)
            if contact.channel == Channel.WALK_IN and contact.person_id:
                walk_ins.append((contact.pk, contact.person_id, contact.started_at))
            for reason in rng.sample(reasons, rng.randint(0, 2)):
                reason_links.append(Contact.reasons.through(contact_id=contact.pk, reason_id=reason))
            outcome_links.append(
                Contact.outcomes.through(contact_id=contact.pk, outcome_id=rng.choice(outcomes))
            )
        Contact.reasons.through.objects.bulk_create(reason_links)
        Contact.outcomes.through.objects.bulk_create(outcome_links)
    return ids, walk_ins


def _stays(rng, persons, staff, beds, start_day, span_days, now):
    identified = [pk for pk, has_cpr in persons if has_cpr] or [persons[0][0]]
    rows = []
    for bed in range(1, beds + 1):
        day = start_day
        last_day = timezone.localdate(now)
        while day < last_day:
            if rng.random() < 0.45:
                nights = rng.choice([1, 1, 1, 2, 2, 3])
                check_in = timezone.make_aware(datetime.datetime.combine(day, datetime.time(20, 0)))
                check_out = timezone.make_aware(
                    datetime.datetime.combine(day + datetime.timedelta(days=nights), datetime.time(10, 0))
                )
                if check_out > now:
                    break
                rows.append(
                    Stay(
                        person_id=rng.choice(identified),
                        bed=bed,
                        check_in=check_in,
                        check_out=check_out,
                        meals=nights * 2,
                        created_by_id=rng.choice(staff),
                    )
                )
                day += datetime.timedelta(days=nights)
            else:
                day += datetime.timedelta(days=1)
    Stay.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _plans_and_follow_ups(rng, walk_ins, staff, follow_up_days, now):
    chosen = [walk_in for walk_in in walk_ins if rng.random() < 0.3]
    plans = []
    for first in range(0, len(chosen), BATCH):
        plans.extend(
            CrisisPlan.objects.bulk_create(
                CrisisPlan(
                    person_id=person_id,
                    contact_id=contact_id,
                    created_at=started,
                    created_by_id=rng.choice(staff),
                    sections={"warning_signs": ["Kan ikke sove"], "own_coping": ["Går en tur"]},
                )
                for contact_id, person_id, started in chosen[first : first + BATCH]
            )
        )
    follow_ups = []
    scores = []
    for plan in plans:
        due = plan.created_at + datetime.timedelta(days=follow_up_days)
        if due > now:
            status, completed = FollowUpStatus.OPEN, None
        else:
            status = rng.choices(
                [
                    FollowUpStatus.REACHED,
                    FollowUpStatus.NOT_REACHED,
                    FollowUpStatus.DECLINED,
                    FollowUpStatus.OPEN,
                ],
                [70, 15, 5, 10],
            )[0]
            completed = (
                due + datetime.timedelta(hours=rng.randint(0, 48)) if status != FollowUpStatus.OPEN else None
            )
        follow_ups.append(
            FollowUp(
                plan_id=plan.pk,
                due_at=due,
                first_due_at=due,
                status=status,
                completed_at=completed,
                reminded_at=due if due <= now else None,
                attempts=1 if completed else 0,
            )
        )
        if rng.random() < 0.5:
            scores.append(
                _score(rng, plan.person_id, Occasion.CONTACT, plan.created_at, plan.created_by_id, 0)
            )
            if status == FollowUpStatus.REACHED:
                scores.append(
                    _score(rng, plan.person_id, Occasion.FOLLOW_UP, completed, plan.created_by_id, 1)
                )
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    WellbeingScore.objects.bulk_create(scores, batch_size=BATCH)
    return len(plans)


def _score(rng, person_id, occasion, at, user_id, lift):
    items = [min(5, max(1, rng.randint(1, 4) + (lift if rng.random() < 0.6 else 0))) for _ in range(7)]
    score = WellbeingScore(
        person_id=person_id,
        occasion=occasion,
        recorded_at=at,
        recorded_by_id=user_id,
        **{f"item_{number}": value for number, value in enumerate(items, start=1)},
    )
    score.raw_score = sum(items)
    score.metric_score = Decimal(metric_score(score.raw_score))
    return score


def _callbacks(rng, count, staff, start_day, span_days, goal_hours, now):
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
            Callback(
                kind=rng.choice(list(CallbackKind)),
                received_at=received,
                phone="20304050",
                due_at=received + datetime.timedelta(hours=goal_hours),
                done_at=done if done < now else None,
                done_by_id=rng.choice(staff) if done < now else None,
            )
        )
    Callback.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _referrals(rng, contact_ids, partners, staff):
    rows = [
        Referral(
            contact_id=contact_id,
            partner_id=rng.choice(partners),
            direction=ReferralDirection.OUT if rng.random() < 0.7 else ReferralDirection.IN,
            agreed_by_citizen=True,
            created_by_id=rng.choice(staff),
        )
        for contact_id in contact_ids
        if rng.random() < 0.05
    ]
    Referral.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
