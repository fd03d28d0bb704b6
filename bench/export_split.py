"""The contacts export in one COPY against two halves at once, beside PostgreSQL's plain COPY and
the dashboard for one year, on the database in DATABASE_URL (made by ``generate_load_data``).

    DATABASE_URL=postgres://... .venv/bin/python bench/export_split.py --runs 3

Prints the medians as the table rows ``docs/performance.md`` quotes under "one COPY or two".
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
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from akuttilbud.models import Role  # noqa: E402
from contacts.models import Contact  # noqa: E402
from reporting.exports import contacts_copy  # noqa: E402
from reporting.periods import Period  # noqa: E402


def _median(results, key):
    return statistics.median(result[key] for result in results)


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
        figures[name] = [measure.measure_export(year) for _run in range(runs)]
    contacts_copy.COPY_PARTS_FROM_ROWS = split_from
    baseline = [measure.measure_copy(year) for _run in range(runs)]
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
    print(
        f"| dashboard, one year | median {dashboard['median_ms']:.1f} ms | p95 {dashboard['p95_ms']:.1f} ms |"
    )


if __name__ == "__main__":
    main()
