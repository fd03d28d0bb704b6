"""Demo data for the crisis plans app, made after the contacts demo.

Plans for identified citizens made at walk-ins, each through the real services so versions,
follow-ups and audit events look as they will in use; follow-ups in every state (done on time,
reached after a missed call, given up, declined, not wanted, cancelled, open and overdue, due
today, later); SWEMWBS scores at contact and, for most reached citizens, again at follow-up,
rising by about a fifth on average as the evaluation found. A follow-up score is recorded only
where there is one at contact, so the scores come in pairs.
"""

import datetime

from django.utils import timezone

from contacts.models import Channel, Contact

from .models import CrisisPlan, FollowUp, FollowUpChannel, FollowUpStatus, Occasion, Reminder, TimeOfDay
from .services import create_plan, record_follow_up, record_wellbeing_score, update_plan

PLANS = 60

WARNING_SIGNS = [
    "Jeg kan ikke sove", "Jeg trækker mig fra andre", "Tankerne kører i ring", "Jeg holder op med at spise",
    "Jeg drikker mere end jeg plejer", "Jeg bliver vred over småting", "Jeg får hjertebanken",
]  # fmt: skip
OWN_COPING = [
    "Gå en tur ved vandet", "Tage et varmt bad", "Lytte til musik", "Skrive i min dagbog",
    "Trække vejret roligt i fem minutter", "Lave noget at spise", "Se en film",
]  # fmt: skip
DISTRACTIONS = ["Biblioteket", "Værestedet på hjørnet", "Min nabo", "Fitnesscentret", "Kirken", "Caféen"]
PEOPLE = [
    ("Søster", "20 30 40 50"), ("Mor", "31 42 53 64"), ("Veninden Line", "22 33 44 55"),
    ("Ven fra holdet", "26 37 48 59"), ("Morfar", "40 50 60 70"),
]  # fmt: skip
PROFESSIONALS = [
    ("Egen læge", "33 44 55 66"),
    ("Psykiatrisk akutmodtagelse", "38 64 00 00"),
    ("Alarm", "112"),
]
SAFE_SURROUNDINGS = [
    "Give pillerne til min søster", "Ikke have alkohol i huset", "Slette nummeret til min eks",
    "Sove med døren til stuen åben",
]  # fmt: skip
REASONS_TO_LIVE = ["Min datter", "Min hund", "At blive færdig med uddannelsen", "Mine venner", "Sommeren"]
WISHES = [
    "Tal roligt til mig",
    "Spørg ind, også når jeg siger det går",
    "Tilbyd mig en kop te",
    "Lad mig sidde lidt",
]
GOALS = ["Sove seks timer", "Ringe til én person", "Sige det højt", "Forstå hvad der skete", "Gå til lægen"]

# What came of the past-due follow-ups, repeated in a shuffled cycle so each state appears;
# "open" ones stay overdue.
PAST_OUTCOMES = (
    ["reached"] * 9 + ["reached_second_try"] * 2 + ["not_reached", "declined", "cancelled", "open"]
)


def _pick(rng, pool, low, high):
    return rng.sample(pool, rng.randint(low, min(high, len(pool))))


def _content(rng, service_name, service_phone):
    professionals = [{"name": service_name, "phone": service_phone}] + [
        {"name": name, "phone": phone} for name, phone in _pick(rng, PROFESSIONALS, 1, 2)
    ]
    self_rating = {}
    if rng.random() < 0.5:
        for key in ["self_care", "network", "feelings", "understanding", "agency"]:
            self_rating[key] = {"rating": rng.randint(1, 4), "goal": rng.choice(GOALS)}
    return {
        "sections": {
            "warning_signs": _pick(rng, WARNING_SIGNS, 1, 3),
            "own_coping": _pick(rng, OWN_COPING, 1, 3),
            "distractions": _pick(rng, DISTRACTIONS, 0, 2),
            "people_to_ask": [{"name": name, "phone": phone} for name, phone in _pick(rng, PEOPLE, 1, 2)],
            "professionals": professionals,
            "safe_surroundings": _pick(rng, SAFE_SURROUNDINGS, 0, 2),
            "reasons_to_live": _pick(rng, REASONS_TO_LIVE, 1, 2),
            "wishes_for_staff": _pick(rng, WISHES, 0, 2),
        },
        "self_rating": self_rating,
        "wants_follow_up": rng.random() < 0.88,
        "follow_up_channel": rng.choices(
            [FollowUpChannel.PHONE, FollowUpChannel.SMS, FollowUpChannel.VISIT], [8, 1, 1]
        )[0],
        "follow_up_time_of_day": rng.choice(list(TimeOfDay)),
        "citizen_knows_staff_can_read": True,
        "internal_note": rng.choice(["", "", "Aftalt at tale om netværk næste gang"]),
    }


def _unused(pool, used):
    return [entry for entry in pool if entry not in used]


def _answers(rng, base):
    return [max(1, min(5, base + rng.choice([-1, 0, 0, 1]))) for _ in range(7)]


def _remind(follow_up):
    """What the reminder job would have done at the due time."""
    FollowUp.objects.filter(pk=follow_up.pk).update(reminded_at=follow_up.due_at)
    Reminder.objects.create(follow_up=follow_up, created_at=follow_up.due_at)


