"""Benchmark: the line's service level for a year at 1,000,000 call sessions on PostgreSQL.

    .venv/bin/python bench/telephony_figures.py [--calls 1000000] [--keep]

Builds ``akut_callfig_bench`` (kept with ``--keep`` and reused when it already holds the calls),
fills it by COPY with a year of calls — mostly answered with waits from seconds to minutes, some
abandoned (short ones among them), voicemails, busy, outgoing — and times, median of 5 runs, the
dashboard's phone figures: ``service_level_by_hour`` over the year (the year's figures and each
hour's from one pass) and ``service_level`` over the previous year; ``service_level`` over the
year alone is timed too.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "akut_callfig_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
END = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
START = END - datetime.timedelta(days=365)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")
    os.environ.update(
        {"DATABASE_URL": PG_URL, "DEBUG": "false", "CELERY_BROKER_URL": "", "LOG_LEVEL": "WARNING"}
    )
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DATABASE}"], check=True
        )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.db import connection

    from telephony.models import CallSession, Line
    from telephony.service_level import service_level, service_level_by_hour

    if CallSession.objects.count() != args.calls:
        CallSession.objects.all().delete()
        fill(args.calls, Line.objects.get(code="akut"), CallSession, connection)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE telephony_callsession")
    year = CallSession.objects.filter(ringing_at__gte=START, ringing_at__lt=END)
    previous = CallSession.objects.filter(
        ringing_at__gte=START - datetime.timedelta(days=365), ringing_at__lt=START
    )
    goal, grace = datetime.timedelta(minutes=2), datetime.timedelta(seconds=5)

    def timed(function):
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            result = function()
            runs.append((time.perf_counter() - began) * 1000)
        return round(statistics.median(runs), 1), result

    year_ms, level = timed(lambda: service_level(year, goal=goal, grace=grace))
    previous_ms, _ = timed(lambda: service_level(previous, goal=goal, grace=grace))
    hours_ms, (_, hours) = timed(lambda: service_level_by_hour(year, goal=goal, grace=grace))
    print(
        json.dumps(
            {
                "calls": args.calls,
                "offered": level.offered,
                "service_level": round(level.service_level, 4),
                "median_wait_s": level.median_wait_seconds,
                "p90_wait_s": level.p90_wait_seconds,
                "hours": len(hours),
                "service_level_year_ms": year_ms,
                "service_level_previous_year_ms": previous_ms,
                "with_hours_year_ms": hours_ms,
                "dashboard_phone_figures_ms": round(previous_ms + hours_ms, 1),
            },
            indent=2,
        )
    )
    if not args.keep:
        connection.close()
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {DATABASE}"], check=True
        )


def fill(count, line, model, connection):
    """``count`` calls over the year, written by COPY; columns the bench does not set get their
    model defaults, so fields added later need no change here."""
    rng = random.Random(20261203)
    given = [
        "call_id",
        "line_id",
        "caller_withheld",
        "ringing_at",
        "answered_at",
        "ended_at",
        "voicemail_at",
        "failed_at",
        "outgoing",
        "status",
    ]
    others = [
        field for field in model._meta.concrete_fields if field.column not in given and field.column != "id"
    ]
    now = datetime.datetime.now(datetime.UTC)
    defaults = [
        now if field.column in ("created_at", "updated_at") else field.get_default() for field in others
    ]
    columns = ", ".join([*given, *(field.column for field in others)])
    seconds = (END - START).total_seconds()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY telephony_callsession ({columns}) FROM STDIN") as copy,
    ):
        for number in range(count):
            ringing = START + datetime.timedelta(seconds=rng.random() * seconds)
            roll = rng.random()
            answered = ended = voicemail = failed = None
            outgoing = False
            if roll < 0.80:
                answered = ringing + datetime.timedelta(seconds=rng.lognormvariate(3.5, 1.0))
                ended = answered + datetime.timedelta(minutes=rng.uniform(2, 40))
                status = "answered"
            elif roll < 0.92:
                ended = ringing + datetime.timedelta(
                    seconds=rng.choice([rng.uniform(0, 5), rng.uniform(5, 600)])
                )
                status = "abandoned"
            elif roll < 0.97:
                voicemail = ringing + datetime.timedelta(seconds=30)
                ended = voicemail + datetime.timedelta(seconds=40)
                status = "voicemail"
            elif roll < 0.99:
                failed = ended = ringing
                status = "busy_failed"
            else:
                answered, ended, outgoing, status = (
                    ringing,
                    ringing + datetime.timedelta(minutes=5),
                    True,
                    "outgoing",
                )
            copy.write_row(
                [
                    f"bench-{number}",
                    line.pk,
                    True,
                    ringing,
                    answered,
                    ended,
                    voicemail,
                    failed,
                    outgoing,
                    status,
                    *defaults,
                ]
            )


if __name__ == "__main__":
    main()
