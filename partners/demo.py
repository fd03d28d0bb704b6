"""Demo partners, agreements, referrals and neighbouring municipalities' citizens for seed_demo."""

import datetime
from decimal import Decimal

from django.utils import timezone

from akuttilbud import cpr
from akuttilbud.models import Municipality, ServiceSettings
from contacts.models import Channel, Contact, Person, Stay

from .models import (
    Agreement,
    AgreementType,
    Partner,
    PartnerContactPerson,
    PartnerKind,
    Referral,
    ReferralDirection,
)

NEIGHBOUR_CODES = ["0173", "0157", "0159", "0151"]

# Per seeded kind: partner name, phone, opening hours, notes, contact people (name, role).
PARTNERS_BY_KIND = {
    "Regionspsykiatri": [
        (
            "Psykiatrisk Center Nord (demo)",
            "38 64 00 00",
            "Hverdage 8-15",
            "Fast samarbejdsmøde første tirsdag i måneden.",
            [("Hanne Hjort", "Overlæge"), ("Søren Dahl", "Afdelingssygeplejerske")],
        )
    ],
    "Psykiatrisk akutmodtagelse": [
        (
            "Psykiatrisk Akutmodtagelse (demo)",
            "38 64 70 00",
            "Døgnåben",
            "Ring altid før en borger sendes af sted.",
            [("Vagthavende læge", "Vagtlæge")],
        )
    ],
    "Kommunal socialforvaltning": [
        (
            "Socialforvaltningen, Voksenrådgivning (demo)",
            "44 77 30 00",
            "Hverdage 9-14",
            "",
            [("Pia Pedersen", "Socialrådgiver")],
        )
    ],
    "Politi": [
        (
            "Nærpolitiet Nord (demo)",
            "45 15 12 00",
            "Døgnåben via 114",
            "Kontaktperson for udsatte borgere.",
            [("Kim Krogh", "Politiassistent")],
        )
    ],
    "Praktiserende læger": [
        (
            "Lægehuset ved Torvet (demo)",
            "45 87 11 22",
            "Hverdage 8-16",
            "",
            [("Ida Iversen", "Praktiserende læge")],
        )
    ],
    "Jobcenter": [
        ("Jobcenter Nord (demo)", "44 77 40 00", "Hverdage 9-15", "", [("Ole Olsen", "Jobkonsulent")])
    ],
    "Bruger- og pårørendeorganisation": [
        (
            "Pårørendenetværket Nord (demo)",
            "70 20 30 40",
            "Tirsdag og torsdag 17-20",
            "",
            [("Lise Lund", "Frivillig koordinator")],
        )
    ],
    "Frivillig organisation": [
        (
            "Frivilligcentret Nord (demo)",
            "45 88 99 00",
            "Hverdage 10-16",
            "Besøgsvenner til ensomme.",
            [("Bent Bach", "Leder")],
        )
    ],
    # Neighbouring municipalities are made apart, with their municipality codes.
    "Nabokommune": [],
    "Andet": [
        ("Herberget ved Havnen (demo)", "33 11 22 33", "Døgnåben", "", [("Nina Nørgaard", "Forstander")])
    ],
}

# Synthetic CPR numbers (date and century valid; not real people's numbers).
NEIGHBOUR_CITIZENS = [
    ("Mette Mogensen", "1203851238"),
    ("Jonas Juul", "2407921457"),
    ("Freja Frost", "0511004214"),
    ("Anders Aagaard", "3001781123"),
]

REFERRAL_REASONS = [
    "Behov for psykiatrisk vurdering",
    "Hjælp til bolig",
    "Samtaleforløb",
    "Ensomhed – besøgsven",
    "Afklaring af beskæftigelse",
]
REFERRAL_OUTCOMES = ["Tid aftalt", "Borger kontakter selv", "Afventer svar", ""]


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _neighbours():
    own = ServiceSettings.load().municipality_id
    codes = [code for code in NEIGHBOUR_CODES if code != own][:2]
    return list(Municipality.objects.filter(code__in=codes).order_by("code"))


