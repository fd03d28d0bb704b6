"""Every dashboard figure rebuilt from the export files alone.

The files of a generated year (``year``) are downloaded as an evaluator downloads them; the
rebuilding part below reads their bytes with the ``csv`` module and the rules written in
``docs/data-dictionary.md`` — no code of the app — and each figure, for the period and the
previous one, must equal the dashboard's.
"""

import csv
import datetime
import io
import math
from collections import Counter
from decimal import Decimal

import time_machine
from django.urls import reverse
from django.utils import translation

from akuttilbud.models import Role
from reporting import dashboard
from reporting.periods import Period
from tests.factories import UserFactory

from . import year

EXPORTS = reverse("reporting:exports")
CURRENT, PREVIOUS = year.PERIOD, year.PERIOD.previous()
# The national evaluation's published running cost per contact and per unique user (2016).
NATIONAL = (1800, 13700)
# docs/data-dictionary.md: codes in the order the dashboard lists them, and their labels.
CHANNELS = {
    "phone": "Phone",
    "walk_in": "Walk-in",
    "outreach": "Outreach",
    "sms": "SMS",
    "email": "E-mail",
    "chat": "Chat",
}
DIRECTIONS = {"in": "Incoming", "out": "Outgoing"}
CALLER_ROLES = ["citizen", "relative", "partner", "other"]
PSYCHIATRY = ["unknown", "yes", "no"]
REFERRAL_DIRECTIONS = {"out": "Referred to the partner", "in": "Sent to us by the partner"}
NOT_OWED = {"not_wanted", "cancelled"}
MEANINGFUL_CHANGE = Decimal(3)


# ---- The rebuilding part: the files' bytes, the csv module and the data dictionary only. ----


def read(content):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def at(text):
    return datetime.datetime.fromisoformat(text) if text else None


def day(text):
    return datetime.date.fromisoformat(text)


def share(part, whole):
    return part / whole if whole else None


def percent(part, whole):
    return None if not whole else part / whole * 100


def nearest_rank(values, percentile):
    values = sorted(values)
    if not values:
        return None
    return values[max(1, math.ceil(percentile / 100 * len(values))) - 1]


def minutes(seconds):
    return None if seconds is None else seconds / 60


def days_of(period):
    return (day(period["end"]) - day(period["start"])).days


def persons(contacts):
    """Pseudonyms with a contact, how many had their first contact ever among them, and each
    one's previous contact with psychiatry."""
    first_ever = {row["pseudonym"] for row in contacts if row["pseudonym"] and row["first_contact"] == "1"}
    psychiatry = {row["pseudonym"]: row["psychiatry_contact"] for row in contacts if row["pseudonym"]}
    return psychiatry, first_ever


def overview(files):
    contacts = files["contacts"]
    psychiatry, first_ever = persons(contacts)
    anonymous = sum(row["anonymous"] == "1" for row in contacts)
    unique = len(psychiatry)
    return [
        len(contacts),
        anonymous,
        percent(anonymous, len(contacts)),
        unique,
        len(first_ever),
        unique - len(first_ever),
    ]


def first_time(files):
    values = overview(files)
    return [values[4], values[5]]


def psychiatry_figure(files):
    counts = Counter(persons(files["contacts"])[0].values())
    return [counts[code] for code in PSYCHIATRY]


def channels(files):
    counts = Counter((row["channel"], row["direction"]) for row in files["contacts"])
    return {
        f"{CHANNELS[channel]} – {DIRECTIONS[direction]}": count
        for (channel, direction), count in counts.items()
    }


def caller_roles(files):
    counts = Counter(row["caller_role"] for row in files["contacts"])
    return [counts[code] for code in CALLER_ROLES]


def acuteness(files):
    counts = Counter(row["acuteness"] for row in files["contacts"])
    return [counts["1"], counts["2"], counts["3"], counts[""]]


def reasons(files):
    return Counter(reason for row in files["contacts"] for reason in row["reasons"].split("|") if reason)


def heatmap(files):
    grid = [[0] * 24 for _weekday in range(7)]
    for row in files["contacts"]:
        started = at(row["started_at"])  # local wall-clock time, with its offset
        grid[started.isoweekday() - 1][started.hour] += 1
    return grid


def trend(trend_contacts):
    counts = Counter(row["date"][:7] for row in trend_contacts)
    return {f"{month[5:]}.{month[:4]}": count for month, count in counts.items()}