def _walk_ins(now):
    """The latest walk-in of each identified citizen, oldest first."""
    seen, contacts = set(), []
    walk_ins = (
        Contact.objects.filter(channel=Channel.WALK_IN, person__cpr_index__isnull=False, started_at__lt=now)
        .select_related("person", "staff")
        .order_by("-started_at")
    )
    for contact in walk_ins:
        if contact.person_id not in seen:
            seen.add(contact.person_id)
            contacts.append(contact)
    return contacts[::-1]


def seed(*, rng, users, stdout):
    """Add demo plans unless plans already exist."""
    if CrisisPlan.objects.exists():
        stdout.write("crisisplans: demo data already present, skipped")
        return
    from akuttilbud.models import ServiceSettings

    service = ServiceSettings.load()
    now = timezone.now()
    # Every recent walk-in gets a plan, so follow-ups are due today and in the coming days.
    first_recent_day = timezone.localdate(now) - datetime.timedelta(days=service.follow_up_days + 1)
    walk_ins = _walk_ins(now)
    recent = [contact for contact in walk_ins if timezone.localdate(contact.started_at) >= first_recent_day]
    older = [contact for contact in walk_ins if timezone.localdate(contact.started_at) < first_recent_day]
    older = rng.sample(older, max(0, min(len(older), PLANS - len(recent))))
    contacts = sorted(older + recent, key=lambda contact: contact.started_at)
    staff = [users["staff"], users["staff2"]]
    counts = {"plans": 0, "scores": 0, "reminders": 0}
    outcomes = rng.sample(PAST_OUTCOMES, len(PAST_OUTCOMES))
    past_due = 0
    for contact in contacts:
        user = contact.staff if contact.staff and contact.staff.role == "staff" else rng.choice(staff)
        made = min(contact.started_at + datetime.timedelta(minutes=rng.randint(30, 90)), now)
        plan = create_plan(
            person=contact.person,
            contact=contact,
            user=user,
            now=made,
            **_content(rng, service.service_name, service.phone),
        )
        counts["plans"] += 1
        base = None
        if rng.random() < 0.75:
            base = rng.choice([2, 2, 3, 3, 3])
            record_wellbeing_score(
                person=plan.person,
                occasion=Occasion.CONTACT,
                answers=_answers(rng, base),
                contact=contact,
                user=user,
                now=made,
            )
            counts["scores"] += 1
        if rng.random() < 0.15:
            edited = made + datetime.timedelta(days=rng.randint(1, 3))
            if edited < now:
                sections = {
                    **plan.sections,
                    "own_coping": [
                        *plan.sections["own_coping"],
                        rng.choice(_unused(OWN_COPING, plan.sections["own_coping"])),
                    ],
                }
                plan = update_plan(plan=plan, user=rng.choice(staff), sections=sections, now=edited)
        follow_up = FollowUp.objects.filter(plan=plan).first()
        if follow_up is None or follow_up.due_at > now:
            continue
        _remind(follow_up)
        counts["reminders"] += 1
        if timezone.localdate(follow_up.due_at) == timezone.localdate(now):
            continue
        _finish(rng, follow_up, outcomes[past_due % len(outcomes)], base, staff, now, counts)
        past_due += 1
    _not_wanted(rng, staff, now)
    stdout.write(
        f"crisisplans: {counts['plans']} plans, {counts['scores']} SWEMWBS scores, "
        f"{counts['reminders']} reminders"
    )


def _finish(rng, follow_up, outcome, base, staff, now, counts):
    user = rng.choice(staff)
    done_at = min(follow_up.due_at + datetime.timedelta(minutes=rng.randint(5, 120)), now)
    if outcome == "open":
        return
    if outcome in {"reached_second_try", "not_reached"}:
        follow_up = record_follow_up(
            follow_up=follow_up,
            outcome=FollowUpStatus.NOT_REACHED,
            note="Telefonsvarer",
            user=user,
            now=done_at,
        )
        while outcome == "not_reached" and follow_up.status == FollowUpStatus.OPEN and follow_up.due_at < now:
            follow_up = record_follow_up(
                follow_up=follow_up,
                outcome=FollowUpStatus.NOT_REACHED,
                note="",
                user=user,
                now=follow_up.due_at,
            )
        if outcome == "not_reached" or follow_up.due_at > now:
            return
        _remind(follow_up)
        counts["reminders"] += 1
        done_at = min(follow_up.due_at + datetime.timedelta(minutes=rng.randint(5, 60)), now)
        outcome = "reached"
    if outcome == "reached":
        # The evaluation saw well-being rise by almost 20 % in the weeks after contact.
        score = _answers(rng, base + 1) if base is not None and rng.random() < 0.85 else None
        record_follow_up(
            follow_up=follow_up,
            outcome=FollowUpStatus.REACHED,
            note="Har det bedre",
            user=user,
            score=score,
            now=done_at,
        )
        counts["scores"] += score is not None
    else:
        status = FollowUpStatus.DECLINED if outcome == "declined" else FollowUpStatus.CANCELLED
        record_follow_up(follow_up=follow_up, outcome=status, note="", user=user, now=done_at)


def _not_wanted(rng, staff, now):
    """A citizen who changed their mind after the plan was made."""
    follow_up = FollowUp.objects.filter(status=FollowUpStatus.OPEN).order_by("-due_at").first()
    if follow_up is not None:
        record_follow_up(
            follow_up=follow_up, outcome=FollowUpStatus.NOT_WANTED, note="", user=rng.choice(staff), now=now
        )
