"""Benchmark: the desk pages, the dashboard, the export and the reminder job at scale.

    .venv/bin/python bench/run.py [--sizes 100000 1000000] [--databases postgresql sqlite] [--write-docs]

For each database it builds a fresh database, fills it with ``generate_load_data`` up to each
size in turn, and runs ``bench/measure.py`` against it in a separate process. It prints one table
with each figure beside its baseline: PostgreSQL's COPY for the export, Django admin's changelist
for the contact list.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_URL = "postgres://postgres@127.0.0.1:5432/akuttilbud_bench"


def run(args, env):
    completed = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode:
        sys.stderr.write(completed.stdout[-2000:] + completed.stderr[-4000:])
        raise SystemExit(f"{' '.join(args)} failed with exit code {completed.returncode}")
    return completed


def fresh_database(database):
    env = {**os.environ, "DJANGO_ENV": "development", "DEBUG": "false", "EMAIL_URL": "memorymail://"}
    if database == "postgresql":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS akuttilbud_bench"],
            check=True,
        )
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE akuttilbud_bench"],
            check=True,
        )
        env["DATABASE_URL"] = PG_URL
    else:
        path = ROOT / "bench" / "bench.sqlite3"
        path.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    run(["manage.py", "migrate", "--no-input"], env)
    return env


def fmt(value, unit=""):
    if value is None:
        return "–"
    return f"{value:,.1f}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


def table(results):
    lines = [
        "| database | contacts | figure | median | p95 | runs | queries | baseline | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        prefix = f"| {result['database']} | {result['contacts']:,} "
        admin = result["admin_changelist_page_500"]
        for key, label in [
            ("board", "shift board"),
            ("person_page", "person page, 200 contacts"),
            ("person_plans_fragment", "person page: plans fragment"),
            ("contact_list_page_500", f"contact list, filtered, page {result['list_page']}"),
            ("dashboard_year", "dashboard, one year"),
        ]:
            page = result[key]
            baseline = ratio = "–"
            if key == "contact_list_page_500":
                baseline = (
                    f"admin changelist {fmt(admin['median_ms'], ' ms')} (p95 {fmt(admin['p95_ms'], ' ms')}, "
                    f"{admin['queries']} queries)"
                )
                ratio = f"{page['median_ms'] / admin['median_ms']:.2f}×"
            lines.append(
                f"{prefix}| {label} | {fmt(page['median_ms'], ' ms')} | {fmt(page['p95_ms'], ' ms')} | "
                f"{page['runs']} | {page['queries']} | {baseline} | {ratio} |"
            )
        export, copy = result["export_contacts_year"], result["copy_contacts_year"]
        baseline = ratio = "–"
        if copy:
            baseline = f"COPY {fmt(copy['seconds'], ' s')} ({fmt(copy['rows_per_s'])} rows/s)"
            ratio = f"{export['seconds'] / copy['seconds']:.2f}× COPY's time"
        lines.append(
            f"{prefix}| contacts export, one year: {export['rows']:,} rows, {fmt(export['rows_per_s'])} rows/s, "
            f"peak memory +{export['peak_mb']:.1f} MB | {fmt(export['seconds'], ' s')} | – | 1 | – | {baseline} | {ratio} |"
        )
        job = result["reminder_job"]
        lines.append(
            f"{prefix}| reminder job, {job['follow_ups']:,} due follow-ups | {fmt(job['seconds'], ' s')} | – | 1 | – | – | – |"
        )
    lines.append("")
    for result in results:
        before, after = result["load_average"]
        lines.append(
            f"- {result['database']}, {result['contacts']:,} contacts: the last {result['generated_contacts']:,} "
            f"generated in {result['generated_seconds']:.0f} s; load average (1 min) {before:.1f} before and "
            f"{after:.1f} after the measurement."
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--databases", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"]
    )
    parser.add_argument("--runs", type=int, default=20, help="Timed requests per page.")
    parser.add_argument("--write-docs", action="store_true", help="Write the table into docs/performance.md.")
    args = parser.parse_args()
    results = []
    for database in args.databases:
        env = {**fresh_database(database), "BENCH_RUNS": str(args.runs)}
        have = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            run(["manage.py", "generate_load_data", "--contacts", str(size - have), "--seed", str(size)], env)
            generated = time.perf_counter() - started
            print(f"{database}: generated {size - have:,} contacts in {generated:.0f} s", file=sys.stderr)
            measured = run(["bench/measure.py"], env)
            result = json.loads(measured.stdout.strip().splitlines()[-1])
            results.append({**result, "generated_contacts": size - have, "generated_seconds": generated})
            have = size
            print(table(results[-1:]), file=sys.stderr)
    output = table(results)
    print(output)
    if args.write_docs:
        stamp = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d} on {platform.node()} ({os.cpu_count()} cores), Python {platform.python_version()}"
        path = ROOT / "docs" / "performance.md"
        text = path.read_text()
        start, end = text.index("<!-- bench:start -->"), text.index("<!-- bench:end -->")
        path.write_text(text[:start] + f"<!-- bench:start -->\nMeasured {stamp}.\n\n{output}\n" + text[end:])


if __name__ == "__main__":
    main()