def _incoming_calls(files):
    return [row for row in files["calls"] if row["status"] != "outgoing"]


def service_level(calls, goal_seconds):
    offered = [row for row in calls if row["status"] != "busy_failed"]
    answered = [int(row["wait_seconds"]) for row in calls if row["answered_at"]]
    within = sum(wait <= goal_seconds for wait in answered)
    abandoned = sum(row["status"] == "abandoned" and row["short_abandon"] == "0" for row in calls)
    short = sum(row["short_abandon"] == "1" for row in calls)
    counted = len(offered) - short
    return [
        len(offered),
        len(answered),
        within,
        percent(within, counted),
        abandoned,
        percent(abandoned, counted),
        short,
        sum(row["status"] == "voicemail" for row in calls),
        sum(row["status"] == "busy_failed" for row in calls),
        nearest_rank(answered, 50),
        nearest_rank(answered, 90),
        max(answered, default=None),
    ]


def callbacks_kept(files, exported_at):
    """Call-backs the line made from missed calls received in the period: owed (all but those
    the caller settled by getting through in time, and open ones not yet due when the files were
    made) and kept (closed by staff at or before the promised time)."""
    made_by_the_line = {row["callback_key"] for row in files["calls"] if row["callback_key"]}
    owed = [
        row
        for row in files["callbacks"]
        if row["callback_key"] in made_by_the_line
        and not (row["closed_by"] == "got_through" and row["done_by_promised_time"] == "1")
        and not (not row["done_at"] and at(row["due_at"]) >= exported_at)
    ]
    kept = sum(
        row["closed_by"] in ("desk", "called_out") and row["done_by_promised_time"] == "1" for row in owed
    )
    return [len(owed), kept, percent(kept, len(owed))]


def calls(files):
    return [
        *service_level(_incoming_calls(files), year.GOALS["phone_minutes"] * 60),
        *callbacks_kept(files, year.NOW),
    ]


def calls_by_hour(files):
    by_hour = {hour: [] for hour in range(24)}
    for row in _incoming_calls(files):
        by_hour[at(row["ringing_at"]).hour].append(row)
    rows = []
    for hour in range(24):
        level = service_level(by_hour[hour], year.GOALS["phone_minutes"] * 60)
        rows.append([level[0], level[2], level[4]])
    return rows


def _wait_rows(waits, goal_seconds):
    return [
        goal_seconds / 60,
        len(waits),
        percent(sum(wait <= goal_seconds for wait in waits), len(waits)),
        minutes(nearest_rank(waits, 50)),
        minutes(nearest_rank(waits, 90)),
    ]


def waits(files):
    walk_ins = [
        int(row["wait_seconds"])
        for row in files["contacts"]
        if row["channel"] == "walk_in" and row["direction"] == "in" and row["wait_seconds"]
    ]
    call_backs = [int(row["wait_seconds"]) for row in files["callbacks"] if row["wait_seconds"]]
    return [
        *_wait_rows(walk_ins, year.GOALS["walk_in_minutes"] * 60),
        *_wait_rows(call_backs, year.GOALS["call_back_hours"] * 3600),
    ]


def beds(files, period):
    nights = sum(int(row["nights_in_period"]) for row in files["stays"])
    capacity = year.BEDS * days_of(period)
    return [
        nights,
        capacity,
        percent(nights, capacity),
        sum(int(row["meals_in_period"]) for row in files["stays"]),
    ]


def plans(files):
    walk_ins = sum(row["channel"] == "walk_in" for row in files["contacts"])
    return [len(files["plans"]), walk_ins, share(len(files["plans"]), walk_ins)]


def follow_ups(files):
    owed = [row for row in files["followups"] if row["status"] not in NOT_OWED]
    on_time = sum(row["done_on_time"] == "1" for row in owed)
    reached = sum(row["status"] == "reached" for row in owed)
    return [len(owed), on_time, percent(on_time, len(owed)), reached, percent(reached, len(owed))]


def under_18(files):
    young = [row for row in files["contacts"] if row["under_18"] == "1"]
    return [
        len(young),
        sum(row["notification_decision"] != "" for row in young),
        sum(row["notification_decision"] == "notified" for row in young),
    ]


