"""Demo data for the contacts app: about three months of contacts up to today.

Shaped as the implementation guide describes the services: about 3 in 4 contacts by phone and
1 in 5 walk-ins, most in the late afternoon and evening and fewer at night; citizens with and
without CPR numbers, recurring anonymous callers known by a nickname, some under 18, overnight
stays that never share a bed, call-backs (some open, one overdue) and handover notes.
"""

import datetime

from django.utils import timezone

from akuttilbud.models import Municipality, ServiceSettings

from .models import (
    Acuteness,
    Callback,
    CallbackKind,
    CallerRole,
    Channel,
    Contact,
    CrisisConversation,
    Direction,
    NotificationDecision,
    Outcome,
    Person,
    PsychiatryContact,
    Reason,
    ShiftNote,
    Stay,
)

DAYS = 91
PERSONS = 220

# Relative weight of each local hour of the day: quiet nights, busy late afternoons and evenings.
HOUR_WEIGHTS = [2, 2, 1, 1, 1, 1, 1, 2, 3, 4, 4, 5, 5, 6, 7, 9, 11, 12, 13, 13, 12, 10, 7, 4]
CHANNEL_WEIGHTS = [
    (Channel.PHONE, 75),
    (Channel.WALK_IN, 20),
    (Channel.OUTREACH, 2),
    (Channel.SMS, 2),
    (Channel.EMAIL, 0.5),
    (Channel.CHAT, 0.5),
]
FIRST_NAMES = [
    "Anne", "Mette", "Camilla", "Louise", "Sofie", "Maja", "Ida", "Freja", "Emma", "Julie",
    "Peter", "Jens", "Lars", "Michael", "Søren", "Mads", "Frederik", "Oliver", "Lucas", "Emil",
    "Kirsten", "Hanne", "Bente", "Ole", "Niels", "Henrik", "Rasmus", "Jonas", "Sara", "Line",
]  # fmt: skip
LAST_NAMES = [
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen",
]  # fmt: skip
NICKNAMES = [
    "Natteravnen", "Måne", "Fyrtårnet", "Lille Ø", "Skipper", "Solsikke", "Vinter", "Kastanje",
    "Ugle", "Havfrue", "Stjerne", "Regnbue", "Bjørnen", "Sommerfugl", "Mågen", "Lærken",
]  # fmt: skip
SUMMARIES = {
    Acuteness.SUICIDAL: [
        "Selvmordstanker, lavede sikkerhedsaftale",
        "Har skadet sig selv i aften, hjulpet videre til psykiatrisk akutmodtagelse",
        "Meget presset, tanker om at tage sit liv, ringede 112 sammen",
        "Tæt på indlæggelse, købt tid til vagtlægen ringede op",
    ],
    Acuteness.CALMING: [
        "Angstanfald, guidet vejrtrækning, faldt til ro",
        "Panik efter skænderi med kæresten",
        "Kunne ikke sove, uro og hjertebanken",
        "Bekymret pårørende ringede om sin søn",
        "Voldsom uro efter brev fra kommunen",
    ],
    Acuteness.SUPPORT: [
        "Ensom, ville gerne tale om dagen",
        "Ringede for at høre en stemme",
        "Talte om savn efter sin mor",
        "Usikker på boligsituationen, rådgivning om kontakt til kommunen",
        "Har brug for struktur på weekenden",
        "Kom forbi til en kop kaffe og en snak",
    ],
}
CONVERSATION_TEXTS = {
    "situation": [
        "Borgeren fortæller om flere dages søvnløshed og tankemylder.",
        "Borgeren er blevet opsagt fra sin bolig og ved ikke, hvor hun skal bo.",
        "Konflikt med familien, føler sig alene med det.",
        "Har drukket for meget og er bange for at miste kontrollen.",
    ],
    "actions": [
        "Lyttede, stillede afklarende spørgsmål og lavede vejrtrækningsøvelse.",
        "Gennemgik hvem borgeren kan ringe til i nattens løb.",
        "Tilbød overnatning og aftensmad.",
        "Hjalp med at ringe til egen læge.",
    ],
    "agreed": [
        "Borgeren ringer igen i morgen aften.",
        "Vi ringer op om fem dage for at høre, hvordan det går.",
        "Borgeren kommer forbi i morgen eftermiddag.",
        "Borgeren kontakter jobcentret mandag.",
    ],
    "assessment": [
        "Faldt til ro undervejs, ingen akut risiko ved samtalens slut.",
        "Fortsat sårbar, men med en plan for natten.",
        "Bør have tilbud om kriseplan ved næste kontakt.",
    ],
}
NOTES = [
    "Seng 2 skal redes til i morgen",
    "Natteravnen har ringet tre gange i aften, aftalt at vi ringer kl. 10",
    "Husk at bestille morgenmad til to",
    "Psykiatrisk akutmodtagelse har nyt telefonnummer på opslagstavlen",
    "Borger i seng 1 skal vækkes kl. 7",
    "Politiet kommer forbi med en borger ved midnat",
]


