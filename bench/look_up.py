"""Benchmark: the desk's "Who" look-up at 1,000,000 contacts on PostgreSQL (issue 16 §4).

    nice .venv/bin/python bench/look_up.py [--contacts 1000000] [--keep]

Builds ``akut_lookup_bench`` with ``generate_load_data`` (about 200,000 persons; kept with
``--keep`` and reused when it already holds the contacts), adds the citizen staff look up —
"Ole Testmand", nickname "Ravnen", with a CPR number, a phone number, contacts, an open crisis
plan and an open call-back — and posts the look-up as a staff member through Django's full
request stack (session, audit event and all), for a rare name, a nickname, a name that finds
thousands, a CPR and a phone number. Prints the median and 95th percentile of each, with the
machine's load average before and after. Target: ≤ 100 ms.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "akut_lookup_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
RUNS = 40
CPR = "0101901234"
PHONE = "20304050"
TERMS = [
    ("a rare name", "Ole Testmand"),
    ("a nickname", "Ravnen"),
    ("a name finding thousands", "Borger 1"),
    ("a CPR number", "010190-1234"),
    ("a phone number", "20 30 40 50"),
]


def _psql(statement):
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", statement]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def _known_citizen(staff, now):
    from akuttilbud import cpr, phone
    from contacts.models import Callback, Channel, Contact, Person
    from crisisplans.models import CrisisPlan

    if Person.objects.filter(name="Ole Testmand").exists():
        return
    ole = Person(name="Ole Testmand", nickname="Ravnen")
    ole.set_cpr(cpr.parse(CPR))
    ole.set_phone(phone.parse(PHONE))
    ole.save()
    for days in (30, 9, 2):
        Contact.objects.create(
            person=ole, channel=Channel.PHONE, started_at=now - datetime.timedelta(days=days), staff=staff
        )
    CrisisPlan.objects.create(person=ole, created_by=staff)
    callback = Callback(person=ole, received_at=now, due_at=now + datetime.timedelta(hours=2))
    callback.set_phone(phone.parse(PHONE))
    callback.save()


def measure(client, term):
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.post("/contacts/persons/look-up/", {"who": term})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (term, response.status_code)
    times.sort()
    matches = response.content.decode().count('name="person" value="') - 1
    return statistics.median(times), times[int(len(times) * 0.95) - 1], max(matches, 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database when it holds the contacts")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")
    os.environ.update(
        {"DATABASE_URL": PG_URL, "DEBUG": "false", "CELERY_BROKER_URL": "", "LOG_LEVEL": "WARNING"}
    )
    exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
    if exists and not args.keep:
        _psql(f"DROP DATABASE {DATABASE}")
        exists = ""
    if not exists:
        _psql(f"CREATE DATABASE {DATABASE}")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from akuttilbud.models import Role, User
    from contacts.models import Contact, Person

    call_command("migrate", verbosity=0)
    have = Contact.objects.count()
    if have < args.contacts:
        call_command("generate_load_data", contacts=args.contacts - have, seed=args.contacts)
    staff, _created = User.objects.get_or_create(username="bench-look-up", defaults={"role": Role.STAFF})
    _known_citizen(staff, timezone.now())
    call_command("dbshell", "--", "-qc", "VACUUM ANALYZE")
    client = Client(SERVER_NAME="localhost")
    client.force_login(staff)
    load_before = os.getloadavg()[0]
    print(
        f"{Contact.objects.count():,} contacts, {Person.objects.count():,} persons, PostgreSQL, "
        f"{RUNS} look-ups each"
    )
    print("| Look-up | matches shown | median | p95 |")
    print("|---|---:|---:|---:|")
    for label, term in TERMS:
        client.post("/contacts/persons/look-up/", {"who": term})  # warm the template cache
        median, p95, matches = measure(client, term)
        print(f"| {label} | {matches} | {median:.1f} ms | {p95:.1f} ms |")
    print(
        f"Load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores."
    )


if __name__ == "__main__":
    main()