def lacking_cpr(files):
    return [
        sum(
            row["channel"] in {"walk_in", "outreach"} and row["lacks_cpr"] == "1" for row in files["contacts"]
        ),
        sum(row["lacks_cpr"] == "1" for row in files["stays"]),
        sum(row["lacks_cpr"] == "1" for row in files["plans"]),
        sum(row["lacks_cpr"] == "1" for row in files["followups"]),
    ]


def referrals(files):
    counts = Counter((row["partner_kind"], row["direction"]) for row in files["referrals"])
    return {
        f"{kind} – {REFERRAL_DIRECTIONS[direction]}": count for (kind, direction), count in counts.items()
    }


def wellbeing(files):
    """Each citizen's first at-contact score in the period, paired with their first follow-up
    score recorded after it (rows are in the order recorded)."""
    scores = files["wellbeing"]
    pairs = []
    paired = set()
    for index, row in enumerate(scores):
        who = row["pseudonym"]
        if row["occasion"] != "contact" or row["in_period"] != "1" or who in paired:
            continue
        paired.add(who)
        recorded = at(row["recorded_at"])
        after = next(
            (
                later
                for later in scores[index + 1 :]
                if later["pseudonym"] == who
                and later["occasion"] == "follow_up"
                and at(later["recorded_at"]) > recorded
            ),
            None,
        )
        if after:
            pairs.append((Decimal(row["metric_score"]), Decimal(after["metric_score"])))
    if not pairs:
        return [0, None, None, None, None, 0, None]
    before = sum(pair[0] for pair in pairs) / len(pairs)
    after = sum(pair[1] for pair in pairs) / len(pairs)
    improved = sum(later - first >= MEANINGFUL_CHANGE for first, later in pairs)
    return [
        len(pairs),
        float(before),
        float(after),
        float(after - before),
        float((after - before) / before * 100),
        improved,
        percent(improved, len(pairs)),
    ]


def costs(files, month_contacts):
    running = sum((Decimal(row["amount"]) for row in files["costs"] if row["running"] == "1"), Decimal(0))
    establishment = sum(
        (Decimal(row["amount"]) for row in files["costs"] if row["running"] == "0"), Decimal(0)
    )
    contacts = len(month_contacts)
    citizens = len({row["pseudonym"] for row in month_contacts if row["pseudonym"]})
    return [
        running,
        establishment,
        contacts,
        citizens,
        running / contacts if contacts else None,
        running / citizens if citizens else None,
        *NATIONAL,
    ]


def shown(value):
    """A number as the dashboard's tables show it (docs: counts and money whole, others to 1 decimal)."""
    if isinstance(value, Decimal | float):
        return round(float(value), 1)
    return value


# ---- Downloading the files and reading the dashboard. ----

KINDS = ["contacts", "wellbeing", "stays", "plans", "followups", "callbacks", "referrals", "calls", "costs"]


def _form(period):
    return {"start": period.start.isoformat(), "end": period.last_day.isoformat(), "dialect": "standard"}


def _download(client, kind, period):
    response = client.post(EXPORTS, {"kind": kind, **_form(period)})
    assert response.status_code == 200
    return read(b"".join(response.streaming_content))


def _files(client):
    """Every file of both periods, and the contacts of the trend's twelve months."""
    files = {}
    for period in (CURRENT, PREVIOUS):
        files[period] = {kind: _download(client, kind, period) for kind in KINDS}
        files[period]["period"] = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    # The trend's twelve months, ending with the period's last month.
    trend_window = Period(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))
    return files, _download(client, "contacts", trend_window)


def _rows(figure):
    return [row[1:] for row in figure.rows]


def _both(rebuild, files, *args):
    """A figure's rows rebuilt for the period and the previous one: ``[[now, before], ...]``."""
    now, before = rebuild(files[CURRENT], *args), rebuild(files[PREVIOUS], *args)
    return [[shown(a), shown(b)] for a, b in zip(now, before, strict=True)]


def _both_keyed(rebuild, files):
    now, before = rebuild(files[CURRENT]), rebuild(files[PREVIOUS])
    return {label: [now.get(label, 0), before.get(label, 0)] for label in {*now, *before}}


LISTED = {
    "overview": overview,
    "first_time": first_time,
    "psychiatry": psychiatry_figure,
    "caller_roles": caller_roles,
    "acuteness": acuteness,
    "calls": calls,
    "waits": waits,
    "plans": plans,
    "follow_ups": follow_ups,
    "under_18": under_18,
    "lacking_cpr": lacking_cpr,
    "wellbeing": wellbeing,
}