def _partners(rng):
    partners = []
    for kind in PartnerKind.objects.all():
        entries = PARTNERS_BY_KIND.get(kind.name, [(f"{kind.name} (demo)", "70 10 10 10", "", "", [])])
        for name, phone, hours, notes, people in entries:
            partner = Partner.objects.create(
                name=name, kind=kind, phone=phone, opening_hours=hours, notes=notes
            )
            for person_name, role in people:
                PartnerContactPerson.objects.create(
                    partner=partner,
                    name=person_name,
                    role=role,
                    phone=f"2{rng.randint(1000000, 9999999)}",
                    email=f"{person_name.split()[0].lower()}@example.org",
                )
            partners.append(partner)
    return partners


def _neighbour_partners(neighbours):
    kind = PartnerKind.objects.filter(name="Nabokommune").first() or PartnerKind.objects.first()
    partners = []
    for municipality in neighbours:
        partner = Partner.objects.create(
            name=f"{municipality.name} Kommune",
            kind=kind,
            municipality=municipality,
            phone="70 20 20 20",
            opening_hours="Hverdage 9-15",
            notes="Betaler for egne borgeres brug af akuttilbuddet efter aftale.",
        )
        PartnerContactPerson.objects.create(
            partner=partner, name="Visitationen", role="Myndighed", email="visitation@example.org"
        )
        partners.append(partner)
    return partners


def _agreements(today, partners, neighbour_partners):
    year_ago = today - datetime.timedelta(days=365)
    expiring, ongoing = neighbour_partners[0], neighbour_partners[-1]
    Agreement.objects.create(
        partner=expiring,
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=year_ago,
        valid_to=today + datetime.timedelta(days=20),
        terms="Betaling pr. henvendelse og pr. overnatning for borgere med bopæl i kommunen.",
        price_per_contact=Decimal("1800.00"),
        price_per_bed_night=Decimal("2450.00"),
    )
    Agreement.objects.create(
        partner=ongoing,
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=year_ago,
        valid_to=today + datetime.timedelta(days=400),
        terms="Betaling pr. henvendelse og pr. overnatning; opgøres månedligt.",
        price_per_contact=Decimal("1650.00"),
        price_per_bed_night=Decimal("2300.00"),
    )
    by_kind = {partner.kind.name: partner for partner in partners}
    first = partners[0]
    Agreement.objects.create(
        partner=by_kind.get("Regionspsykiatri", first),
        type=AgreementType.COLLABORATION,
        valid_from=year_ago,
        valid_to=today + datetime.timedelta(days=180),
        terms="Gensidig orientering om fælles borgere; fast kontaktperson i hver organisation.",
    )
    Agreement.objects.create(
        partner=by_kind.get("Psykiatrisk akutmodtagelse", first),
        type=AgreementType.REFERRAL_PROCEDURE,
        valid_from=None,
        valid_to=None,
        terms="Udkast: hvornår akutmodtagelsen henviser til akuttilbuddet og omvendt.",
    )
    Agreement.objects.create(
        partner=by_kind.get("Politi", first),
        type=AgreementType.INFORMATION_SHARING,
        valid_from=year_ago - datetime.timedelta(days=365),
        valid_to=today - datetime.timedelta(days=30),
        terms="Udløbet aftale om videregivelse af oplysninger ved bekymring.",
    )


def _free_bed(check_in, check_out):
    beds = ServiceSettings.load().beds
    taken = set(Stay.objects.overlapping(check_in, check_out).values_list("bed", flat=True))
    return next((bed for bed in range(1, beds + 1) if bed not in taken), None)


