"""Random and hostile data posted to every form of the app: a form error or success, never a 500.

Each target starts from data the view accepts and lets hypothesis swap any field for unicode,
control characters, 100 kB strings, HTML/JS, SQL fragments, impossible dates, negative and huge
numbers, or leave it out. The test client re-raises any exception a view lets through, so a
500 fails the example with its traceback.
"""

import datetime
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akuttilbud.forms import ServiceSettingsForm
from akuttilbud.models import Role
from akuttilbud.once import TOKEN_FIELD
from contacts.forms import (
    ArrivalForm,
    CallbackForm,
    CheckOutForm,
    CompleteCallbackForm,
    ContactForm,
    ConversationForm,
    NewPersonForm,
    PersonForm,
    QuickLogForm,
    StayForm,
)
from crisisplans.forms import PEOPLE_SECTIONS, FollowUpRecordForm, PlanForm, WellbeingScoreForm
from partners.forms import AgreementForm, NewAgreementForm, NewPartnerForm, NewReferralForm, PartnerForm
from reporting.forms import DashboardPeriodForm, ExportForm, LinkageKeyForm, NewCostEntryForm
from telephony import services as telephony_services
from tests.factories import UserFactory
from tests.helpers import require_postgres
from tests.test_permission_matrix import build_records

HUNDRED_KB = "æ" * 50_000 + "<b>" * 16_666 + "x" * 2
HOSTILE = [
    "",
    " ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE contacts_contact;--",
    "1 OR 1=1",
    "2026-02-30",
    "0000-00-00",
    "2026-13-01T25:61",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "-99999999999999999999",
    "99999999999999999999",
    "1e309",
    "NaN",
    "-0",
    "١٢٣",
    "\u202eRTL\u200b\ufeff",
    "\x01\x07\x1b[31m\x7f",
    "Ω≈ç√∫˜µ≤≥÷ 😱 𝕏",
    HUNDRED_KB,
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
ABSENT = object()


def _value():
    return st.one_of(st.sampled_from(HOSTILE), TEXT, st.integers().map(str))


def _formset(prefix, entries, fields):
    data = {f"{prefix}-TOTAL_FORMS": str(len(entries)), f"{prefix}-INITIAL_FORMS": "0"}
    for number, entry in enumerate(entries):
        for field in fields:
            data[f"{prefix}-{number}-{field}"] = entry.get(field, "")
    return data


def _plan_data():
    data = {name: "" for name in PlanForm().fields}
    data.update({"warning_signs": "Sover dårligt", "wants_follow_up": "on", "follow_up_channel": "phone"})
    data.update({"follow_up_time_of_day": "evening", "citizen_knows_staff_can_read": "on"})
    for key, _label in PEOPLE_SECTIONS:
        data.update(_formset(key, [{"name": "Anne", "phone": "20304050"}], ["name", "phone"]))
    return data


# Stands for the one-time token the form's page renders; each post gets a new one (``_send``).
FRESH_TOKEN = "fresh-token"


def _fields(form_class, prefix=None, **kwargs):
    form = form_class(prefix=prefix, **kwargs)
    return {form.add_prefix(name): FRESH_TOKEN if name == TOKEN_FIELD else "" for name in form.fields}


def _swemwbs(form_class):
    return {name: "3" for name in form_class().fields if name.startswith("item_")}


def _prefixed(data, prefix):
    return {f"{prefix}-{name}": value for name, value in data.items()}


# (url name, url kwargs keys, role, method, data the view accepts given the records)
TARGETS = {
    "quick log": (
        "contacts:quick_log",
        (),
        "staff",
        "post",
        lambda r: {**_fields(QuickLogForm), "summary": "Ringede", "acuteness": "3", "channel": "phone"},
    ),
    "quick log, save and new call": (
        "contacts:quick_log",
        (),
        "staff",
        "post",
        lambda r: {**_fields(QuickLogForm), "summary": "Ringede", "acuteness": "1", "then_new": "Gem"},
    ),
    "arrival": (
        "contacts:arrival",
        (),
        "staff",
        "post",
        lambda r: {**_fields(ArrivalForm), "name": "Ny", "arrived_at": "2026-03-07 13:00"},
    ),
    "arrival of a person chosen": (
        "contacts:arrival",
        (),
        "staff",
        "post",
        lambda r: {**_fields(ArrivalForm), "who": "Jonas", "person": str(r["person_id"])},
    ),
    "arrival as a new person": (
        "contacts:arrival",
        (),
        "staff",
        "post",
        lambda r: {**_fields(ArrivalForm), "name": "Jonas", "nickname": "Ravnen", "new_person": "on"},
    ),
    "quick log of a person chosen": (
        "contacts:quick_log",
        (),
        "staff",
        "post",
        lambda r: (
            {**_fields(QuickLogForm), "summary": "Ringede", "acuteness": "2", "channel": "phone"}
            | {"who": "0101901234", "person": str(r["person_id"])}
        ),
    ),
    "person look-up": ("contacts:person_lookup", (), "staff", "post", lambda r: {"who": "Jonas"}),
    "quick log opened for a person": (
        "contacts:quick_log",
        (),
        "staff",
        "get",
        lambda r: {"person": str(r["person_id"])},
    ),
    "arrival opened for a person": (
        "contacts:arrival",
        (),
        "staff",
        "get",
        lambda r: {"person": str(r["person_id"])},
    ),
    "contact save": (
        "contacts:contact_detail",
        ("contact_id",),
        "staff",
        "post",
        lambda r: {
            **_fields(ContactForm, "contact"),
            **_fields(ConversationForm, "conversation"),
            "contact-caller_role": "citizen",
            "contact-reasons": "1",
            "contact-outcomes": "1",
            "contact-channel": "walk_in",
            "contact-direction": "in",
            "contact-started_at": "2026-03-07 13:00",
            "contact-acuteness": "3",
            "contact-summary": "Kom forbi",
            "conversation-situation": "Svært",
        },
    ),
    "contact start": ("contacts:contact_start", ("contact_id",), "staff", "post", lambda r: {"x": "1"}),
    "contact link person": (
        "contacts:contact_link_person",
        ("contact_id",),
        "staff",
        "post",
        lambda r: {"person": str(r["person_id"])},
    ),
    "person search": (
        "contacts:person_search",
        (),
        "staff",
        "post",
        lambda r: {"term": "Jonas", "contact": str(r["contact_id"]), "merge_with": ""},
    ),
    "person create": (
        "contacts:person_create",
        (),
        "staff",
        "post",
        lambda r: {
            **_fields(NewPersonForm),
            "name": "Ny Person",
            "cpr": "0202901234",
            "psychiatry_contact": "unknown",
        },
    ),
    "person edit": (
        "contacts:person_edit",
        ("person_id",),
        "staff",
        "post",
        lambda r: {**_fields(PersonForm), "name": "Jonas", "psychiatry_contact": "no", "phone": "20304050"},
    ),
    "person identify": (
        "contacts:person_identify",
        ("person_id",),
        "staff",
        "post",
        lambda r: {"cpr": "0303901234"},
    ),
    "person reveal": ("contacts:person_reveal", ("person_id",), "staff", "post", lambda r: {"x": "1"}),
    "person phone": ("contacts:person_phone", ("person_id",), "staff", "post", lambda r: {"x": "1"}),
    "callback number": ("contacts:callback_number", ("callback_id",), "staff", "post", lambda r: {"x": "1"}),
    "person merge": (
        "contacts:person_merge",
        ("keep_id", "remove_id"),
        "staff",
        "post",
        lambda r: {"confirm": "on"},
    ),
    "stay booking": (
        "contacts:stay_book",
        ("person_id",),
        "staff",
        "post",
        lambda r: {**_fields(StayForm), "bed": "2", "check_in": "2026-03-07 20:00", "meals": "1"},
    ),
    "stay check-out": (
        "contacts:stay_check_out",
        ("stay_id",),
        "staff",
        "post",
        lambda r: {**_fields(CheckOutForm, stay=r["stay"]), "check_out": "2099-03-08 09:00", "meals": "2"},
    ),
    "callback add": (
        "contacts:callback_add",
        (),
        "staff",
        "post",
        lambda r: (
            {**_fields(CallbackForm), "kind": "missed_call", "phone": "20304050", "note": "Ring"}
            | {"due_at": "2099-03-07 22:00", "person": str(r["person_id"])}
        ),
    ),
    "callback find person": (
        "contacts:callback_add",
        (),
        "staff",
        "post",
        lambda r: (
            {**_fields(CallbackForm), "kind": "voicemail", "phone": "20304050", "person_term": "Jonas"}
            | {"find_person": "1", "person": str(r["person_id"])}
        ),
    ),
    "quick log of a call": (
        "contacts:quick_log",
        (),
        "staff",
        "post",
        lambda r: (
            {**_fields(QuickLogForm), "summary": "Ringede", "acuteness": "3", "channel": "phone"}
            | {"call": str(r["call_id"])}
        ),
    ),
    "quick log opened for a call": (
        "contacts:quick_log",
        (),
        "staff",
        "get",
        lambda r: {"call": str(r["call_id"])},
    ),
    "board calls": ("telephony:board_calls", (), "staff", "get", lambda r: {"since": "2026-03-07"}),
    "callback complete": (
        "contacts:callback_complete",
        ("callback_id",),
        "staff",
        "post",
        lambda r: {**_fields(CompleteCallbackForm), "summary": "Talte", "acuteness": "3"},
    ),
    "shift note": (
        "contacts:shift_note_add",
        (),
        "staff",
        "post",
        lambda r: {"text": "Husk bed 2", TOKEN_FIELD: FRESH_TOKEN},
    ),
    "contact list filter": (
        "contacts:contact_list",
        (),
        "staff",
        "get",
        lambda r: (
            {"from_date": "2026-01-01", "to_date": "", "channel": "", "acuteness": "", "staff": ""}
            | {"lacking_cpr": "", "page": "1"}
        ),
    ),
    "plan create": (
        "crisisplans:plan_create",
        ("contact_id",),
        "staff",
        "post",
        lambda r: {**_plan_data(), TOKEN_FIELD: FRESH_TOKEN},
    ),
    "plan edit": ("crisisplans:plan_edit", ("plan_id",), "staff", "post", lambda r: _plan_data()),
    "plan close": ("crisisplans:plan_close", ("plan_id",), "staff", "post", lambda r: {"x": "1"}),
    "follow-up record": (
        "crisisplans:follow_up_record",
        ("follow_up_id",),
        "staff",
        "post",
        lambda r: (
            {**_fields(FollowUpRecordForm), "outcome": "reached", "note": "Godt"}
            | _swemwbs(FollowUpRecordForm)
        ),
    ),
    "SWEMWBS at a contact": (
        "crisisplans:wellbeing_at_contact",
        ("contact_id",),
        "staff",
        "post",
        lambda r: {**_swemwbs(WellbeingScoreForm), TOKEN_FIELD: FRESH_TOKEN},
    ),
    "follow-up worklist filter": (
        "crisisplans:follow_up_list",
        (),
        "staff",
        "get",
        lambda r: {"state": "open", "from_date": "", "to_date": "", "page": "1"},
    ),
    "partner create": (
        "partners:partner_create",
        (),
        "leader",
        "post",
        lambda r: (
            {**_fields(NewPartnerForm), "name": "Ny", "kind": str(r["kind_id"]), "active": "on"}
            | _formset("people", [{"name": "Kim", "role": "Leder"}], ["name", "role", "phone"])
        ),
    ),
    "partner edit": (
        "partners:partner_edit",
        ("partner_id",),
        "leader",
        "post",
        lambda r: (
            {**_fields(PartnerForm), "name": "Ny", "kind": str(r["kind_id"]), "active": "on"}
            | _formset("people", [{"name": "Kim", "role": "Leder"}], ["name", "role", "phone"])
        ),
    ),
    "partner list filter": (
        "partners:partner_list",
        (),
        "staff",
        "get",
        lambda r: {"name": "Lyngby", "kind": str(r["kind_id"]), "page": "1"},
    ),
    "kind create": (
        "partners:kind_create",
        (),
        "leader",
        "post",
        lambda r: {"name": "Ny slags", "position": "3", TOKEN_FIELD: FRESH_TOKEN},
    ),
    "kind edit": (
        "partners:kind_edit",
        ("kind_id",),
        "leader",
        "post",
        lambda r: {"name": "Nabokommune", "position": "1"},
    ),
    "agreement create": (
        "partners:agreement_create",
        (),
        "leader",
        "post",
        lambda r: (
            {**_fields(NewAgreementForm), "partner": str(r["partner_id"]), "type": "collaboration"}
            | {"valid_from": "2026-01-01", "valid_to": "2026-12-31", "price_per_contact": "100.50"}
        ),
    ),
    "agreement edit": (
        "partners:agreement_edit",
        ("agreement_id",),
        "leader",
        "post",
        lambda r: (
            {**_fields(AgreementForm), "partner": str(r["partner_id"]), "type": "inter_municipal"}
            | {
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
                "price_per_bed_night": "850",
                "price_per_contact": "1200",
            }
        ),
    ),
    "referral": (
        "partners:contact_referrals",
        ("contact_id",),
        "staff",
        "post",
        lambda r: (
            {**_fields(NewReferralForm), "direction": "out", "partner": str(r["partner_id"])}
            | {"reason": "Behandling", "agreed_by_citizen": "true"}
        ),
    ),
    "billing page": (
        "partners:billing",
        (),
        "leader",
        "get",
        lambda r: {"municipality": "0173", "month": "2026-10"},
    ),
    "billing CSV": (
        "partners:billing_csv",
        (),
        "leader",
        "get",
        lambda r: {"municipality": "0173", "month": "2026-10"},
    ),
    "cost create": (
        "reporting:cost_create",
        (),
        "leader",
        "post",
        lambda r: (
            {**_fields(NewCostEntryForm), "month": "2026-10", "category": "salaries"}
            | {"amount": "1000.00", "note": "Løn"}
        ),
    ),
    "cost edit": (
        "reporting:cost_edit",
        ("pk",),
        "leader",
        "post",
        lambda r: (
            {**_fields(NewCostEntryForm), "month": "2026-10", "category": "salaries"}
            | {"amount": "1000.00", "note": "Løn"}
        ),
    ),
    "cost delete": ("reporting:cost_delete", ("pk",), "leader", "post", lambda r: {"x": "1"}),
    "export": (
        "reporting:exports",
        (),
        "evaluator",
        "post",
        lambda r: (
            {**_fields(ExportForm), "start": "2026-01-01", "end": "2026-01-31"}
            | {"kind": ExportForm().fields["kind"].choices[0][0], "dialect": "standard"}
        ),
    ),
    "linkage key": (
        "reporting:linkage_key",
        (),
        "leader",
        "post",
        lambda r: (
            {**_fields(LinkageKeyForm), "start": "2026-01-01", "end": "2026-01-31"}
            | {"reason": "Registerforskning", "dialect": "standard"}
        ),
    ),
    "board bed booking": (
        "contacts:board_book_bed",
        (),
        "staff",
        "post",
        lambda r: {"bed": "4", "person": str(r["person_id"]), TOKEN_FIELD: FRESH_TOKEN},
    ),
    "board section, all rows": (
        "contacts:board_section_all",
        ("section",),
        "staff",
        "get",
        lambda r: {"page": "2"},
    ),
    "dashboard period": (
        "reporting:dashboard",
        (),
        "leader",
        "get",
        lambda r: (
            {**_fields(DashboardPeriodForm), "preset": "custom", "start": "2026-01-01"}
            | {"end": "2026-03-31"}
        ),
    ),
    "dashboard figure CSV": (
        "reporting:figure_csv",
        (),
        "leader",
        "get",
        lambda r: {"figure": "overview", "preset": "custom", "start": "2026-01-01", "end": "2026-03-31"},
    ),
    "cost list year": ("reporting:costs", (), "leader", "get", lambda r: {"year": "2026"}),
    "service settings": (
        "service_settings",
        (),
        "leader",
        "post",
        lambda r: (
            {**_fields(ServiceSettingsForm), "service_name": "Akuttilbud", "phone": "70203040"}
            | {
                "beds": "4",
                "max_consecutive_nights": "3",
                "follow_up_days": "5",
                "follow_up_max_attempts": "3",
            }
            | {"organisation_model": "integrated", "goal_phone_wait_minutes": "2"}
            | {"goal_walk_in_wait_minutes": "10", "goal_call_back_hours": "2"}
        ),
    ),
    "audit log filter": (
        "audit_log",
        (),
        "leader",
        "get",
        lambda r: (
            {"action": "view", "username": "sara", "person_id": str(r["person_id"])}
            | {"from_date": "2026-01-01", "to_date": "", "page": "2"}
        ),
    ),
    "two-factor setup": (
        "otp_setup",
        (),
        "staff",
        "post",
        lambda r: {"enrolment_code": "ABCD-EFGH-JKMN", "code": "123456", "next": "/"},
    ),
    "two-factor verify": ("otp_verify", (), "staff", "post", lambda r: {"code": "123456", "next": "/"}),
    "two-factor recovery code": (
        "otp_verify",
        (),
        "staff",
        "post",
        lambda r: {"recovery_code": "abcd2345", "next": "/"},
    ),
    "two-factor enrolment code issue": (
        "enrolment_code_issue",
        (),
        "leader",
        "post",
        lambda r: {"user": str(r["staff_id"])},
    ),
    "login": ("login", (), "anonymous", "post", lambda r: {"username": "sara", "password": "x"}),
    "provider login start": ("oidc_authentication_init", (), "anonymous", "get", lambda r: {"next": "/"}),
    "provider callback": (
        "oidc_authentication_callback",
        (),
        "anonymous",
        "get",
        lambda r: {"code": "abc", "state": "def", "error": "login_required"},
    ),
    "caller link": (
        "telephony:link_caller",
        ("call_id",),
        "staff",
        "post",
        lambda r: {"person": str(r["person_id"]), "unlink": ""},
    ),
    "phone line settings": (
        "telephony:line_settings",
        (),
        "leader",
        "post",
        lambda r: (
            _prefixed(
                {"grace_seconds": "5", "undescribed_after_minutes": "30", "sms_text": "Vi ringer kl. {time}."}
                | {"number_retention_days": "7", "index_retention_days": "90"},
                "settings",
            )
            | _formset("lines", [{"code": "partnerlinje", "name": "Partnerlinjen"}], ["code", "name"])
            | _formset("extensions", [{"number": "201", "user": str(r["staff_id"])}], ["number", "user"])
        ),
    ),
}


def _answered_call():
    start = timezone.now() - datetime.timedelta(minutes=3)
    for event, seconds in (("ringing", 0), ("answered", 20)):
        call = telephony_services.record_call_event(
            call_id="fjendtlig",
            event=event,
            at=start + datetime.timedelta(seconds=seconds),
            line="akut",
            caller="+4512345678",
            extension="201",
            event_id=f"fjendtlig-{event}",
            source="test",
        )
    return call


def _records_and_client(role):
    records = build_records()
    records["staff_id"] = UserFactory(username="lokal-201", role=Role.STAFF).pk
    from contacts.models import Stay

    records["stay"] = Stay.objects.get(pk=records["stay_id"])
    records["call_id"] = _answered_call().pk
    client = Client(raise_request_exception=True)
    if role != "anonymous":
        client.force_login(UserFactory(username=f"fjendtlig-{role}", role=getattr(Role, role.upper())))
    return records, client


def _send(client, name, keys, method, records, data):
    path = reverse(name, kwargs={key: records[key] for key in keys})
    data = {key: str(uuid.uuid4()) if value == FRESH_TOKEN else value for key, value in data.items()}
    if method == "get":
        response = client.get(path, data)
    else:
        response = client.post(path, data)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _hostile_data(draw, valid):
    data = {}
    for key, value in valid.items():
        choice = draw(st.one_of(st.just(value), st.just(ABSENT), _value()))
        if choice is not ABSENT:
            data[key] = choice
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_random_and_hostile_input_gives_a_form_error_or_success_never_a_server_error(target):
    name, keys, role, method, valid = TARGETS[target]
    records, client = _records_and_client(role)
    base = valid(records)
    assert _send(client, name, keys, method, records, base).status_code < 400
    for value in HOSTILE:
        response = _send(client, name, keys, method, records, dict.fromkeys(base, value))
        assert response.status_code < 500, value[:40]

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def send_random(data):
        response = _send(client, name, keys, method, records, _hostile_data(data.draw, base))
        assert response.status_code < 500

    send_random()


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_nul_character_in_any_field_is_refused_not_a_server_error(target):
    # PostgreSQL refuses NUL in text; it must be stopped by the form, never reach the database.
    require_postgres()
    name, keys, role, method, valid = TARGETS[target]
    records, client = _records_and_client(role)
    base = valid(records)
    for key, value in base.items():
        response = _send(client, name, keys, method, records, {**base, key: f"{value}\x00x"})
        assert response.status_code < 500, key


def _event_json():
    """Any JSON an event's field might hold: hostile strings, numbers, nulls, lists, objects."""
    scalar = st.one_of(
        st.sampled_from(HOSTILE), TEXT, st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()
    )
    return st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
        max_leaves=5,
    )


