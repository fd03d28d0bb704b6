"""Every form of the app with data its view accepts, for ``tests/test_hostile_input.py``.

A new form gets a target here; the hostile-input tests then post random and hostile data to it.
"""

from akuttilbud.forms import ServiceSettingsForm
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
