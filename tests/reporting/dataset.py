"""A small fixed dataset around the daylight-saving change of Sunday 25 October 2026.

The period under test is [2026-10-25, 2026-11-01) in local dates: it starts at 22:00 UTC on
24 October (summer time, UTC+2) and ends at 23:00 UTC on 31 October (winter time, UTC+1).
Every expected value in the tests is counted by hand from the records below.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from akuttilbud.models import Municipality
from contacts.models import CallerRole, Channel, Direction, NotificationDecision, PsychiatryContact, Reason
from crisisplans.models import FollowUpStatus, Occasion
from partners.models import ReferralDirection
from reporting.models import CostCategory
from reporting.periods import Period
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

PERIOD = Period(datetime.date(2026, 10, 25), datetime.date(2026, 11, 1))

ANN_CPR = "0101901234"
BO_CPR = "1508104123"
NAMES = ["Ann Andersen", "Bo Berg"]
NICKNAMES = ["Solsort"]
PHONES = ["20304050", "31415926"]


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def minutes(count):
    return datetime.timedelta(minutes=count)


def build():
    """Create the dataset and return its records by name."""
    today = datetime.date(2026, 11, 20)
    staff = UserFactory(username="vagt")
    copenhagen = Municipality.objects.get(code="0101")
    ann = PersonFactory(
        cpr=ANN_CPR, name="Ann Andersen", phone="20304050", home_municipality=copenhagen, notes="Bor alene"
    )
    bo = PersonFactory(cpr=BO_CPR, name="Bo Berg", phone="31415926", psychiatry_contact=PsychiatryContact.YES)
    cai = PersonFactory(nickname="Solsort", birth_year=1980)

    def contact(started_at, **fields):
        fields.setdefault("staff", staff)
        fields.setdefault("summary", "Samtale med Ann Andersen om Solsort, tlf. 20304050, cpr 010190-1234")
        return ContactFactory(started_at=started_at, **fields)

    records = {"ann": ann, "bo": bo, "cai": cai, "today": today}
    contact(utc(2026, 9, 1, 10, 0), person=ann)
    records["c1"] = contact(utc(2026, 10, 24, 22, 30), person=ann, answered_at=utc(2026, 10, 24, 22, 31))
    records["c2"] = contact(
        utc(2026, 10, 25, 0, 30),
        answered_at=utc(2026, 10, 25, 0, 33),
        acuteness=2,
        caller_role=CallerRole.RELATIVE,
    )
    records["c3"] = contact(
        utc(2026, 10, 25, 1, 30), answered_at=utc(2026, 10, 25, 1, 32), acuteness=1, stated_age=15
    )
    records["c4"] = contact(
        utc(2026, 10, 27, 15, 0),
        person=bo,
        channel=Channel.WALK_IN,
        answered_at=utc(2026, 10, 27, 15, 20),
        acuteness=2,
        notification_decision=NotificationDecision.NOTIFIED,
    )
    records["c5"] = contact(
        utc(2026, 10, 28, 17, 10), person=cai, channel=Channel.WALK_IN, answered_at=utc(2026, 10, 28, 17, 20)
    )
    records["c6"] = contact(
        utc(2026, 10, 31, 22, 30),
        person=ann,
        direction=Direction.OUTGOING,
        answered_at=utc(2026, 10, 31, 22, 30),
    )
    records["c7"] = contact(utc(2026, 10, 31, 23, 30))
    records["c8"] = contact(utc(2026, 10, 24, 21, 30), person=ann)
    records["c9"] = contact(
        utc(2026, 10, 29, 10, 0),
        channel=Channel.OUTREACH,
        direction=Direction.OUTGOING,
        answered_at=None,
        acuteness=None,
    )
    loneliness = Reason.objects.get(name="Ensomhed")
    anxiety = Reason.objects.get(name="Angst")
    records["c1"].reasons.add(loneliness, anxiety)
    records["c4"].reasons.add(anxiety)
    records["c8"].reasons.add(anxiety)

    records["cb1"] = CallbackFactory(
        received_at=utc(2026, 10, 26, 8, 0),
        done_at=utc(2026, 10, 26, 9, 30),
        person=ann,
        note="Ann Andersen ringer igen",
    )
    CallbackFactory(received_at=utc(2026, 10, 27, 8, 0), done_at=utc(2026, 10, 27, 11, 0))
    CallbackFactory(received_at=utc(2026, 10, 28, 8, 0))
    CallbackFactory(received_at=utc(2026, 10, 24, 21, 0), done_at=utc(2026, 10, 24, 21, 10))

    records["call1"] = CallSessionFactory(
        phone="20304050",
        ringing_at=utc(2026, 10, 24, 22, 30),
        answered_at=utc(2026, 10, 24, 22, 31),
        ended_at=utc(2026, 10, 24, 22, 50),
        contact=records["c1"],
    )
    records["call2"] = CallSessionFactory(
        phone="20304050",
        ringing_at=utc(2026, 10, 26, 7, 59, 50),
        ended_at=utc(2026, 10, 26, 7, 59, 58),
        callback=records["cb1"],
    )
    records["call3"] = CallSessionFactory(
        phone="31415926", ringing_at=utc(2026, 10, 27, 9, 0, 0), ended_at=utc(2026, 10, 27, 9, 0, 3)
    )
    records["call4"] = CallSessionFactory(
        ringing_at=utc(2026, 10, 25, 0, 30),
        answered_at=utc(2026, 10, 25, 0, 30, 42, 900000),
        ended_at=utc(2026, 10, 25, 0, 50),
        contact=records["c2"],
    )
    records["s1"] = StayFactory(
        person=ann,
        bed=1,
        check_in=utc(2026, 10, 23, 18, 0),
        check_out=utc(2026, 10, 26, 8, 0),
        meals=4,
        note="Sov uroligt",
    )
    records["s2"] = StayFactory(
        person=bo, bed=2, check_in=utc(2026, 10, 30, 17, 0), check_out=utc(2026, 11, 2, 8, 0), meals=3
    )
    records["s3"] = StayFactory(
        person=cai, bed=3, check_in=utc(2026, 10, 27, 18, 0), check_out=utc(2026, 10, 28, 7, 0), meals=2
    )

    p1 = CrisisPlanFactory(person=ann, created_at=utc(2026, 10, 27, 16, 0), created_by=staff)
    p2 = CrisisPlanFactory(person=cai, created_at=utc(2026, 10, 28, 18, 0), created_by=staff)
    p3 = CrisisPlanFactory(person=ann, created_at=utc(2026, 10, 20, 12, 0), created_by=staff)
    p4 = CrisisPlanFactory(person=bo, created_at=utc(2026, 10, 26, 12, 0), created_by=staff)
    p5 = CrisisPlanFactory(person=bo, created_at=utc(2026, 9, 20, 12, 0), created_by=staff)
    records["f1"] = FollowUpFactory(
        plan=p3,
        first_due_at=utc(2026, 10, 25, 12, 0),
        completed_at=utc(2026, 10, 25, 21, 30),
        status=FollowUpStatus.REACHED,
        note="Havde det bedre",
    )
    records["f2"] = FollowUpFactory(
        plan=p1,
        first_due_at=utc(2026, 10, 26, 10, 0),
        completed_at=utc(2026, 10, 26, 23, 30),
        status=FollowUpStatus.REACHED,
    )
    records["f3"] = FollowUpFactory(
        plan=p2,
        first_due_at=utc(2026, 10, 31, 22, 30),
        completed_at=utc(2026, 10, 31, 22, 50),
        status=FollowUpStatus.NOT_REACHED,
    )
    records["f4"] = FollowUpFactory(
        plan=p4, first_due_at=utc(2026, 10, 30, 10, 0), status=FollowUpStatus.NOT_WANTED
    )
    records["f5"] = FollowUpFactory(plan=p5, first_due_at=utc(2026, 10, 31, 23, 30))

    police = PartnerFactory(kind=PartnerKindFactory(name="Politiet"))
    psychiatry = PartnerFactory(kind=PartnerKindFactory(name="Regionspsykiatrien"))
    ReferralFactory(contact=records["c1"], partner=police, created_by=staff, reason="Ann Andersen var bange")
    ReferralFactory(contact=records["c4"], partner=psychiatry, created_by=staff)
    ReferralFactory(
        contact=records["c4"], partner=psychiatry, direction=ReferralDirection.IN, created_by=staff
    )
    ReferralFactory(contact=records["c8"], partner=police, created_by=staff)

    def score(person, raw, recorded_at, occasion=Occasion.CONTACT):
        return WellbeingScoreFactory(
            person=person, raw=raw, recorded_at=recorded_at, occasion=occasion, recorded_by=staff
        )

    score(ann, 14, utc(2026, 10, 25, 10, 0))
    score(ann, 20, utc(2026, 10, 27, 10, 0))
    score(ann, 21, utc(2026, 11, 5, 10, 0), Occasion.FOLLOW_UP)
    score(bo, 30, utc(2026, 10, 20, 10, 0), Occasion.FOLLOW_UP)
    score(bo, 20, utc(2026, 10, 27, 16, 0))
    score(bo, 21, utc(2026, 11, 3, 10, 0), Occasion.FOLLOW_UP)
    score(cai, 18, utc(2026, 10, 28, 18, 0))
    dan = PersonFactory(cpr="0202851234")
    score(dan, 12, utc(2026, 10, 20, 10, 0))
    score(dan, 25, utc(2026, 10, 26, 10, 0), Occasion.FOLLOW_UP)

    CostEntryFactory(
        month=datetime.date(2026, 10, 1), category=CostCategory.SALARIES, amount=Decimal("90000.00")
    )
    CostEntryFactory(month=datetime.date(2026, 10, 1), category=CostCategory.RENT, amount=Decimal("10000.00"))
    CostEntryFactory(
        month=datetime.date(2026, 10, 1), category=CostCategory.ESTABLISHMENT, amount=Decimal("50000.00")
    )
    CostEntryFactory(
        month=datetime.date(2026, 11, 1), category=CostCategory.SALARIES, amount=Decimal("99999.00")
    )
    CostEntryFactory(month=datetime.date(2026, 9, 1), category=CostCategory.RENT, amount=Decimal("12345.67"))
    assert timezone.localdate(records["c7"].started_at) == datetime.date(2026, 11, 1)
    return records
