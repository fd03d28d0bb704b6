import csv
import datetime
import io
import os
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from akuttilbud.models import AuditAction, AuditEvent, Municipality
from contacts.models import CallerRole, Channel, Direction
from contacts.services import contacts as contact_services
from contacts.services import persons as person_services
from partners import billing
from partners.models import AgreementType, PartnerKind
from tests.factories import ContactFactory, PersonFactory, StayFactory

from .factories import AgreementFactory, PartnerFactory

pytestmark = pytest.mark.django_db

ANNA_CPR = "0101904321"
BO_CPR = "1502851234"
OCTOBER = datetime.date(2026, 10, 1)
NOVEMBER = datetime.date(2026, 11, 1)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
AFTER_BOTH = datetime.datetime(2026, 12, 15, 12, 0, tzinfo=COPENHAGEN)


def local(*args):
    return datetime.datetime(*args, tzinfo=COPENHAGEN)


@pytest.fixture
def lyngby():
    return Municipality.objects.get(code="0173")


@pytest.fixture
def dataset(lyngby):
    """A fixed month of use by Lyngby-Taarbæk's citizens (and some that must not count)."""
    neighbour = PartnerFactory(
        name="Lyngby-Taarbæk Kommune", kind=PartnerKind.objects.get(name="Nabokommune"), municipality=lyngby
    )
    agreement = AgreementFactory(
        partner=neighbour,
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
        price_per_contact=Decimal("1200.00"),
        price_per_bed_night=Decimal("850.50"),
    )
    anna = PersonFactory(name="Anna Andersen", cpr=ANNA_CPR, home_municipality=lyngby)
    bo = PersonFactory(name="Bo Berg", cpr=BO_CPR, home_municipality=lyngby)
    no_cpr = PersonFactory(name="Carl uden CPR", home_municipality=lyngby)
    copenhagener = PersonFactory(name="Dorte", cpr="0303803456", home_municipality_id="0101")

    # Anna: two contacts at October's local edges, one just outside each edge.
    ContactFactory(person=anna, started_at=local(2026, 10, 1, 0, 30))
    ContactFactory(person=anna, started_at=local(2026, 10, 31, 23, 30))
    ContactFactory(person=anna, started_at=local(2026, 9, 30, 23, 50))
    ContactFactory(person=anna, started_at=local(2026, 11, 1, 0, 10))
    # 30 Oct to 2 Nov: the nights of 30 and 31 October, and of 1 November.
    StayFactory(person=anna, check_in=local(2026, 10, 30, 18, 0), check_out=local(2026, 11, 2, 10, 0))
    # Bo: one contact and three nights inside October.
    ContactFactory(person=bo, started_at=local(2026, 10, 5, 19, 0))
    StayFactory(person=bo, bed=2, check_in=local(2026, 10, 5, 20, 0), check_out=local(2026, 10, 8, 9, 0))
    # Without CPR: two contacts and one night that cannot be billed.
    ContactFactory(person=no_cpr, started_at=local(2026, 10, 10, 17, 0))
    ContactFactory(person=no_cpr, started_at=local(2026, 10, 12, 17, 0))
    StayFactory(
        person=no_cpr, bed=3, check_in=local(2026, 10, 10, 21, 0), check_out=local(2026, 10, 11, 8, 0)
    )
    # Not Lyngby-Taarbæk's: another municipality's citizen and an anonymous caller.
    ContactFactory(person=copenhagener, started_at=local(2026, 10, 6, 12, 0))
    StayFactory(
        person=copenhagener, bed=4, check_in=local(2026, 10, 6, 20, 0), check_out=local(2026, 10, 7, 8, 0)
    )
    ContactFactory(person=None, started_at=local(2026, 10, 7, 12, 0))
    return {"agreement": agreement, "anna": anna, "bo": bo}