def _neighbour_citizens(rng, today, neighbours, staff):
    contacts = []
    boundary = today.replace(day=1)
    if today.day < 3:
        boundary = (boundary - datetime.timedelta(days=1)).replace(day=1)
    for number, (name, digits) in enumerate(NEIGHBOUR_CITIZENS):
        parsed = cpr.parse(digits)
        if Person.objects.with_cpr_index(cpr.blind_index(parsed)).exists():
            continue
        person = Person(name=name, home_municipality=neighbours[number % len(neighbours)])
        person.set_cpr(parsed)
        person.save()
        for days_ago in sorted(rng.sample(range(1, 45), 3)):
            day = today - datetime.timedelta(days=days_ago)
            started = _at(day, rng.choice([16, 17, 19, 20, 22]), rng.randint(0, 59))
            contacts.append(
                Contact.objects.create(
                    person=person,
                    municipality=person.home_municipality,
                    channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.WALK_IN]),
                    started_at=started,
                    answered_at=started + datetime.timedelta(minutes=rng.randint(0, 4)),
                    ended_at=started + datetime.timedelta(minutes=rng.randint(15, 50)),
                    acuteness=rng.choice([2, 3]),
                    summary="Borger fra nabokommune",
                    staff=staff,
                )
            )
        if number < 2:
            # Across a month boundary, so the billing statement splits the nights between months.
            check_in = _at(boundary - datetime.timedelta(days=1 + number), 21)
            check_out = _at(boundary + datetime.timedelta(days=1), 9)
            bed = _free_bed(check_in, check_out)
            if bed is not None:
                arrival = Contact.objects.create(
                    person=person,
                    municipality=person.home_municipality,
                    channel=Channel.WALK_IN,
                    started_at=check_in - datetime.timedelta(minutes=40),
                    answered_at=check_in - datetime.timedelta(minutes=30),
                    ended_at=check_in - datetime.timedelta(minutes=5),
                    acuteness=2,
                    summary="Overnatning",
                    staff=staff,
                )
                contacts.append(arrival)
                Stay.objects.create(
                    person=person,
                    municipality=person.home_municipality,
                    contact=arrival,
                    bed=bed,
                    check_in=check_in,
                    check_out=check_out,
                    meals=3,
                    created_by=staff,
                )
    # Known by a nickname and home municipality only: shows what cannot be billed without CPR.
    unidentified = Person.objects.create(nickname="Nattevandreren", home_municipality=neighbours[0])
    for days_ago in (3, 9):
        started = _at(today - datetime.timedelta(days=days_ago), 23, 10)
        contacts.append(
            Contact.objects.create(
                person=unidentified,
                municipality=unidentified.home_municipality,
                started_at=started,
                answered_at=started + datetime.timedelta(minutes=1),
                ended_at=started + datetime.timedelta(minutes=20),
                acuteness=3,
                summary="Ringer om natten, vil ikke oplyse CPR-nummer",
                staff=staff,
            )
        )
    return contacts


def _referrals(rng, partners, contacts, staff):
    for number, contact in enumerate(contacts):
        outwards = not contact.in_target_group or number % 3 != 0
        Referral.objects.create(
            contact=contact,
            partner=rng.choice(partners),
            direction=ReferralDirection.OUT if outwards else ReferralDirection.IN,
            reason=rng.choice(REFERRAL_REASONS),
            agreed_by_citizen=True if outwards else None,
            outcome=rng.choice(REFERRAL_OUTCOMES),
            created_at=contact.ended_at or contact.started_at,
            created_by=contact.staff or staff,
        )


def seed(*, rng, users, stdout):
    if Partner.objects.exists():
        stdout.write("Partners: already there, left alone.")
        return
    today = timezone.localdate()
    staff = users["staff"]
    neighbours = _neighbours()
    partners = _partners(rng)
    neighbour_partners = _neighbour_partners(neighbours)
    _agreements(today, partners, neighbour_partners)
    citizens_contacts = _neighbour_citizens(rng, today, neighbours, staff)
    existing = list(
        Contact.objects.exclude(pk__in=[c.pk for c in citizens_contacts]).order_by("-started_at")[:20]
    )
    _referrals(rng, partners + neighbour_partners, existing + citizens_contacts[::2], staff)
    stdout.write(
        f"Partners: {Partner.objects.count()} partners, {Agreement.objects.count()} agreements, "
        f"{Referral.objects.count()} referrals, {len(citizens_contacts)} contacts of neighbouring citizens."
    )