def _rebuild_all(files, trend_contacts, figures):
    """``{figure key: (the dashboard's rows, the rows rebuilt from the files)}``."""
    now, before = files[CURRENT], files[PREVIOUS]
    compared = {key: (_rows(figures[key]), _both(rebuild, files)) for key, rebuild in LISTED.items()}

    def pairs(values_now, values_before):
        return [[shown(a), shown(b)] for a, b in zip(values_now, values_before, strict=True)]

    compared["beds"] = (
        _rows(figures["beds"]),
        pairs(beds(now, now["period"]), beds(before, before["period"])),
    )
    # Both periods are whole years: the costs' whole months are the periods themselves.
    compared["costs"] = (
        _rows(figures["costs"]),
        pairs(costs(now, now["contacts"]), costs(before, before["contacts"])),
    )
    for key, rebuild in (("channels", channels), ("referrals", referrals)):
        compared[key] = ({row[0]: row[1:] for row in figures[key].rows}, _both_keyed(rebuild, files))
    # The dashboard lists every reason of the service's list; one no contact gave counts 0.
    expected = _both_keyed(reasons, files)
    reason_rows = {row[0]: row[1:] for row in figures["reasons"].rows}
    compared["reasons"] = (
        reason_rows,
        {label: expected.get(label, [0, 0]) for label in {*reason_rows, *expected}},
    )
    compared["heatmap"] = (_rows(figures["heatmap"]), heatmap(now))
    compared["calls_by_hour"] = (_rows(figures["calls_by_hour"]), calls_by_hour(now))
    counts = trend(trend_contacts)
    trend_rows = {row[0]: row[1] for row in figures["trend"].rows}
    compared["trend"] = (trend_rows, {label: counts.get(label, 0) for label in {*trend_rows, *counts}})
    return compared


def _headline(compared):
    """The opening row: six of the rebuilt figures' values (``[now, before]`` each)."""
    rows = {key: rebuilt for key, (_shown, rebuilt) in compared.items()}
    return {
        "contacts": rows["overview"][0],
        "phone": rows["calls"][3],
        "beds": rows["beds"][2],
        "follow_ups": rows["follow_ups"][2],
        "wellbeing": rows["wellbeing"][3],
        "costs": rows["costs"][4],
    }


def test_every_dashboard_figure_is_rebuilt_from_the_export_files_alone(client, db):
    with time_machine.travel(year.NOW, tick=False):
        year.build()
        client.force_login(UserFactory(username="evaluator-year", role=Role.EVALUATOR))
        files, trend_contacts = _files(client)
        with translation.override("en"):
            board = dashboard.build(CURRENT)
    figures = board.figures
    compared = _rebuild_all(files, trend_contacts, figures)
    assert set(compared) == set(figures), "a figure the files do not rebuild"
    compared["headline"] = (
        {item.key: [item.current, item.previous] for item in board.headline},
        _headline(compared),
    )
    differing = {key: pair for key, pair in compared.items() if pair[0] != pair[1]}
    assert differing == {}
    _holds_its_edges(files)
    # Figures that are not all zeros, so the comparison compares something.
    assert compared["calls"][0][0][0] and compared["wellbeing"][0][0][0] and compared["referrals"][0]
    assert compared["calls"][0][6] == [2, 0]  # the short abandons
    assert compared["calls"][0][12][0] and compared["calls"][0][13][0]  # call-backs owed and kept


def _holds_its_edges(files):
    """The records the edges are about reach the files as the rules say."""
    starts = [row["started_at"] for row in files[CURRENT]["contacts"]]
    assert {"2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00"} <= set(starts)
    assert "2027-01-01T00:00:00+01:00" not in starts and "2026-12-31T23:59:59+01:00" in starts
    assert any(row["in_period"] == "0" for row in files[CURRENT]["wellbeing"])
    across = [row for row in files[CURRENT]["stays"] if row["check_in_date"] == "2025-12-30"]
    assert [(row["nights_in_period"], row["meals_in_period"]) for row in across] == [("2", "0")]
    last_day = [row for row in files[CURRENT]["followups"] if row["first_due_date"] == "2026-12-31"]
    assert ("2027-01-01", "0") in {(row["completed_date"], row["done_on_time"]) for row in last_day}
