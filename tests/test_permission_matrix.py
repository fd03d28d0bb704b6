"""Every URL of the app × every role: what a GET gives, written down and checked.

A new URL without a row here fails ``test_every_url_has_a_row``; a row whose URL is gone fails
too. The allowed roles of each row must match the ``allowed_roles`` the view declares.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from akuttilbud.models import Municipality, Role
from contacts.models import Channel
from crisisplans import services as plan_services
from partners.models import AgreementType
from telephony import services as telephony_services
from telephony.models import CallSession
from tests.factories import CallbackFactory, ContactFactory, PersonFactory, StayFactory, UserFactory
from tests.partners.factories import AgreementFactory, PartnerFactory, PartnerKindFactory
from tests.reporting.factories import CostEntryFactory
from tests.urlwalk import app_urls

LOGIN = "login"
ROLES = ("anonymous", "staff", "leader", "evaluator")
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _desk(staff=200, leader=200):
    """Staff and leader use it; evaluators never."""
    return {"anonymous": LOGIN, "staff": staff, "leader": leader, "evaluator": 403}


def _leader(leader=200):
    return {"anonymous": LOGIN, "staff": 403, "leader": leader, "evaluator": 403}


# What a GET gives. 302 is the view's own redirect (never to the login page for a logged-in
# user); 405 marks POST-only endpoints; "login" is a redirect to the login page.
EXPECTED = {
    "home": {"anonymous": LOGIN, "staff": 302, "leader": 302, "evaluator": 302},
    "healthz": {"anonymous": 200, "staff": 200, "leader": 200, "evaluator": 200},
    "login": {"anonymous": 200, "staff": 302, "leader": 302, "evaluator": 302},
    "logout": {"anonymous": 405, "staff": 405, "leader": 405, "evaluator": 405},
    "service_settings": _leader(),
    "audit_log": _leader(),
    "otp_setup": {"anonymous": LOGIN, "staff": 200, "leader": 200, "evaluator": 200},
    # Without a device the code page sends the user to set one up.
    "otp_verify": {"anonymous": LOGIN, "staff": 302, "leader": 302, "evaluator": 302},
    "enrolment_code_issue": _leader(),
    "access_report": _leader(),
    "contacts:board": _desk(),
    "contacts:shift_note_add": _desk(405, 405),
    "contacts:board_section": _desk(),
    "contacts:board_section_all": _desk(),
    "contacts:board_book_bed": _desk(405, 405),
    "contacts:quick_log": _desk(),
    "contacts:arrival": _desk(),
    "contacts:contact_list": _desk(),
    "contacts:contact_detail": _desk(),
    "contacts:contact_start": _desk(405, 405),
    "contacts:contact_link_person": _desk(405, 405),
    "contacts:person_search": _desk(),
    "contacts:person_lookup": _desk(405, 405),
    "contacts:person_create": _desk(),
    "contacts:person_detail": _desk(),
    "contacts:person_edit": _desk(),
    "contacts:person_identify": _desk(),
    "contacts:person_reveal": _desk(405, 405),
    "contacts:person_phone": _desk(405, 405),
    "contacts:person_merge": _desk(),
    "contacts:stay_book": _desk(),
    "contacts:stay_check_out": _desk(),
    "contacts:callback_add": _desk(),
    "contacts:callback_complete": _desk(),
    "contacts:callback_number": _desk(405, 405),
    "crisisplans:plan_create": _desk(),
    "crisisplans:wellbeing_at_contact": _desk(),
    "crisisplans:plan_detail": _desk(),
    "crisisplans:plan_edit": _desk(),
    "crisisplans:plan_version": _desk(),
    "crisisplans:plan_close": _desk(),
    "crisisplans:plan_print": _desk(),
    "crisisplans:follow_up_list": _desk(),
    "crisisplans:follow_up_record": _desk(),
    "crisisplans:board_followups": _desk(),
    "crisisplans:person_section": _desk(),
    "partners:partner_list": _desk(),
    "partners:partner_create": _leader(),
    "partners:partner_detail": _desk(),
    "partners:partner_edit": _leader(),
    "partners:kind_list": _leader(),
    "partners:kind_create": _leader(),
    "partners:kind_edit": _leader(),
    "partners:agreement_list": _desk(),
    "partners:agreement_create": _leader(),
    "partners:agreement_edit": _leader(),
    "partners:agreement_document": _leader(),
    "partners:expiring": _leader(),
    "partners:expiring_fragment": _leader(),
    "partners:contact_referrals": _desk(),
    "partners:billing": _leader(),
    "partners:billing_csv": _leader(),
    "reporting:dashboard": _leader(),
    "reporting:figure_csv": _leader(),
    "reporting:monthly_report": _leader(),
    "reporting:exports": {"anonymous": LOGIN, "staff": 403, "leader": 200, "evaluator": 200},
    "reporting:linkage_key": _leader(),
    "reporting:costs": _leader(),
    "reporting:cost_create": _leader(),
    "reporting:cost_edit": _leader(),
    "reporting:cost_delete": _leader(),
    "telephony:events": {"anonymous": 405, "staff": 405, "leader": 405, "evaluator": 405},
    "telephony:line_settings": _leader(),
    # Without a configured provider (the embedded default) both send everyone to the login page,
    # which says so; tests/oidc covers them configured.
    "oidc_authentication_init": {"anonymous": LOGIN, "staff": LOGIN, "leader": LOGIN, "evaluator": LOGIN},
    "oidc_authentication_callback": {"anonymous": LOGIN, "staff": LOGIN, "leader": LOGIN, "evaluator": LOGIN},
    "oidc_backchannel_logout": {"anonymous": 405, "staff": 405, "leader": 405, "evaluator": 405},
    "telephony:known_caller": _desk(),
    "telephony:link_caller": _desk(405, 405),
    "telephony:board_calls": _desk(),
    "telephony:line_now": _desk(),
    "telephony:line_now_stream": _desk(),
    "telephony:twilio_status": {"anonymous": 405, "staff": 405, "leader": 405, "evaluator": 405},
}

# Views without ``allowed_roles``: open to everyone (login, health) or only to logged-in users.
UNDECLARED = {
    "home",
    "healthz",
    "login",
    "logout",
    "telephony:events",
    "telephony:twilio_status",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "oidc_backchannel_logout",
}

# Endpoints for machines, not people: a request is let in by its signature, never by a login
# (tests/telephony/test_event_api.py, test_twilio.py and tests/oidc/test_logout_and_faults.py hold
# them to it).
SIGNED = {"telephony:events", "telephony:twilio_status", "oidc_backchannel_logout"}
# Those served past the browser's middleware (akuttilbud/machine.py): the phone line's.
MACHINE = {"telephony:events", "telephony:twilio_status"}

# Everything an evaluator may open: the exports, and the pages every logged-in user has.
EVALUATOR_PAGES = {
    "home",
    "healthz",
    "login",
    "logout",
    "otp_setup",
    "otp_verify",
    "reporting:exports",
    "oidc_authentication_init",
    "oidc_authentication_callback",
}

ROLE_BY_NAME = {"staff": Role.STAFF, "leader": Role.LEADER, "evaluator": Role.EVALUATOR}

# A query string that makes a page show its real content instead of its empty form.
QUERY = {
    "partners:billing": "?municipality=0173&month=2026-10",
    "partners:billing_csv": "?municipality=0173&month=2026-10",
    "reporting:figure_csv": "?figure=overview",
}


def build_records():
    """One of everything a URL can point at, so the allowed roles reach the real page."""
    staff = UserFactory(username="forfatter", role=Role.STAFF)
    person = PersonFactory(name="Jonas Holm", cpr="0101901234")
    other = PersonFactory(name="Jonas Holm (dublet)")
    contact = ContactFactory(person=person, channel=Channel.WALK_IN, staff=staff)
    stay = StayFactory(person=person, check_out=None)
    callback = CallbackFactory(person=person)
    plan = plan_services.create_plan(
        person=person,
        contact=contact,
        user=staff,
        sections={"warning_signs": ["Sover dårligt"]},
        wants_follow_up=True,
    )
    lyngby = Municipality.objects.get(code="0173")
    neighbour = PartnerFactory(
        name="Lyngby-Taarbæk Kommune", kind=PartnerKindFactory(name="Nabokommune"), municipality=lyngby
    )
    agreement = AgreementFactory(
        partner=neighbour,
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
    )
    agreement.document.save("aftale.pdf", ContentFile(PDF_BYTES))
    cost = CostEntryFactory(created_by=staff)
    call = telephony_services.record_call_event(
        call_id="matrix-1",
        event="ringing",
        at=timezone.now(),
        line="akut",
        caller="+4512345678",
        extension="",
        event_id="matrix-1-ringing",
        source="api",
    )
    CallSession.objects.filter(pk=call.pk).update(contact=contact)
    return {
        "call_id": call.pk,
        "person_id": person.pk,
        "keep_id": person.pk,
        "remove_id": other.pk,
        "contact_id": contact.pk,
        "stay_id": stay.pk,
        "callback_id": callback.pk,
        "plan_id": plan.pk,
        "version": 1,
        "follow_up_id": plan.follow_up.pk,
        "partner_id": neighbour.pk,
        "kind_id": neighbour.kind_id,
        "agreement_id": agreement.pk,
        "pk": cost.pk,
        "section": "waiting",
    }


def _path(name, callback_pattern_keys, records):
    kwargs = {key: records[key] for key in callback_pattern_keys}
    return reverse(name, kwargs=kwargs) + QUERY.get(name, "")


def _url_keys():
    from django.urls import get_resolver

    keys = {}

    def walk(patterns, namespace=None, inherited=()):
        for pattern in patterns:
            converters = tuple(pattern.pattern.converters)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, pattern.namespace or namespace, inherited + converters)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                keys[name] = inherited + converters

    walk(get_resolver().url_patterns)
    return keys


def test_every_url_has_a_row():
    names = {name for name, _path, _callback in app_urls()}
    assert sorted(names - set(EXPECTED)) == [], "URLs without a row in EXPECTED"
    assert sorted(set(EXPECTED) - names) == [], "rows in EXPECTED whose URL is gone"
    assert all(set(row) == set(ROLES) for row in EXPECTED.values())


def test_declared_roles_match_the_table():
    mismatched = {}
    for name, _path, callback in app_urls():
        allowed = {role for role in ROLE_BY_NAME if EXPECTED[name][role] != 403}
        if name in UNDECLARED:
            assert not hasattr(callback, "allowed_roles"), name
            declared = set(ROLE_BY_NAME)
        else:
            declared = {role for role, value in ROLE_BY_NAME.items() if value in callback.allowed_roles}
        if allowed != declared:
            mismatched[name] = (sorted(declared), sorted(allowed))
    assert mismatched == {}


def test_only_the_phone_lines_signed_endpoints_skip_the_browser_middleware():
    marked = {name for name, _path, view in app_urls() if getattr(view, "machine_endpoint", False)}
    assert marked == MACHINE
    assert MACHINE <= SIGNED


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MACHINE))
def test_an_unsigned_post_to_a_machine_endpoint_is_refused_whoever_sends_it(client, settings, name, role):
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    if role != "anonymous":
        client.force_login(UserFactory(username=f"rolle-{role}", role=ROLE_BY_NAME[role]))
    response = client.post(reverse(name), {"CallSid": "CA1", "CallStatus": "ringing", "From": "+4512345678"})
    assert response.status_code == 401
    assert not CallSession.objects.exists()


def test_evaluators_reach_only_the_exports_and_their_own_account_pages():
    assert {name for name, row in EXPECTED.items() if row["evaluator"] != 403} - SIGNED == EVALUATOR_PAGES


def test_anonymous_reaches_only_login_and_health():
    reachable = {name for name, row in EXPECTED.items() if row["anonymous"] != LOGIN}
    assert reachable - SIGNED == {"healthz", "login", "logout"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_get_gives_what_the_table_says(client, settings, name, role):
    settings.CELERY_BROKER_URL = ""
    records = build_records()
    if role != "anonymous":
        client.force_login(UserFactory(username=f"rolle-{role}", role=ROLE_BY_NAME[role]))
    path = _path(name, _url_keys()[name], records)
    response = client.get(path)
    expected = EXPECTED[name][role]
    login_url = reverse("login")
    if expected == LOGIN:
        assert response.status_code == 302, path
        assert response["Location"].startswith(login_url), path
        return
    assert response.status_code == expected, path
    if expected == 302:
        assert not response["Location"].startswith(login_url), path