@pytest.mark.django_db
def test_hostile_signed_events_give_a_400_or_success_never_a_server_error():
    import datetime
    import json

    from django.core.cache import cache

    from tests.telephony.helpers import event, post_event

    cache.clear()
    client = Client(raise_request_exception=True)
    valid = event("fjendtlig", "ringing", datetime.datetime(2026, 3, 7, 21, 0, tzinfo=datetime.UTC))
    assert post_event(client, valid).status_code == 200
    for value in HOSTILE:
        assert post_event(client, dict.fromkeys(valid, value)).status_code < 500, value[:40]
        assert post_event(client, None, body=value.encode()).status_code < 500, value[:40]
    for key in valid:
        # PostgreSQL refuses NUL in text: the form stops it before the raw inserts.
        assert post_event(client, {**valid, key: "x\x00y"}).status_code == 400, key

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def send_random(data):
        payload = {}
        for key, value in valid.items():
            choice = data.draw(st.one_of(st.just(value), st.just(ABSENT), _event_json()))
            if choice is not ABSENT:
                payload[key] = choice
        response = post_event(client, payload, body=json.dumps(payload).encode())
        assert response.status_code < 500

    send_random()


@pytest.mark.django_db
@override_settings(TWILIO_AUTH_TOKEN="fuzz-token")
def test_hostile_twilio_callbacks_give_a_4xx_never_a_server_error():
    from django.core.cache import cache
    from twilio.request_validator import RequestValidator

    cache.clear()
    client = Client(raise_request_exception=True)
    path = reverse("telephony:twilio_status")
    validator = RequestValidator("fuzz-token")
    fields = ["CallSid", "CallStatus", "From", "Timestamp"]
    for value in HOSTILE:
        params = dict.fromkeys(fields, value)
        for query in ("", "?line=" + value[:30], "?extension=" + value[:30]):
            signature = validator.compute_signature("http://testserver" + path + query, params)
            signed = client.post(path + query, data=params, headers={"X-Twilio-Signature": signature})
            assert 400 <= signed.status_code < 500 or signed.status_code == 204, value[:40]
        unsigned = client.post(path, data=params, headers={"X-Twilio-Signature": value[:200]})
        assert unsigned.status_code == 401, value[:40]
    # A real status with hostile details around it is recorded, never a 500.
    for value in HOSTILE:
        params = {"CallSid": "CA-fuzz", "CallStatus": "ringing", "From": value, "Timestamp": value}
        signature = validator.compute_signature("http://testserver" + path, params)
        assert client.post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code == 204
