"""The contacts export in one COPY against two halves at once, beside PostgreSQL's plain COPY and
the dashboard for one year, on the database in DATABASE_URL (made by ``generate_load_data``).

    DATABASE_URL=postgres://... .venv/bin/python bench/export_split.py --runs 3

Prints the medians as the table rows ``docs/performance.md`` quotes under "one COPY or two", and
for one COPY and the baseline the CPU seconds their backend spent (read from ``/proc`` when the
server runs on this machine): on a loaded machine the wall time says little, and a single COPY's
rows per CPU second is the most it can write on a quiet one.
"""

import argparse
import datetime
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure  # noqa: E402  (sets Django up)
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from akuttilbud.models import Role  # noqa: E402
from contacts.models import Contact  # noqa: E402
from reporting.exports import contacts_copy  # noqa: E402
from reporting.periods import Period  # noqa: E402


def _median(results, key):
    return statistics.median(result[key] for result in results)


def _backend_seconds():
    """CPU seconds the session's server process has used so far, or ``None`` if it is not on
    this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _with_backend_seconds(measurement, period, passes):
    """``measurement(period)`` with the backend's CPU seconds per pass (``measure_export`` makes
    two, the second for its memory figure)."""
    before = _backend_seconds()
    result = measurement(period)
    after = _backend_seconds()
    result["backend_seconds"] = None if before is None else (after - before) / passes
    return result


def _per_backend_second(results):
    if results[0]["backend_seconds"] is None:
        return "–"
    seconds = _median(results, "backend_seconds")
    return f"{seconds:.2f} s, {results[0]['rows'] / seconds:,.0f} rows per backend CPU second"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    today = timezone.localdate()
    year = Period.inclusive(today - datetime.timedelta(days=364), today)
    split_from = contacts_copy.COPY_PARTS_FROM_ROWS
    figures = {}
    for name, parts_from in [("two halves", split_from), ("one COPY", 10**12)]:
        contacts_copy.COPY_PARTS_FROM_ROWS = parts_from
        figures[name] = [_with_backend_seconds(measure.measure_export, year, 2) for _run in range(runs)]
    contacts_copy.COPY_PARTS_FROM_ROWS = split_from
    baseline = [_with_backend_seconds(measure.measure_copy, year, 1) for _run in range(runs)]
    leader = measure.client_for(measure.user("bench-leader", Role.LEADER))
    query = {"preset": "custom", "start": year.start.isoformat(), "end": year.last_day.isoformat()}
    dashboard = measure.time_page(leader, f"{reverse('reporting:dashboard')}?{urlencode(query)}")
    copy_seconds = _median(baseline, "seconds")
    print(f"{Contact.objects.count():,} contacts, load average {os.getloadavg()[0]:.1f}, {runs} runs each")
    for name, results in figures.items():
        seconds = _median(results, "seconds")
        print(
            f"| contacts export, {name} | {results[0]['rows']:,} rows | {seconds:.2f} s | "
            f"{results[0]['rows'] / seconds:,.0f} rows/s | {seconds / copy_seconds:.2f}× COPY's time |"
        )
    print(
        f"| plain COPY baseline | {baseline[0]['rows']:,} rows | {copy_seconds:.2f} s | "
        f"{baseline[0]['rows'] / copy_seconds:,.0f} rows/s | – |"
    )
    print(f"backend CPU, one COPY: {_per_backend_second(figures['one COPY'])}")
    print(f"backend CPU, plain COPY baseline: {_per_backend_second(baseline)}")
    print(
        f"| dashboard, one year | median {dashboard['median_ms']:.1f} ms | p95 {dashboard['p95_ms']:.1f} ms |"
    )


if __name__ == "__main__":
    main()