def test_october_statement_matches_the_hand_computed_totals(dataset, lyngby):
    statement = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH)

    rows = {row.name: row for row in statement.rows}
    assert set(rows) == {"Anna Andersen", "Bo Berg"}
    assert (rows["Anna Andersen"].contacts, rows["Anna Andersen"].bed_nights) == (2, 2)
    assert rows["Anna Andersen"].amount == Decimal("4101.00")  # 2 × 1200 + 2 × 850.50
    assert rows["Anna Andersen"].cpr == ANNA_CPR
    assert (rows["Bo Berg"].contacts, rows["Bo Berg"].bed_nights) == (1, 3)
    assert rows["Bo Berg"].amount == Decimal("3751.50")  # 1200 + 3 × 850.50
    assert statement.total_contacts == 3
    assert statement.total_bed_nights == 5
    assert statement.total_amount == Decimal("7852.50")


def test_the_night_of_1_november_is_billed_to_november(dataset, lyngby):
    statement = billing.build_statement(municipality=lyngby, month=NOVEMBER, now=AFTER_BOTH)
    [row] = statement.rows
    assert row.name == "Anna Andersen"
    assert (row.contacts, row.bed_nights) == (1, 1)
    assert row.amount == Decimal("2050.50")


def test_contacts_and_nights_without_cpr_are_counted_as_unbillable(dataset, lyngby):
    statement = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH)
    assert statement.unbillable.contacts == 2
    assert statement.unbillable.bed_nights == 1
    assert statement.unbillable.amount == Decimal("3250.50")  # 2 × 1200 + 850.50
    assert "Carl uden CPR" not in {row.name for row in statement.rows}


def test_an_open_stay_counts_nights_up_to_now_or_the_month_end(dataset, lyngby):
    bo = dataset["bo"]
    StayFactory(person=bo, bed=2, check_in=local(2026, 10, 29, 20, 0), check_out=None)

    midway = billing.build_statement(municipality=lyngby, month=OCTOBER, now=local(2026, 10, 31, 12, 0))
    later = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH)

    assert next(r for r in midway.rows if r.name == "Bo Berg").bed_nights == 3 + 2  # 29 and 30 October
    assert next(r for r in later.rows if r.name == "Bo Berg").bed_nights == 3 + 3  # 29, 30 and 31 October
    assert midway.open_stays == 1


def test_a_municipality_without_an_active_inter_municipal_agreement_has_no_statement(dataset, lyngby):
    copenhagen = Municipality.objects.get(code="0101")
    with pytest.raises(billing.NoAgreement):
        billing.build_statement(municipality=copenhagen, month=OCTOBER)
    # Lyngby-Taarbæk's agreement ends with 2026.
    with pytest.raises(billing.NoAgreement):
        billing.build_statement(municipality=lyngby, month=datetime.date(2027, 1, 1))


def test_a_collaboration_agreement_does_not_allow_billing(lyngby):
    AgreementFactory(
        partner=PartnerFactory(municipality=lyngby),
        type=AgreementType.COLLABORATION,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=None,
    )
    with pytest.raises(billing.NoAgreement):
        billing.build_statement(municipality=lyngby, month=OCTOBER)


def test_statement_page_shows_rows_totals_and_is_not_cached(leader_client, dataset):
    response = leader_client.get(reverse("partners:billing"), {"municipality": "0173", "month": "2026-10"})
    assert response.status_code == 200
    assert "010190-4321" in response.text
    assert "7.852,50" in response.text  # Danish number format
    assert "3.250,50" in response.text
    assert "no-store" in response["Cache-Control"]
    # The CSV link carries month and municipality only.
    assert ANNA_CPR not in reverse("partners:billing_csv")
    assert "municipality=0173&amp;month=2026-10" in response.text


def test_statement_page_is_audited_without_cpr_numbers(leader_client, leader_user, dataset):
    leader_client.get(reverse("partners:billing"), {"municipality": "0173", "month": "2026-10"})
    event = AuditEvent.objects.get(action=AuditAction.BILLING_STATEMENT)
    assert event.user == leader_user
    assert event.detail == {"municipality": "0173", "month": "2026-10", "rows": 2, "route": "page"}
    assert ANNA_CPR not in str(event.detail) and BO_CPR not in str(event.detail)


