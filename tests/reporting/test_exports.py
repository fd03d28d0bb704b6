import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Acuteness, CallerRole, Channel, Direction, NotificationDecision, PsychiatryContact
from reporting import exports
from reporting.people import pseudonym, record_key

from .dataset import ANN_CPR, BO_CPR, NAMES, NICKNAMES, PERIOD, PHONES, build

EXPORTS = reverse("reporting:exports")
LINKAGE = reverse("reporting:linkage_key")
FORM = {"start": "2026-10-25", "end": "2026-10-31", "dialect": "standard"}
CPR_PATTERN = re.compile(r"\d{6}-?\d{4}")
DICTIONARY = Path(settings.BASE_DIR) / "docs" / "data-dictionary.md"
CODED_CONTACT_COLUMNS = {
    "channel": Channel,
    "direction": Direction,
    "caller_role": CallerRole,
    "acuteness": Acuteness,
    "psychiatry_contact": PsychiatryContact,
    "notification_decision": NotificationDecision,
}


@pytest.fixture
def dataset(db):
    return build()


def _parse(content, dialect="standard"):
    text = content.decode("utf-8")
    if dialect == "excel-da":
        assert text.startswith("\ufeff")
        text = text[1:]
    else:
        assert not text.startswith("\ufeff")
    delimiter = exports.DIALECTS[dialect].delimiter
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _download(client, kind, dialect="standard", **form):
    response = client.post(EXPORTS, {**FORM, "kind": kind, "dialect": dialect, **form})
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    return _parse(b"".join(response.streaming_content), dialect)


def _dictionary_columns():
    """Column names of each export's table in docs/data-dictionary.md, in order."""
    columns = {}
    kind = None
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"## `(\w+)`", line)
        if heading:
            kind = heading.group(1)
            columns[kind] = []
        elif kind and (cell := re.match(r"\| `(\w+)` \|", line)):
            columns[kind].append(cell.group(1))
        elif line.startswith("## "):
            kind = None
    return columns


def test_data_dictionary_lists_every_export_column_in_order():
    assert _dictionary_columns() == {kind: exports.header(kind) for kind in exports.KINDS}


def test_data_dictionary_labels_every_code_of_the_contacts_file_as_the_pages_do():
    """The codes table gives each coded column's codes with the labels of its choices."""
    text = DICTIONARY.read_text(encoding="utf-8").split("### Codes of the contacts file")[1]
    documented = {}
    for line in text.split("\n## ")[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0] in CODED_CONTACT_COLUMNS:
            documented[cells[0], cells[1]] = (cells[2], cells[3])
    expected = {}
    for column, choices in CODED_CONTACT_COLUMNS.items():
        for code, label in choices.choices:
            with translation.override("da"):
                danish = str(label)
            with translation.override("en"):
                expected[column, str(code)] = (str(label), danish)
    assert documented == expected


def test_data_dictionary_states_the_schema_version():
    assert f"Schema version: **{exports.SCHEMA_VERSION}**" in DICTIONARY.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", exports.KINDS)
def test_export_header_is_the_data_dictionary_and_rows_carry_the_schema_version(
    evaluator_client, dataset, kind
):
    rows = _download(evaluator_client, kind)
    assert rows[0] == _dictionary_columns()[kind]
    assert rows[0][0] == "schema_version"
    assert len(rows) > 1
    assert {row[0] for row in rows[1:]} == {str(exports.SCHEMA_VERSION)}
    assert {len(row) for row in rows} == {len(rows[0])}


@pytest.mark.parametrize("kind", exports.KINDS)
@pytest.mark.parametrize("dialect", list(exports.DIALECTS))
def test_no_cell_holds_a_cpr_name_nickname_phone_or_free_text(evaluator_client, dataset, kind, dialect):
    rows = _download(evaluator_client, kind, dialect)
    forbidden = [
        *NAMES,
        *NICKNAMES,
        *PHONES,
        ANN_CPR,
        BO_CPR,
        "Samtale",
        "Bor alene",
        "Sov uroligt",
        "bange",
        "bedre",
    ]
    # A pseudonym is 16 hex characters and may by chance be ten digits in a row; the CPR numbers
    # themselves are among the forbidden values in every cell.
    pseudonym = rows[0].index("pseudonym") if "pseudonym" in rows[0] else None
    for row in rows:
        for index, cell in enumerate(row):
            if index != pseudonym:
                assert not CPR_PATTERN.search(cell), cell
            for word in forbidden:
                assert word not in cell


