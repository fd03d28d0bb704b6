"""Every page that shows free text escapes it: a ``<script>`` payload in every text field.

Each field gets its own payload (``<script>alert("<field>")</script>``), so a page is checked both
for never holding the raw payload and for showing the escaped one of each field it displays.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction, Municipality, Role
from contacts.models import Channel, CrisisConversation, Reason, ShiftNote
from crisisplans import services as plan_services
from crisisplans.models import FollowUpAttempt, FollowUpStatus
from partners.models import AgreementType, PartnerContactPerson
from tests.factories import CallbackFactory, ContactFactory, PersonFactory, StayFactory, UserFactory
from tests.partners.factories import AgreementFactory, PartnerFactory, PartnerKindFactory, ReferralFactory
from tests.reporting.factories import CostEntryFactory

pytestmark = pytest.mark.django_db

RAW = "<script>alert("


def payload(field):
    return f'<script>alert("{field}")</script>'


def escaped(field):
    return escape(payload(field))


@pytest.fixture
def records():
    """One of every record, each free-text field holding its own payload."""
    now = timezone.now()
    staff = UserFactory(username="sara", role=Role.STAFF, first_name=payload("user first name"))
    lyngby = Municipality.objects.get(code="0173")
    person = PersonFactory(
        name=payload("person name"),
        nickname=payload("nickname"),
        notes=payload("person notes"),
        cpr="0101901234",
        home_municipality=lyngby,
    )
    reason = Reason.objects.create(name=payload("reason"), position=0)
    contact = ContactFactory(person=person, channel=Channel.WALK_IN, summary=payload("contact summary"))
    contact.reasons.add(reason)
    CrisisConversation.objects.create(
        contact=contact,
        situation=payload("situation"),
        actions=payload("actions"),
        agreed=payload("agreed"),
        assessment=payload("assessment"),
    )
    waiting = ContactFactory(
        person=person,
        channel=Channel.WALK_IN,
        answered_at=None,
        ended_at=None,
        summary=payload("waiting summary"),
    )
    october = datetime.datetime(2026, 10, 12, 12, 0, tzinfo=datetime.UTC)
    ContactFactory(person=person, started_at=october, summary=payload("october summary"))
    stay = StayFactory(person=person, check_in=now - datetime.timedelta(hours=1), check_out=None)
    stay.note = payload("stay note")
    stay.save()
    CallbackFactory(person=person, note=payload("callback note"))
    ShiftNote.objects.create(text=payload("shift note"), author=staff)
    plan = plan_services.create_plan(
        person=person,
        contact=contact,
        user=staff,
        sections={
            "warning_signs": [payload("warning sign")],
            "people_to_ask": [{"name": payload("person to ask"), "phone": "20304050"}],
        },
        self_rating={"self_care": {"rating": 2, "goal": payload("goal")}},
        internal_note=payload("internal note"),
        wants_follow_up=True,
    )
    plan_services.update_plan(
        plan=plan,
        user=staff,
        sections={**plan.sections, "reasons_to_live": [payload("reason to live")]},
    )
    follow_up = plan.follow_up
    follow_up.due_at = now - datetime.timedelta(hours=1)
    follow_up.note = payload("follow-up note")
    follow_up.save()
    FollowUpAttempt.objects.create(
        follow_up=follow_up, outcome=FollowUpStatus.NOT_REACHED, note=payload("attempt note"), by=staff
    )
    kind = PartnerKindFactory(name=payload("partner kind"))
    partner = PartnerFactory(
        name=payload("partner name"),
        kind=kind,
        notes=payload("partner notes"),
        opening_hours=payload("opening hours"),
        municipality=lyngby,
    )
    PartnerContactPerson.objects.create(
        partner=partner, name=payload("contact person"), role=payload("contact person role")
    )
    AgreementFactory(
        partner=partner,
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=timezone.localdate() + datetime.timedelta(days=20),
        terms=payload("agreement terms"),
        price_per_contact=100,
        price_per_bed_night=100,
    )
    ReferralFactory(
        contact=contact,
        partner=partner,
        reason=payload("referral reason"),
        outcome=payload("referral outcome"),
    )
    cost = CostEntryFactory(note=payload("cost note"), month=timezone.localdate().replace(day=1))
    reader = UserFactory(username=payload("user name"), role=Role.STAFF)
    audit(AuditAction.VIEW, user=reader, obj=person, person=person)
    return {
        "person": person,
        "contact": contact,
        "waiting": waiting,
        "plan": plan,
        "follow_up": follow_up,
        "partner": partner,
        "cost": cost,
    }


# Page -> the fields it shows. The raw payload of any field is never allowed anywhere.
PAGES = {
    "board": (
        "staff",
        lambda r: reverse("contacts:board"),
        ["shift note", "person name"],
    ),
    "board waiting": (
        "staff",
        lambda r: reverse("contacts:board_section", args=["waiting"]),
        ["person name"],
    ),
    "board callbacks": (
        "staff",
        lambda r: reverse("contacts:board_section", args=["callbacks"]),
        ["person name"],
    ),
    "board beds": ("staff", lambda r: reverse("contacts:board_section", args=["beds"]), ["person name"]),
    "board today": (
        "staff",
        lambda r: reverse("contacts:board_section", args=["today"]),
        ["contact summary", "person name"],
    ),
    "board notes": ("staff", lambda r: reverse("contacts:board_section", args=["notes"]), ["shift note"]),
    "board follow-ups": ("staff", lambda r: reverse("crisisplans:board_followups"), ["person name"]),
    "contact list": ("staff", lambda r: reverse("contacts:contact_list"), ["contact summary", "person name"]),
    "contact page": (
        "staff",
        lambda r: reverse("contacts:contact_detail", args=[r["contact"].pk]),
        ["contact summary", "situation", "actions", "agreed", "assessment", "person name", "reason"],
    ),
    "referrals fragment": (
        "staff",
        lambda r: reverse("partners:contact_referrals", args=[r["contact"].pk]),
        ["referral reason", "referral outcome", "partner name"],
    ),
    "person page": (
        "staff",
        lambda r: reverse("contacts:person_detail", args=[r["person"].pk]),
        ["person name", "nickname", "person notes", "contact summary"],
    ),
    "person plans fragment": (
        "staff",
        lambda r: reverse("crisisplans:person_section", args=[r["person"].pk]),
        ["user first name"],
    ),
    "plan page": (
        "staff",
        lambda r: reverse("crisisplans:plan_detail", args=[r["plan"].pk]),
        [
            "warning sign",
            "person to ask",
            "goal",
            "internal note",
            "reason to live",
            "person name",
        ],
    ),
    "plan print": (
        "staff",
        lambda r: reverse("crisisplans:plan_print", args=[r["plan"].pk]),
        ["warning sign", "person to ask", "goal", "reason to live", "person name"],
    ),
    "plan version 1": (
        "staff",
        lambda r: reverse("crisisplans:plan_version", args=[r["plan"].pk, 1]),
        ["warning sign", "person to ask", "goal", "internal note", "person name"],
    ),
    "plan edit form": (
        "staff",
        lambda r: reverse("crisisplans:plan_edit", args=[r["plan"].pk]),
        ["warning sign", "person to ask", "goal", "internal note", "reason to live"],
    ),
    "follow-up list": ("staff", lambda r: reverse("crisisplans:follow_up_list"), ["person name"]),
    "follow-up record": (
        "staff",
        lambda r: reverse("crisisplans:follow_up_record", args=[r["follow_up"].pk]),
        ["person name", "attempt note"],
    ),
    "partner list": ("staff", lambda r: reverse("partners:partner_list"), ["partner name", "partner kind"]),
    "partner page": (
        "staff",
        lambda r: reverse("partners:partner_detail", args=[r["partner"].pk]),
        ["partner name", "partner notes", "opening hours", "contact person", "contact person role"],
    ),
    "agreement list": ("staff", lambda r: reverse("partners:agreement_list"), ["partner name"]),
    "expiring agreements": ("leader", lambda r: reverse("partners:expiring"), ["partner name"]),
    "partner kinds": ("leader", lambda r: reverse("partners:kind_list"), ["partner kind"]),
    "billing page": (
        "leader",
        lambda r: reverse("partners:billing") + "?municipality=0173&month=2026-10",
        ["person name"],
    ),
    "dashboard": ("leader", lambda r: reverse("reporting:dashboard") + "?preset=this_year", ["reason"]),
    "cost list": ("leader", lambda r: reverse("reporting:costs"), ["cost note"]),
    "audit log": ("leader", lambda r: reverse("audit_log"), ["user name"]),
    "access report": (
        "leader",
        lambda r: reverse("access_report", args=[r["person"].pk]),
        ["person name", "nickname", "person notes", "contact summary", "situation", "stay note"]
        # Plan sections are shown as JSON there: escaped too, but with \&quot; around the text.
        + ["callback note", "internal note", "follow-up note", "referral reason"],
    ),
}


@pytest.mark.parametrize("page_name", sorted(PAGES))
def test_free_text_is_escaped_on_every_page(client, records, page_name):
    role, path_for, shown = PAGES[page_name]
    client.force_login(UserFactory(username=f"laeser-{role}", role=getattr(Role, role.upper())))
    response = client.get(path_for(records))
    assert response.status_code == 200
    content = response.content.decode()
    assert RAW not in content
    missing = [field for field in shown if escaped(field) not in content]
    assert missing == []