def test_statement_csv_has_a_row_per_citizen_and_totals_and_is_audited(leader_client, dataset):
    response = leader_client.get(
        reverse("partners:billing_csv"), {"municipality": "0173", "month": "2026-10"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="billing-0173-2026-10.csv"'
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    # Written with the hyphen, so a spreadsheet keeps the leading zero.
    assert rows[1] == ["010190-4321", "Anna Andersen", "2", "2", "4101.00"]
    assert rows[2] == ["150285-1234", "Bo Berg", "1", "3", "3751.50"]
    assert rows[3][2:] == ["3", "5", "7852.50"]
    assert rows[4][2:] == ["2", "1", "3250.50"]
    event = AuditEvent.objects.get(action=AuditAction.BILLING_STATEMENT)
    assert event.detail["route"] == "csv"


def test_a_name_that_looks_like_a_formula_is_defused_in_the_csv(leader_client, dataset, lyngby):
    mallory = PersonFactory(name="=HYPERLINK(1)", cpr="0202024567", home_municipality=lyngby)
    ContactFactory(person=mallory, started_at=local(2026, 10, 20, 12, 0))
    response = leader_client.get(
        reverse("partners:billing_csv"), {"municipality": "0173", "month": "2026-10"}
    )
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_a_name_with_semicolons_is_quoted_so_danish_excel_does_not_split_it(leader_client, dataset, lyngby):
    anders = PersonFactory(name="Anders;=2+5;", cpr="0202024567", home_municipality=lyngby)
    ContactFactory(person=anders, started_at=local(2026, 10, 20, 12, 0))
    response = leader_client.get(
        reverse("partners:billing_csv"), {"municipality": "0173", "month": "2026-10"}
    )
    text = response.content.decode()
    assert '"Anders;\'=2+5;"' in text
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        assert not any(cell.startswith("=") for cell in row)


@pytest.mark.parametrize(
    "query",
    [
        {"municipality": "9999", "month": "2026-10"},
        {"municipality": "0173", "month": "2026-13"},
        {"municipality": "0173", "month": "oktober"},
        {"municipality": "0101", "month": "2026-10"},
    ],
)
def test_bad_input_or_no_agreement_gives_a_form_error_and_no_audit(leader_client, dataset, query):
    response = leader_client.get(reverse("partners:billing"), query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["statement"] is None
    response = leader_client.get(reverse("partners:billing_csv"), query)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.BILLING_STATEMENT).exists()


@pytest.mark.parametrize("name", ["partners:billing", "partners:billing_csv"])
def test_staff_and_evaluators_cannot_produce_a_statement(client, staff_user, evaluator_user, dataset, name):
    query = {"municipality": "0173", "month": "2026-10"}
    for user in (staff_user, evaluator_user):
        client.force_login(user)
        assert client.get(reverse(name), query).status_code == 403
    client.logout()
    response = client.get(reverse(name), query)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not AuditEvent.objects.filter(action=AuditAction.BILLING_STATEMENT).exists()


def test_command_writes_the_csv_to_a_private_file_and_is_audited(dataset, tmp_path):
    output = tmp_path / "statement.csv"
    call_command("billing_statement", "--municipality", "0173", "--month", "2026-10", "--output", str(output))
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert rows[1][0] == "010190-4321"
    assert rows[3][2:] == ["3", "5", "7852.50"]
    assert os.stat(output).st_mode & 0o077 == 0
    event = AuditEvent.objects.get(action=AuditAction.BILLING_STATEMENT)
    assert event.detail == {"municipality": "0173", "month": "2026-10", "rows": 2, "route": "command"}


def test_command_writes_to_stdout_without_output(dataset, capsys):
    out = io.StringIO()
    call_command("billing_statement", "--municipality", "173", "--month", "2026-11", stdout=out)
    assert "010190-4321" in out.getvalue()
    assert AuditEvent.objects.filter(action=AuditAction.BILLING_STATEMENT).count() == 1


@pytest.mark.parametrize(
    ("municipality", "month", "message"),
    [
        ("9999", "2026-10", "No municipality has the code 9999"),
        ("abc", "2026-10", "municipality code"),
        ("0173", "2026/10", "YYYY-MM"),
        ("0101", "2026-10", "no inter-municipal agreement"),
    ],
)
def test_command_refuses_bad_input_with_a_clear_message(dataset, municipality, month, message):
    with pytest.raises(CommandError, match=message):
        call_command("billing_statement", "--municipality", municipality, "--month", month)
    assert not AuditEvent.objects.filter(action=AuditAction.BILLING_STATEMENT).exists()


def test_a_check_out_booked_ahead_does_not_bill_nights_still_to_come(dataset, lyngby):
    bo = dataset["bo"]
    StayFactory(person=bo, bed=2, check_in=local(2026, 10, 20, 20, 0), check_out=local(2026, 10, 24, 9, 0))
    statement = billing.build_statement(municipality=lyngby, month=OCTOBER, now=local(2026, 10, 22, 12, 0))
    assert next(r for r in statement.rows if r.name == "Bo Berg").bed_nights == 3 + 2  # 20 and 21 October


def test_days_before_an_agreement_starts_are_not_billed(lyngby):
    """The 0173 agreement starting on the 2nd: a contact on the 1st is not billed."""
    neighbour = PartnerFactory(municipality=lyngby)
    AgreementFactory(
        partner=neighbour,
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=datetime.date(2025, 12, 2),
        valid_to=None,
        price_per_contact=Decimal("1650.00"),
        price_per_bed_night=Decimal("900.00"),
    )
    eva = PersonFactory(name="Eva", cpr="0505805678", home_municipality=lyngby)
    ContactFactory(person=eva, started_at=local(2025, 12, 1, 20, 0))
    ContactFactory(person=eva, started_at=local(2025, 12, 2, 0, 5))
    # Checked in on the 1st: the night of the 1st is before the agreement, the 2nd within it.
    StayFactory(person=eva, check_in=local(2025, 12, 1, 22, 0), check_out=local(2025, 12, 3, 9, 0))

    statement = billing.build_statement(
        municipality=lyngby, month=datetime.date(2025, 12, 1), now=local(2026, 1, 10, 12, 0)
    )

    [row] = statement.rows
    assert (row.contacts, row.bed_nights, row.amount) == (1, 1, Decimal("2550.00"))
    assert (statement.uncovered.contacts, statement.uncovered.bed_nights) == (1, 1)


def test_a_month_two_agreements_share_is_priced_day_by_day(lyngby):
    neighbour = PartnerFactory(municipality=lyngby)
    for valid_from, valid_to, contact_price, night_price in [
        (datetime.date(2026, 1, 1), datetime.date(2026, 10, 15), "1000.00", "500.00"),
        (datetime.date(2026, 10, 20), None, "2000.00", "800.00"),
    ]:
        AgreementFactory(
            partner=neighbour,
            type=AgreementType.INTER_MUNICIPAL,
            valid_from=valid_from,
            valid_to=valid_to,
            price_per_contact=Decimal(contact_price),
            price_per_bed_night=Decimal(night_price),
        )
    fie = PersonFactory(name="Fie", cpr="0606806789", home_municipality=lyngby)
    ContactFactory(person=fie, started_at=local(2026, 10, 15, 23, 59))  # the old agreement's last day
    ContactFactory(person=fie, started_at=local(2026, 10, 17, 12, 0))  # between the two
    ContactFactory(person=fie, started_at=local(2026, 10, 20, 0, 1))  # the new one's first day
    # The nights of 14, 15 (old), 16 to 19 (none) and 20 (new) October.
    StayFactory(person=fie, check_in=local(2026, 10, 14, 21, 0), check_out=local(2026, 10, 21, 9, 0))

    statement = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH)

    [row] = statement.rows
    assert (row.contacts, row.bed_nights) == (2, 3)
    assert row.amount == Decimal("1000.00") + Decimal("2000.00") + 2 * Decimal("500.00") + Decimal("800.00")
    assert (statement.uncovered.contacts, statement.uncovered.bed_nights) == (1, 4)
    assert len(statement.agreements) == 2


def test_the_agreement_says_which_kinds_of_contact_it_pays_for(dataset, lyngby):
    anna = dataset["anna"]
    ContactFactory(person=anna, started_at=local(2026, 10, 14, 12, 0), direction=Direction.OUTGOING)
    ContactFactory(person=anna, started_at=local(2026, 10, 15, 12, 0), caller_role=CallerRole.RELATIVE)
    ContactFactory(person=anna, started_at=local(2026, 10, 16, 12, 0), in_target_group=False)

    by_default = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH)
    assert next(r for r in by_default.rows if r.name == "Anna Andersen").contacts == 2
    assert by_default.not_paid_for_contacts == 3

    agreement = dataset["agreement"]
    agreement.bills_outgoing = agreement.bills_others_calling = agreement.bills_outside_target_group = True
    agreement.save()
    with_all = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH)
    assert next(r for r in with_all.rows if r.name == "Anna Andersen").contacts == 5
    assert with_all.not_paid_for_contacts == 0


