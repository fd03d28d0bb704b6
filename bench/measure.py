"""One measurement pass against the database in DATABASE_URL; prints JSON. Run by bench/run.py."""

import csv
import datetime
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from akuttilbud.models import Role, User  # noqa: E402
from contacts.models import Channel, Contact, Person  # noqa: E402
from crisisplans.models import CrisisPlan, FollowUp  # noqa: E402
from crisisplans.services import send_due_followup_reminders  # noqa: E402
from reporting import exports  # noqa: E402
from reporting.forms import DashboardPeriodForm  # noqa: E402
from reporting.periods import Period  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
# A page is requested RUNS times, or fewer when that would take longer than this many seconds
# (the dashboard on SQLite at a million contacts), but at least MIN_RUNS times.
BUDGET_SECONDS = float(os.environ.get("BENCH_BUDGET_SECONDS", "40"))
MIN_RUNS = 5
REMINDER_FOLLOW_UPS = int(os.environ.get("BENCH_FOLLOW_UPS", "100000"))
PERSON_CONTACTS = 200
LIST_PAGE = 500
LIST_PAGE_SIZE = 50


def percentile(values, share):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def _get(client, path, expect=None):
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (path, response.status_code)
    if expect is not None:
        assert expect.encode() in body, (path, expect)
    return response


def time_page(client, path, expect=None):
    """Median and 95th percentile of the server time of ``path``, and its query count."""
    _get(client, path, expect)
    timings = []
    while len(timings) < RUNS and (len(timings) < MIN_RUNS or sum(timings) < BUDGET_SECONDS * 1000):
        started = time.perf_counter()
        _get(client, path)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        _get(client, path)
    return {
        "path": path,
        "runs": len(timings),
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "queries": len(queries),
    }


def user(username, role, superuser=False):
    account, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "is_superuser": superuser,
            "is_staff": superuser,
            "email": f"{username}@bench.example.dk",
        },
    )
    return account


def client_for(account):
    client = Client()
    client.force_login(account)
    return client


def person_with_contacts(staff):
    person = Person.objects.filter(nickname="bench-200").first()
    if person is None:
        person = Person.objects.create(nickname="bench-200")
        now = timezone.now()
        Contact.objects.bulk_create(
            Contact(
                person=person,
                channel=Channel.PHONE,
                started_at=now - datetime.timedelta(hours=hours),
                staff=staff,
                acuteness=3,
                summary="bench",
            )
            for hours in range(1, PERSON_CONTACTS + 1)
        )
    assert person.contacts.count() == PERSON_CONTACTS
    return person


def _lines(chunks):
    """The stream cut at line feeds, so ``csv.reader`` can join a quoted cell's lines itself."""
    rest = ""
    for chunk in chunks:
        *lines, rest = (rest + chunk).split("\n")
        for line in lines:
            yield line + "\n"
    if rest:
        yield rest


def measure_export(period):
    """Rows/s of the contacts export (CSV records, header left out) and its peak memory growth.

    The timed pass counts only the time spent inside the export's generator; the memory pass is
    a second run under tracemalloc, which would otherwise slow the timed one.
    """
    chunks = iter(exports.stream("contacts", period, "standard"))
    seconds = 0.0
    received = []

    def timed_chunks():
        nonlocal seconds
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            seconds += time.perf_counter() - started
            if chunk is None:
                return
            received.append(len(chunk))
            yield chunk

    rows = sum(1 for _record in csv.reader(_lines(timed_chunks()))) - 1
    tracemalloc.start()
    baseline, _peak = tracemalloc.get_traced_memory()
    for _chunk in exports.stream("contacts", period, "standard"):
        pass
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_mb": (peak - baseline) / 2**20,
        "megabytes": sum(received) / 2**20,
    }


# The export's source columns as PostgreSQL itself would deliver them: the same rows in the same
# order, the reasons joined, the first-contact flag and the person's columns.
COPY_SQL = """COPY (
    SELECT c.id, c.started_at AT TIME ZONE 'Europe/Copenhagen', c.channel, c.direction, c.caller_role,
           c.acuteness,
           (SELECT string_agg(r.name, '|' ORDER BY r.position, r.name)
              FROM contacts_contact_reasons cr JOIN contacts_reason r ON r.id = cr.reason_id
             WHERE cr.contact_id = c.id),
           c.in_target_group, c.person_id IS NULL, c.stated_age, c.notification_decision,
           c.answered_at - c.started_at, c.ended_at - COALESCE(c.answered_at, c.started_at),
           p.cpr_index, p.birth_date, p.birth_year, p.home_municipality_id, p.psychiatry_contact,
           c.person_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM contacts_contact e
                WHERE e.person_id = c.person_id
                  AND (e.started_at, e.id) < (c.started_at, c.id))
      FROM contacts_contact c LEFT JOIN contacts_person p ON p.id = c.person_id
     WHERE c.started_at >= %s AND c.started_at < %s
     ORDER BY c.started_at, c.id
) TO STDOUT WITH CSV"""