def _local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _synthetic_cpr(rng, born):
    """A valid CPR number for ``born``: the seventh digit gives the century (see domain/cpr.md)."""
    if born.year < 2000:
        seventh = rng.choice("0123")
    else:
        seventh = "4"
    return f"{born:%d%m%y}{seventh}{rng.randint(0, 999):03d}"


def _persons(rng, today, municipality_codes, own_code):
    persons, used = [], set()
    for index in range(PERSONS):
        person = Person(
            psychiatry_contact=rng.choice(list(PsychiatryContact.values)),
            home_municipality_id=own_code if rng.random() < 0.8 else rng.choice(municipality_codes),
        )
        kind = rng.random()
        under_18 = index % 25 == 0
        if kind < 0.6 or under_18:
            years = rng.randint(14, 17) if under_18 else rng.randint(18, 75)
            born = today - datetime.timedelta(days=years * 365 + rng.randint(0, 364))
            number = _synthetic_cpr(rng, born)
            while number in used:
                number = _synthetic_cpr(rng, born)
            used.add(number)
            person.set_cpr(number)
            person.name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        elif kind < 0.8:
            person.nickname = f"{rng.choice(NICKNAMES)} {index}"
            person.birth_year = today.year - rng.randint(20, 70) if rng.random() < 0.5 else None
        else:
            person.name = rng.choice(FIRST_NAMES)
        if rng.random() < 0.6:
            person.set_phone(f"+45{rng.randint(20000000, 99999999)}")
        persons.append(person)
    return Person.objects.bulk_create(persons)


def _contacts_per_day(rng, day):
    # Weekends are busier; a small upward trend makes the dashboard less flat.
    return rng.randint(11, 17) + (3 if day.weekday() >= 4 else 0)


def _choose_channel(rng):
    channels, weights = zip(*CHANNEL_WEIGHTS, strict=True)
    return rng.choices(channels, weights)[0]


def _times(rng, channel, started, now):
    if channel == Channel.WALK_IN:
        answered = started + datetime.timedelta(minutes=rng.randint(1, 30))
        ended = answered + datetime.timedelta(minutes=rng.randint(20, 120))
    elif channel == Channel.PHONE:
        answered = started + datetime.timedelta(seconds=rng.randint(5, 240))
        ended = answered + datetime.timedelta(minutes=rng.randint(3, 50))
    else:
        answered = started + datetime.timedelta(minutes=rng.randint(0, 60))
        ended = answered + datetime.timedelta(minutes=rng.randint(5, 90))
    return (answered if answered <= now else None), (ended if ended <= now else None)