def test_contacts_export_rows(evaluator_client, dataset):
    rows = _download(evaluator_client, "contacts")
    header = rows[0]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [record["contact_key"] for record in records] == [
        record_key("contact", dataset[name].pk) for name in ("c1", "c2", "c3", "c4", "c5", "c9", "c6")
    ]
    first = records[0]
    assert first["date"] == "2026-10-25"
    assert first["started_at"] == "2026-10-25T00:30:00+02:00"
    assert first["pseudonym"] == pseudonym(dataset["ann"].pk, dataset["ann"].cpr_index)
    assert first["reasons"] == "Ensomhed|Angst"
    assert first["age_band"] == "35-44"
    assert first["municipality_code"] == "0101"
    assert (first["first_contact"], first["anonymous"], first["lacks_cpr"]) == ("0", "0", "0")
    assert (first["wait_seconds"], first["duration_seconds"]) == ("60", "840")
    # The night the clocks go back: the same local time twice, told apart by the offset.
    assert [record["started_at"] for record in records[1:3]] == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
    ]
    assert records[1]["wait_seconds"] == "180"
    anonymous_teen = records[2]
    assert (anonymous_teen["pseudonym"], anonymous_teen["anonymous"], anonymous_teen["under_18"]) == (
        "",
        "1",
        "1",
    )
    assert anonymous_teen["age_band"] == "<18"
    walk_in_bo = records[3]
    assert (walk_in_bo["first_contact"], walk_in_bo["under_18"], walk_in_bo["notification_decision"]) == (
        "1",
        "1",
        "notified",
    )
    walk_in_cai = records[4]
    assert walk_in_cai["lacks_cpr"] == "1"
    assert walk_in_cai["pseudonym"] == pseudonym(dataset["cai"].pk, None)


def test_stays_export_counts_nights_inside_the_period(evaluator_client, dataset):
    rows = _download(evaluator_client, "stays")
    records = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    crossing_start = records[str(dataset["s1"].pk)]
    assert (crossing_start["nights"], crossing_start["nights_in_period"], crossing_start["meals"]) == (
        "3",
        "1",
        "4",
    )
    crossing_end = records[str(dataset["s2"].pk)]
    assert (crossing_end["check_out_date"], crossing_end["nights"], crossing_end["nights_in_period"]) == (
        "2026-11-02",
        "3",
        "2",
    )
    assert records[str(dataset["s3"].pk)]["lacks_cpr"] == "1"


def test_followups_export_marks_done_on_time_by_local_date(evaluator_client, dataset):
    rows = _download(evaluator_client, "followups")
    records = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(records) == 4
    assert records[str(dataset["f1"].pk)]["done_on_time"] == "1"
    late = records[str(dataset["f2"].pk)]
    assert (late["first_due_date"], late["completed_date"], late["done_on_time"]) == (
        "2026-10-26",
        "2026-10-27",
        "0",
    )


def test_pseudonym_is_stable_across_exports_and_kinds_and_changes_with_the_secret(
    evaluator_client, dataset, settings
):
    first = _download(evaluator_client, "contacts")[1][2]
    again = _download(evaluator_client, "contacts")[1][2]
    ann = pseudonym(dataset["ann"].pk, dataset["ann"].cpr_index)
    assert first == again == ann
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    wellbeing = _download(evaluator_client, "wellbeing")
    assert ann in {row[2] for row in wellbeing[1:]}
    settings.EXPORT_PSEUDONYM_SECRET = "another-secret"
    other = _download(evaluator_client, "contacts")[1][2]
    assert other != first
    assert re.fullmatch(r"[0-9a-f]{16}", other)


@pytest.mark.parametrize("kind", ["wellbeing", "costs", "contacts"])
def test_both_dialects_parse_and_round_trip_numbers(evaluator_client, dataset, kind):
    standard = _download(evaluator_client, kind, "standard")
    danish = _download(evaluator_client, kind, "excel-da")
    assert standard[0] == danish[0]
    types = [column.type for column in exports.COLUMNS[kind]]
    decimals_seen = 0
    for standard_row, danish_row in zip(standard[1:], danish[1:], strict=True):
        for column_type, plain, localised in zip(types, standard_row, danish_row, strict=True):
            if column_type == "decimal" and plain:
                assert "," not in plain
                assert Decimal(localised.replace(",", ".")) == Decimal(plain)
                decimals_seen += 1
            else:
                assert localised == plain
    assert decimals_seen or "decimal" not in types


def test_costs_export_sums_per_month_and_category(evaluator_client, dataset):
    rows = _download(evaluator_client, "costs", "excel-da")
    assert rows[1:] == [
        ["2", "2026-10", "establishment", "50000,00", "0"],
        ["2", "2026-10", "rent", "10000,00", "1"],
        ["2", "2026-10", "salaries", "90000,00", "1"],
    ]


def test_export_is_audited_with_kind_period_dialect_and_row_count(evaluator_client, evaluator_user, dataset):
    _download(evaluator_client, "contacts", "excel-da")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.user == evaluator_user
    assert event.detail == {
        "kind": "contacts",
        "start": "2026-10-25",
        "end": "2026-10-31",
        "dialect": "excel-da",
        "rows": 7,
        "via": "web",
    }


