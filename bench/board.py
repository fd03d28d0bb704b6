"""Benchmark: the shift board when things pile up (issue 16 §6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/akut_desk_bench .venv/bin/python bench/board.py

Builds a fresh database with 5,000 overdue follow-ups, 3,000 contacts today (300 of them
walk-ins still waiting), 500 open call-backs and 200 handover notes, then requests the board page
and its follow-up fragment (which every open board polls every 30 seconds) as a staff member,
through Django's full request stack, and prints the median and 95th percentile time and the size
of each. Targets: the board ≤ 50 ms and ≤ 60 KB.
"""

import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 40


def fresh_database(url):
    name = urlparse(url).path.lstrip("/")
    for statement in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


def fill(now):
    from akuttilbud import phone
    from akuttilbud.models import Role, User
    from contacts.models import Callback, Channel, Contact, Person, ShiftNote
    from crisisplans.models import CrisisPlan, FollowUp

    staff = User.objects.create_user(username="bench", password="x", role=Role.STAFF)  # noqa: S106
    persons = Person.objects.bulk_create(Person(name=f"Borger {number}") for number in range(5000))
    plans = CrisisPlan.objects.bulk_create(
        CrisisPlan(person=person, created_by=staff, created_at=now - datetime.timedelta(days=10))
        for person in persons
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            plan=plan,
            due_at=now - datetime.timedelta(days=2, minutes=number),
            first_due_at=now - datetime.timedelta(days=2, minutes=number),
        )
        for number, plan in enumerate(plans)
    )
    start = now.replace(hour=0, minute=5) if now.hour else now
    span = max((now - start).total_seconds(), 60)
    Contact.objects.bulk_create(
        Contact(
            channel=Channel.WALK_IN if number < 300 else Channel.PHONE,
            started_at=start + datetime.timedelta(seconds=span * number / 3000),
            answered_at=None if number < 300 else start + datetime.timedelta(seconds=span * number / 3000),
            person=persons[number % len(persons)],
            staff=staff,
            acuteness=2,
            summary="Ringede om søvn og uro " * 3,
        )
        for number in range(3000)
    )
    callbacks = [Callback(received_at=now, due_at=now + datetime.timedelta(hours=2)) for _ in range(500)]
    for callback in callbacks:
        callback.set_phone(phone.normalise("20304050"))
    Callback.objects.bulk_create(callbacks)
    ShiftNote.objects.bulk_create(
        ShiftNote(author=staff, text="Husk at bed 2 skal gøres klar", created_at=now) for _ in range(200)
    )
    return staff


def measure(client, url):
    times, size = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], size


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database this script may drop and create.")
    fresh_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    staff = fill(timezone.now())
    call_command("dbshell", "--", "-qc", "VACUUM ANALYZE")
    client = Client(SERVER_NAME="localhost")
    client.force_login(staff)
    print("| Request | median | p95 | size |")
    print("|---|---:|---:|---:|")
    for label, path in (
        ("board page", "/contacts/board/"),
        ("follow-up fragment", "/plans/board/followups/"),
    ):
        client.get(path)  # warm the template cache
        median, p95, size = measure(client, path)
        print(f"| {label} | {median:.1f} ms | {p95:.1f} ms | {size / 1024:.1f} KB |")


if __name__ == "__main__":
    main()