def seed(*, rng, users, stdout):
    """Add the demo data unless contacts already exist."""
    if Contact.objects.exists():
        stdout.write("contacts: demo data already present, skipped")
        return
    now = timezone.now()
    today = timezone.localdate(now)
    settings_row = ServiceSettings.load()
    municipality_codes = list(Municipality.objects.values_list("code", flat=True))
    own_code = settings_row.municipality_id or (
        "0101" if "0101" in municipality_codes else municipality_codes[0]
    )
    staff = [users["staff"], users["staff2"]]
    persons = _persons(rng, today, municipality_codes, own_code)
    identified = [person for person in persons if person.has_cpr]
    # A few recurring callers account for many calls, as services describe.
    regulars = rng.sample(persons, 15)
    reasons = list(Reason.objects.filter(active=True))
    outcomes = list(Outcome.objects.filter(active=True))

    contacts = []
    for offset in range(DAYS, -1, -1):
        day = today - datetime.timedelta(days=offset)
        for _number in range(_contacts_per_day(rng, day)):
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            started = _local(day, hour, rng.randint(0, 59))
            if started > now:
                continue
            channel = _choose_channel(rng)
            acuteness = rng.choices(list(Acuteness.values), [15, 35, 50])[0]
            if channel in (Channel.WALK_IN, Channel.OUTREACH):
                person = rng.choice(identified) if rng.random() < 0.8 else rng.choice(persons)
            elif rng.random() < 0.35:
                person = rng.choice(regulars)
            elif rng.random() < 0.5:
                person = rng.choice(persons)
            else:
                person = None
            answered, ended = _times(rng, channel, started, now)
            caller_role = rng.choices(list(CallerRole.values), [85, 10, 3, 2])[0]
            contact = Contact(
                channel=channel,
                direction=Direction.INCOMING,
                caller_role=caller_role,
                person=person,
                municipality_id=person.home_municipality_id if person else None,
                stated_age=rng.randint(14, 17) if person is None and rng.random() < 0.02 else None,
                started_at=started,
                answered_at=answered,
                ended_at=ended,
                acuteness=acuteness,
                in_target_group=rng.random() < 0.9,
                summary=rng.choice(SUMMARIES[acuteness]),
                staff=rng.choice(staff),
            )
            if contact.is_under_18():
                contact.notification_decision = rng.choice(
                    [
                        NotificationDecision.NOTIFIED,
                        NotificationDecision.NOTIFIED,
                        NotificationDecision.NOT_NEEDED,
                    ]
                )
                if contact.notification_decision == NotificationDecision.NOTIFIED:
                    contact.notified_at = min(now, started + datetime.timedelta(hours=rng.randint(1, 20)))
            contacts.append(contact)
    # Two citizens are waiting in the house right now.
    for minutes in (6, 18):
        person = rng.choice(persons)
        contacts.append(
            Contact(
                channel=Channel.WALK_IN,
                person=person,
                municipality_id=person.home_municipality_id,
                started_at=now - datetime.timedelta(minutes=minutes),
                staff=staff[0],
            )
        )
    contacts = Contact.objects.bulk_create(contacts)
    _reasons_and_outcomes(rng, contacts, reasons, outcomes)
    _conversations(rng, contacts, staff)
    stays = _stays(rng, contacts, settings_row, now)
    callbacks = _callbacks(rng, today, now, persons, staff, settings_row)
    notes = _notes(rng, now, staff)
    stdout.write(
        f"contacts: {len(persons)} persons, {len(contacts)} contacts, {stays} stays, "
        f"{callbacks} call-backs, {notes} handover notes"
    )


def _reasons_and_outcomes(rng, contacts, reasons, outcomes):
    outcome_by_code = {outcome.code: outcome for outcome in outcomes}
    reason_links, outcome_links = [], []
    for contact in contacts:
        if contact.answered_at is None:
            continue
        for reason in rng.sample(reasons, rng.choice([1, 1, 2, 3])):
            reason_links.append(Contact.reasons.through(contact_id=contact.pk, reason_id=reason.pk))
        chosen = rng.sample(outcomes, rng.choice([1, 1, 2]))
        if contact.acuteness == Acuteness.SUICIDAL and "referred" in outcome_by_code:
            chosen = list({*chosen, outcome_by_code["referred"]})
        for outcome in chosen:
            outcome_links.append(Contact.outcomes.through(contact_id=contact.pk, outcome_id=outcome.pk))
    Contact.reasons.through.objects.bulk_create(reason_links)
    Contact.outcomes.through.objects.bulk_create(outcome_links)


def _conversations(rng, contacts, staff):
    conversations = [
        CrisisConversation(
            contact_id=contact.pk,
            updated_by=rng.choice(staff),
            **{name: rng.choice(texts) for name, texts in CONVERSATION_TEXTS.items()},
        )
        for contact in contacts
        if contact.ended_at and (contact.channel == Channel.WALK_IN or rng.random() < 0.3)
    ]
    CrisisConversation.objects.bulk_create(conversations)