def test_export_form_errors_are_shown_without_a_download(evaluator_client, db):
    response = evaluator_client.post(EXPORTS, {"kind": "secrets", "start": "2026-10-31", "end": "2026-10-01"})
    assert response.status_code == 200
    assert not response.streaming
    assert set(response.context["form"].errors) == {"kind", "end", "dialect"}
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_exports_page_shows_the_form_without_linkage_to_the_evaluator(evaluator_client):
    response = evaluator_client.get(EXPORTS)
    assert response.status_code == 200
    assert "kind" in response.context["form"].fields
    assert response.context["can_make_linkage_key"] is False
    assert LINKAGE not in response.content.decode()


def test_exports_page_offers_the_linkage_key_to_the_leader(leader_client):
    response = leader_client.get(EXPORTS)
    assert response.status_code == 200
    assert LINKAGE in response.content.decode()


def test_staff_cannot_reach_exports(staff_client):
    assert staff_client.get(EXPORTS).status_code == 403
    assert staff_client.post(EXPORTS, {**FORM, "kind": "contacts"}).status_code == 403
    assert staff_client.get(LINKAGE).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, db):
    for url in (EXPORTS, LINKAGE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_evaluator_cannot_make_a_linkage_key(evaluator_client, dataset):
    assert evaluator_client.get(LINKAGE).status_code == 403
    response = evaluator_client.post(LINKAGE, {**FORM, "reason": "Registerkobling"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.LINKAGE_KEY).exists()


def test_linkage_key_maps_pseudonyms_to_cpr_and_is_audited_with_the_reason(leader_client, dataset):
    response = leader_client.post(LINKAGE, {**FORM, "reason": "Kobling til Landspatientregistret"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    rows = _parse(b"".join(response.streaming_content))
    ann, bo = dataset["ann"], dataset["bo"]
    dan_cpr = "0202851234"
    assert rows[0] == ["pseudonym", "cpr"]
    assert sorted(rows[1:]) == sorted(
        [
            [pseudonym(ann.pk, ann.cpr_index), ANN_CPR],
            [pseudonym(bo.pk, bo.cpr_index), BO_CPR],
            [pseudonym(ann.pk + 3, _index(dan_cpr)), dan_cpr],
        ]
    )
    event = AuditEvent.objects.get(action=AuditAction.LINKAGE_KEY)
    assert event.detail["reason"] == "Kobling til Landspatientregistret"
    assert event.detail["rows"] == 3


def _index(cpr):
    from akuttilbud.cpr import blind_index

    return blind_index(cpr)


def test_linkage_key_without_a_reason_is_a_form_error(leader_client, dataset):
    response = leader_client.post(LINKAGE, {**FORM, "reason": "   "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not AuditEvent.objects.filter(action=AuditAction.LINKAGE_KEY).exists()


def test_export_command_writes_the_file_and_audits(dataset, tmp_path):
    output = tmp_path / "contacts.csv"
    call_command(
        "export_evaluation",
        "--kind=contacts",
        "--start=2026-10-25",
        "--end=2026-10-31",
        "--dialect=excel-da",
        f"--output={output}",
    )
    rows = _parse(output.read_bytes(), "excel-da")
    assert rows[0] == exports.header("contacts")
    assert len(rows) == 8
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.detail["rows"] == 7
    assert event.detail["via"] == "command"


def test_export_command_writes_to_standard_output(dataset):
    buffer = io.StringIO()
    call_command("export_evaluation", "--kind=costs", "--start=2026-10-01", "--end=2026-10-31", stdout=buffer)
    assert _parse(buffer.getvalue().encode())[0] == exports.header("costs")


@pytest.mark.parametrize(
    "arguments",
    [
        ["--kind=secrets", "--start=2026-01-01", "--end=2026-12-31"],
        ["--kind=contacts", "--start=2026-13-01", "--end=2026-12-31"],
        ["--kind=contacts", "--start=2026-12-31", "--end=2026-01-01"],
        ["--kind=contacts", "--start=2026-01-01", "--end=2026-12-31", "--dialect=latin1"],
        ["--kind=contacts", "--start=2026-01-01", "--end=2026-12-31", "--output=/nonexistent/dir/x.csv"],
    ],
)
def test_export_command_rejects_bad_arguments(db, arguments):
    with pytest.raises(CommandError):
        call_command("export_evaluation", *arguments)


def test_export_streams_with_a_bounded_number_of_queries(dataset, django_assert_max_num_queries):
    # The rows, then per chunk of rows the contacts' reasons and which of their persons had a
    # contact before the period (the first-contact flag, one look-up per person, not per row).
    for kind in exports.KINDS:
        with django_assert_max_num_queries(3):
            list(exports.stream(kind, PERIOD))
