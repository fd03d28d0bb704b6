"""Benchmark: the line's service level for a year at 1,000,000 call sessions on PostgreSQL.

    .venv/bin/python bench/telephony_figures.py [--calls 1000000] [--keep] [--database akut_callfig_bench]

Builds the database (kept with ``--keep`` and reused when it already holds the calls),
fills it by COPY with a year of calls — mostly answered with waits from seconds to minutes, some
abandoned (short ones among them), voicemails, busy, outgoing — counts them into the call summary
(``telephony.call_summary.rebuild``, as the migration does), and times, median of 9 runs, the
dashboard's phone figures (``reporting.line_figures``: the year by hour and the previous year from
the summary, and the call-backs kept in each) and the whole dashboard for the year. For comparison it times the same year counted from
the sessions (once), checks that both give the same figures, and prints the load average.
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
END = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
START = END - datetime.timedelta(days=365)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", default="akut_callfig_bench")
    args = parser.parse_args()
    database = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "DEBUG": "false",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{database}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"], check=True
        )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.db import connection

    from akuttilbud.models import ServiceSettings
    from contacts.models import Contact
    from reporting import dashboard, summaries
    from reporting.line_figures import line_figures
    from reporting.periods import Period
    from telephony import call_summary
    from telephony.models import CallHour, CallSession, CallWait, Line
    from telephony.service_level import service_level, service_level_by_hour

    if CallSession.objects.count() != args.calls:
        CallSession.objects.all().delete()
        fill(args.calls, Line.objects.get(code="akut"), CallSession, connection)
        began = time.perf_counter()
        # The bulk load wrote no events: count its calls into the summary as the migration does.
        call_summary.rebuild()
        print(f"summary rebuilt in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    period = Period(START.date(), END.date())
    previous = period.previous()
    year = CallSession.objects.in_period(period.start_at, period.end_at)
    previous_year = CallSession.objects.in_period(previous.start_at, previous.end_at)
    service = ServiceSettings.load()
    goal, grace = datetime.timedelta(minutes=service.goal_phone_wait_minutes), datetime.timedelta(seconds=5)

    def timed(function, runs):
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            result = function()
            times.append((time.perf_counter() - began) * 1000)
        return round(statistics.median(times), 1), result

    load_before = os.getloadavg()[0]
    figures_ms, _figures = timed(lambda: line_figures(period, previous, service), 9)
    # 365 days that do not start on the first of a month: 11 whole months and about 30 days.
    unaligned = Period(period.start - datetime.timedelta(days=15), period.end - datetime.timedelta(days=15))
    unaligned_ms, _figures = timed(lambda: line_figures(unaligned, unaligned.previous(), service), 9)
    summary_ms, (level, hours) = timed(
        lambda: call_summary.service_level_by_hour(period.start, period.end, goal=goal, grace=grace), 9
    )
    # The same figures counted from the sessions, as the dashboard did before the summary.
    sessions_ms, (from_sessions, _hours) = timed(
        lambda: service_level_by_hour(year, goal=goal, grace=grace), 1
    )
    previous_sessions_ms, previous_from_sessions = timed(
        lambda: service_level(previous_year, goal=goal, grace=grace), 1
    )
    # The whole dashboard for the year, phone figures included, once its day counts are fresh
    # (run against bench/run.py's database with --database to have its contacts beside the calls).
    summaries.refresh(END.date())
    dashboard.build(period)
    dashboard_ms, _board = timed(lambda: dashboard.build(period), 9)
    load_after = os.getloadavg()[0]
    previous_level = call_summary.service_level(previous.start, previous.end, goal=goal, grace=grace)
    print(
        json.dumps(
            {
                "calls": args.calls,
                "contacts": Contact.objects.count(),
                "dashboard_year_ms": dashboard_ms,
                "summary_rows": {
                    "by_hour": CallHour.objects.count(),
                    "waits": CallWait.objects.count(),
                },
                "offered": level.offered,
                "service_level": round(level.service_level, 4),
                "median_wait_s": level.median_wait_seconds,
                "p90_wait_s": level.p90_wait_seconds,
                "hours": len(hours),
                "summary_equals_sessions": level == from_sessions
                and previous_level == previous_from_sessions,
                "dashboard_phone_figures_ms": figures_ms,
                "dashboard_phone_figures_unaligned_ms": unaligned_ms,
                "summary_year_with_hours_ms": summary_ms,
                "sessions_year_with_hours_ms": sessions_ms,
                "sessions_previous_year_ms": previous_sessions_ms,
                "load_average_1min": [round(load_before, 1), round(load_after, 1)],
            },
            indent=2,
        )
    )
    if not args.keep:
        connection.close()
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE {database}"], check=True
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