def _stays(rng, contacts, settings_row, now):
    """Overnight stays after some walk-ins, each in a bed that is free for the whole stay."""
    free_from = dict.fromkeys(range(1, settings_row.beds + 1), now - datetime.timedelta(days=DAYS + 5))
    stays = []
    candidates = sorted(
        (
            contact
            for contact in contacts
            if contact.channel == Channel.WALK_IN
            and contact.person_id
            and contact.ended_at
            and contact.acuteness in (Acuteness.SUICIDAL, Acuteness.CALMING)
            and timezone.localtime(contact.started_at).hour >= 15
        ),
        key=lambda contact: contact.started_at,
    )
    for contact in candidates:
        if rng.random() > 0.45:
            continue
        check_in = contact.ended_at
        beds = [bed for bed, free in free_from.items() if free <= check_in]
        if not beds:
            continue
        bed = rng.choice(beds)
        nights = rng.choices([1, 2, 3, 4], [60, 25, 10, 5])[0]
        morning = timezone.localdate(check_in) + datetime.timedelta(days=nights)
        check_out = _local(morning, 9, rng.randint(0, 59))
        if check_out > now:
            check_out = None
        stays.append(
            Stay(
                person_id=contact.person_id,
                municipality_id=contact.municipality_id,
                contact_id=contact.pk,
                bed=bed,
                check_in=check_in,
                check_out=check_out,
                meals=nights * 2,
                created_by=contact.staff,
            )
        )
        free_from[bed] = check_out or datetime.datetime.max.replace(tzinfo=datetime.UTC)
    Stay.objects.bulk_create(stays)
    return len(stays)


def _callbacks(rng, today, now, persons, staff, settings_row):
    goal = datetime.timedelta(hours=settings_row.goal_call_back_hours)
    done, outgoing = [], []
    for offset in range(DAYS, 0, -1):
        day = today - datetime.timedelta(days=offset)
        for _number in range(rng.randint(0, 3)):
            received = _local(day, rng.choices(range(24), HOUR_WEIGHTS)[0], rng.randint(0, 59))
            called = received + datetime.timedelta(minutes=rng.randint(10, 200))
            person = rng.choice(persons) if rng.random() < 0.4 else None
            by = rng.choice(staff)
            callback = Callback(
                kind=rng.choice(list(CallbackKind.values)),
                received_at=received,
                person=person,
                due_at=received + goal,
                done_at=called,
                done_by=by,
                created_by=by,
            )
            if person and person.has_phone:
                callback.phone_encrypted, callback.phone_index, callback.phone_last4 = (
                    person.phone_encrypted,
                    person.phone_index,
                    person.phone_last4,
                )
            else:
                callback.set_phone(f"+45{rng.randint(20000000, 99999999)}")
            done.append(callback)
            outgoing.append(
                Contact(
                    channel=Channel.PHONE,
                    direction=Direction.OUTGOING,
                    person=person,
                    municipality_id=person.home_municipality_id if person else None,
                    started_at=called,
                    answered_at=called,
                    ended_at=called + datetime.timedelta(minutes=rng.randint(2, 25)),
                    acuteness=Acuteness.SUPPORT,
                    summary="Ringet tilbage",
                    staff=by,
                )
            )
    for callback, contact in zip(done, Contact.objects.bulk_create(outgoing), strict=True):
        callback.contact_id = contact.pk
    waiting = [
        # One overdue, the others still within the goal.
        (CallbackKind.MISSED_CALL, now - goal - datetime.timedelta(minutes=40)),
        (CallbackKind.VOICEMAIL, now - datetime.timedelta(minutes=25)),
        (CallbackKind.SMS, now - datetime.timedelta(minutes=5)),
    ]
    for kind, received in waiting:
        callback = Callback(kind=kind, received_at=received, due_at=received + goal, created_by=staff[0])
        callback.set_phone(f"+45{rng.randint(20000000, 99999999)}")
        done.append(callback)
    Callback.objects.bulk_create(done)
    return len(done)


def _notes(rng, now, staff):
    notes = [
        ShiftNote(
            text=rng.choice(NOTES),
            author=rng.choice(staff),
            created_at=now - datetime.timedelta(hours=hours, minutes=rng.randint(0, 59)),
        )
        for hours in (1, 7, 15, 30, 40, 55, 80)
    ]
    ShiftNote.objects.bulk_create(notes)
    return len(notes)
