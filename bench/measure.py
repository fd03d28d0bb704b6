"""One measurement pass against the database in DATABASE_URL; prints JSON. Run by bench/run.py."""

import datetime
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from akuttilbud.models import Role, User  # noqa: E402
from contacts.models import Channel, Contact, Person  # noqa: E402
from crisisplans.models import CrisisPlan, FollowUp  # noqa: E402
from crisisplans.services import send_due_followup_reminders  # noqa: E402
from reporting import exports  # noqa: E402
from reporting.periods import Period  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
REMINDER_FOLLOW_UPS = int(os.environ.get("BENCH_FOLLOW_UPS", "100000"))


def percentile(values, share):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def time_page(client, path):
    for _warm_up in range(2):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _run in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "queries": len(queries),
    }


def user(username, role, superuser=False):
    account, _created = User.objects.get_or_create(
        username=username, defaults={"role": role, "is_superuser": superuser, "is_staff": superuser}
    )
    return account


def client_for(account):
    client = Client()
    client.force_login(account)
    return client


def person_with_200_contacts(staff):
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
            for hours in range(1, 201)
        )
    return person


def measure_export(period):
    rows = 0
    tracemalloc.start()
    baseline, _peak = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    for chunk in exports.stream("contacts", period, "standard"):
        rows += chunk.count("\n")
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows -= 1  # the header
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_mb": (peak - baseline) / 2**20,
    }


def measure_copy(period):
    """PostgreSQL's own COPY of the export's columns: the floor for an export."""
    if connection.vendor != "postgresql":
        return None
    sql = """COPY (SELECT c.id, c.started_at AT TIME ZONE 'Europe/Copenhagen', c.channel, c.direction,
                  c.caller_role, c.acuteness, c.in_target_group, c.answered_at - c.started_at,
                  c.ended_at - c.answered_at, p.cpr_index, p.birth_date, p.birth_year, p.home_municipality_id
             FROM contacts_contact c LEFT JOIN contacts_person p ON p.id = c.person_id
             WHERE c.started_at >= %s AND c.started_at < %s ORDER BY c.started_at) TO STDOUT WITH CSV"""
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    rows = 0
    with raw.cursor() as cursor:
        query = cursor.mogrify(sql, [period.start_at, period.end_at])
        with cursor.copy(query) as copy:
            for block in copy:
                rows += bytes(block).count(b"\n")
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def measure_reminders(staff):
    now = timezone.now()
    person = Person.objects.filter(nickname="bench-200").first()
    plans = []
    with transaction.atomic():
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
    started = time.perf_counter()
    reminded = send_due_followup_reminders(now)
    seconds = time.perf_counter() - started
    plan_ids = [plan.pk for plan in plans]
    with transaction.atomic():
        for first in range(0, len(plan_ids), 5000):
            CrisisPlan.objects.filter(pk__in=plan_ids[first : first + 5000]).delete()
    return {"follow_ups": reminded, "seconds": seconds}


def main():
    staff = user("bench-staff", Role.STAFF)
    leader = user("bench-leader", Role.LEADER)
    admin = user("bench-admin", Role.LEADER, superuser=True)
    staff_client, leader_client, admin_client = client_for(staff), client_for(leader), client_for(admin)
    person = person_with_200_contacts(staff)
    today = timezone.localdate()
    year = Period(today - datetime.timedelta(days=365), today + datetime.timedelta(days=1))
    result = {
        "database": connection.vendor,
        "contacts": Contact.objects.count(),
        "board": time_page(staff_client, "/contacts/board/"),
        "person_page": time_page(staff_client, f"/contacts/persons/{person.pk}/"),
        "person_plans_fragment": time_page(staff_client, f"/plans/persons/{person.pk}/"),
        "contact_list_page_500": time_page(staff_client, "/contacts/?channel=phone&page=500"),
        "admin_changelist_page_500": time_page(
            admin_client, "/admin/contacts/contact/?channel__exact=phone&p=500"
        ),
        "dashboard_year": time_page(
            leader_client, f"/reporting/dashboard/?preset=custom&start={year.start}&end={year.last_day}"
        ),
        "export_contacts_year": measure_export(year),
        "copy_contacts_year": measure_copy(year),
        "reminder_job": measure_reminders(staff),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