def measure_copy(period):
    """PostgreSQL's own COPY of the export's columns: the floor for an export."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    started = time.perf_counter()
    with connection.connection.cursor() as cursor:
        with cursor.copy(cursor.mogrify(COPY_SQL, [period.start_at, period.end_at])) as copy:
            for _block in copy:
                pass
        rows = cursor.rowcount
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def measure_reminders(staff, person):
    """The reminder job over REMINDER_FOLLOW_UPS follow-ups made due for it, removed afterwards."""
    now = timezone.now()
    assert not FollowUp.objects.due(now).exists(), "the data already holds due follow-ups"
    with transaction.atomic():
        plans = []
        for first in range(0, REMINDER_FOLLOW_UPS, 5000):
            plans.extend(
                CrisisPlan.objects.bulk_create(
                    CrisisPlan(person=person, created_by=staff, created_at=now - datetime.timedelta(days=6))
                    for _number in range(min(5000, REMINDER_FOLLOW_UPS - first))
                )
            )
        FollowUp.objects.bulk_create(
            (
                FollowUp(
                    plan=plan,
                    due_at=now - datetime.timedelta(hours=1),
                    first_due_at=now - datetime.timedelta(hours=1),
                )
                for plan in plans
            ),
            batch_size=5000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE crisisplans_followup, crisisplans_crisisplan")
    started = time.perf_counter()
    reminded = send_due_followup_reminders(now)
    seconds = time.perf_counter() - started
    assert reminded == REMINDER_FOLLOW_UPS, reminded
    assert not FollowUp.objects.due(now).exists()
    with transaction.atomic():
        CrisisPlan.objects.filter(person=person).delete()
    return {"follow_ups": reminded, "seconds": seconds}


def main():
    staff = user("bench-staff", Role.STAFF)
    leader = user("bench-leader", Role.LEADER)
    admin = user("bench-admin", Role.LEADER, superuser=True)
    staff_client, leader_client, admin_client = client_for(staff), client_for(leader), client_for(admin)
    person = person_with_contacts(staff)
    today = timezone.localdate()
    year = Period.inclusive(today - datetime.timedelta(days=364), today)
    dashboard_query = {"preset": "custom", "start": year.start.isoformat(), "end": year.last_day.isoformat()}
    form = DashboardPeriodForm(dashboard_query)
    assert form.is_valid() and form.period == year, form.errors
    phone_contacts = Contact.objects.filter(channel=Channel.PHONE).order_by("-started_at", "-id")
    # Page 500, or the last page of a smaller data set.
    page_number = min(LIST_PAGE, (phone_contacts.count() - 1) // LIST_PAGE_SIZE + 1)
    first_on_page = phone_contacts[(page_number - 1) * LIST_PAGE_SIZE]
    load_before = os.getloadavg()[0]
    result = {
        "database": connection.vendor,
        "contacts": Contact.objects.count(),
        "board": time_page(staff_client, reverse("contacts:board")),
        "person_page": time_page(
            staff_client, reverse("contacts:person_detail", args=[person.pk]), expect="bench"
        ),
        "person_plans_fragment": time_page(
            staff_client, reverse("crisisplans:person_section", args=[person.pk])
        ),
        "list_page": page_number,
        "contact_list_page_500": time_page(
            staff_client,
            f"{reverse('contacts:contact_list')}?{urlencode({'channel': 'phone', 'page': page_number})}",
            expect=reverse("contacts:contact_detail", args=[first_on_page.pk]),
        ),
        "admin_changelist_page_500": time_page(
            admin_client,
            f"{reverse('admin:contacts_contact_changelist')}?{urlencode({'channel__exact': 'phone', 'p': page_number})}",
            expect=f"/{first_on_page.pk}/",
        ),
        "dashboard_year": time_page(
            leader_client, f"{reverse('reporting:dashboard')}?{urlencode(dashboard_query)}"
        ),
        "export_contacts_year": measure_export(year),
        "copy_contacts_year": measure_copy(year),
        "reminder_job": measure_reminders(staff, person),
        "load_average": [load_before, os.getloadavg()[0]],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