def test_a_citizen_who_moves_is_billed_to_the_municipality_of_the_time(dataset, lyngby, staff_user):
    gentofte = Municipality.objects.get(code="0157")
    AgreementFactory(
        partner=PartnerFactory(municipality=gentofte),
        type=AgreementType.INTER_MUNICIPAL,
        valid_from=datetime.date(2026, 1, 1),
        valid_to=None,
        price_per_contact=Decimal("1500.00"),
        price_per_bed_night=Decimal("700.00"),
    )
    bo = dataset["bo"]
    before_the_move = contact_services.log_contact(
        user=staff_user,
        data={
            "person": bo,
            "channel": Channel.PHONE,
            "started_at": local(2026, 10, 20, 12, 0),
            "acuteness": 3,
        },
    )
    person_services.update_person(person=bo, user=staff_user, data={"home_municipality": gentofte})
    after_the_move = contact_services.log_contact(
        user=staff_user,
        data={
            "person": bo,
            "channel": Channel.PHONE,
            "started_at": local(2026, 10, 25, 12, 0),
            "acuteness": 3,
        },
    )

    before_the_move.refresh_from_db()
    assert before_the_move.municipality == lyngby
    assert after_the_move.municipality == gentofte
    lyngby_rows = billing.build_statement(municipality=lyngby, month=OCTOBER, now=AFTER_BOTH).rows
    gentofte_rows = billing.build_statement(municipality=gentofte, month=OCTOBER, now=AFTER_BOTH).rows
    assert next(r for r in lyngby_rows if r.name == "Bo Berg").contacts == 2  # 5 October and 20 October
    assert [(r.name, r.contacts, r.bed_nights) for r in gentofte_rows] == [("Bo Berg", 1, 0)]


def test_a_municipality_learnt_later_is_filled_in_on_earlier_contacts(lyngby, staff_user):
    gry = PersonFactory(name="Gry", cpr="0707807890")
    contact = contact_services.log_contact(
        user=staff_user,
        data={
            "person": gry,
            "channel": Channel.WALK_IN,
            "started_at": local(2026, 10, 3, 18, 0),
            "acuteness": 2,
        },
    )
    assert contact.municipality is None
    person_services.update_person(person=gry, user=staff_user, data={"home_municipality": lyngby})
    contact.refresh_from_db()
    assert contact.municipality == lyngby


def test_every_citizen_on_a_statement_sees_it_in_their_access_report(leader_client, dataset):
    leader_client.get(reverse("partners:billing"), {"municipality": "0173", "month": "2026-10"})
    event = AuditEvent.objects.get(action=AuditAction.BILLING_STATEMENT)
    assert set(event.person_links.values_list("person_id", flat=True)) == {
        dataset["anna"].pk,
        dataset["bo"].pk,
    }
    response = leader_client.get(reverse("access_report", args=[dataset["anna"].pk]))
    assert event in response.context["look_ups"]
