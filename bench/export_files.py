"""Benchmark: every evaluation file for one year, rows per second, on the database in DATABASE_URL.

    DATABASE_URL=postgres://… .venv/bin/python bench/export_files.py --contacts 1000000 [--fill] [--write-docs]

With ``--fill`` it first migrates and fills the database with ``generate_load_data`` up to
``--contacts``. It then streams each file kind for the last whole year of the data, as the
exports page does, and counts the time spent inside the export's generator (the rows read back
with ``csv.reader``): the rows/s figures of ``docs/performance.md`` for the files beside the
contacts file. ``--write-docs`` replaces that section of ``docs/performance.md``.
"""

import argparse
import csv
import datetime
import io
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECTION = "### Every evaluation file, one year"


def _stream_rate(exports, kind, period):
    chunks = iter(exports.stream(kind, period, "standard"))
    seconds = 0.0
    text = io.StringIO()
    while True:
        started = time.perf_counter()
        chunk = next(chunks, None)
        seconds += time.perf_counter() - started
        if chunk is None:
            break
        text.write(chunk)
    text.seek(0)
    rows = sum(1 for _record in csv.reader(text)) - 1
    return rows, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, required=True)
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akuttilbud.settings")
    os.environ.update({"DEBUG": "false", "LOG_LEVEL": "WARNING", "DJANGO_ENV": "development"})
    if args.fill:
        for command in (["migrate", "--no-input"], ["generate_load_data", "--contacts", str(args.contacts)]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from contacts.models import Contact
    from reporting import exports
    from reporting.periods import Period

    last = timezone.localdate(Contact.objects.order_by("-started_at").values_list("started_at", flat=True)[0])
    period = Period(datetime.date(last.year - 1, 1, 1), datetime.date(last.year, 1, 1))
    lines = [
        SECTION,
        "",
        f"`bench/export_files.py --contacts {args.contacts}` on {connection.vendor}, "
        f"{Contact.objects.count():,} contacts, the year {period.start.year}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with other work; "
        "the time inside the export's generator:",
        "",
        "| file | rows | seconds | rows/s |",
        "| --- | --- | --- | --- |",
    ]
    for kind in exports.KINDS:
        rows, seconds = _stream_rate(exports, kind, period)
        rate = f"{rows / seconds:,.0f}" if rows and seconds else "–"
        lines.append(f"| `{kind}` | {rows:,} | {seconds:.2f} | {rate} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write_docs:
        path = ROOT / "docs" / "performance.md"
        document = path.read_text(encoding="utf-8")
        if SECTION in document:
            before, after = document.split(SECTION, 1)
            rest = after.split("\n### ", 1)
            document = before + text + ("\n### " + rest[1] if len(rest) > 1 else "")
        else:
            document = document.rstrip("\n") + "\n\n" + text
        path.write_text(document, encoding="utf-8")


if __name__ == "__main__":
    main()
