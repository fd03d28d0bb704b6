"""Benchmark: call events through the signed event API on gunicorn and PostgreSQL.

    .venv/bin/python bench/telephony_ingest.py [--rate 500] [--seconds 60] [--workers 4] [--port 8510]
        [--database akut_telcore_bench] [--worker-class sync]

Builds a fresh database, starts gunicorn on loopback with Redis for the live view's
announcements (as production runs), and sends signed events at a steady rate from many
connections: each call rings, is answered on extension 201 a second later and ends a second
after that, one call in 50 has its end sent before its answer, and one event in ten is sent a
second time (a switchboard's retry). It prints the rate reached and the latency
percentiles, then counts the sessions and events in the database: every call must be there once,
with exactly its three events.
"""

import argparse
import datetime
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-telephony-secret"  # noqa: S105
# From a call's ringing to its end, in the bench's own time.
CALL_SECONDS = 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=500, help="events per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=24)
    parser.add_argument("--port", type=int, default=8510)
    parser.add_argument("--database", default="akut_telcore_bench", help="dropped and made afresh")
    parser.add_argument("--worker-class", default="sync", help="gunicorn's: sync or gthread")
    parser.add_argument("--threads", type=int, default=1, help="per gunicorn worker (gthread)")
    parser.add_argument(
        "--live-updates", default="redis://127.0.0.1:6379/0", help="Redis for the live view; '' for none"
    )
    args = parser.parse_args()
    database = args.database
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "TELEPHONY_WEBHOOK_SECRETS": SECRET,
        "CELERY_BROKER_URL": "",
        # Connections kept for the whole run, so the PostgreSQL backends' CPU time read at its end is all of it.
        "CONN_MAX_AGE": "3600",
        "LIVE_UPDATES_URL": args.live_updates,
    }
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = "from telephony.models import Extension; from akuttilbud.models import User; Extension.objects.create(number='201', user=User.objects.create(username='bench'))"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "akuttilbud.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "-k",
            args.worker_class,
            "--threads",
            str(args.threads),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(4)
        load_before = os.getloadavg()[0]
        workers_before = _cpu_seconds(_children(server.pid))
        client_before = time.process_time()
        result = load(args)
        # The machine's load while it ran: other processes share its cores (docs/performance.md).
        result["load_average_1min"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        result["cores"] = os.cpu_count()
        # CPU time spent per request, which other processes' load does not change: what the
        # rate would be with the cores to itself.
        requests = result["requests"]
        backends = _database_backends(psql, database)
        result["cpu_ms_per_request"] = {
            "gunicorn": round((_cpu_seconds(_children(server.pid)) - workers_before) * 1000 / requests, 2),
            "postgresql": round(_cpu_seconds(backends) * 1000 / requests, 2),
            "client": round((time.process_time() - client_before) * 1000 / requests, 2),
        }
    finally:
        server.terminate()
        server.wait()
    counts = (
        subprocess.run(
            [
                *psql[:-1],
                "-d",
                database,
                "-Atc",
                "SELECT (SELECT count(*) FROM telephony_callsession), "
                "(SELECT count(*) FROM telephony_callevent), (SELECT count(*) FROM telephony_callsession WHERE status='answered'), "
                "(SELECT count(*) FROM (SELECT call_id FROM telephony_callsession GROUP BY call_id HAVING count(*) > 1) d)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .split("|")
    )
    sessions, events, answered, duplicated = (int(value) for value in counts)
    calls = result["calls_complete"]
    print(
        json.dumps(
            {
                **{k: v for k, v in result.items() if k != "calls_complete"},
                "calls": calls,
                "sessions": sessions,
                "events_stored": events,
                "answered": answered,
                "duplicated_sessions": duplicated,
                "lost_sessions": calls - sessions,
            },
            indent=2,
        )
    )


def _children(pid):
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _database_backends(psql, database):
    """The PostgreSQL backends serving the bench's database (they live as long as gunicorn's
    persistent connections, so their CPU time is the run's)."""
    query = f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    output = subprocess.run([*psql[:-1], "-Atc", query], capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid in output.split()]


def _cpu_seconds(pids):
    """User and system CPU time of ``pids`` (Linux ``/proc``), those gone since not counted."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load(args):
    from telephony import signing

    calls = args.rate * args.seconds // 3
    # A call's events span two seconds, so calls start over all but the last two: every event
    # is due within ``seconds``, ``rate`` a second on average, a little more between the ends.
    call_spacing = (args.seconds - CALL_SECONDS) / calls
    t0 = datetime.datetime(2026, 3, 7, 20, 0, tzinfo=datetime.UTC)
    latencies, late, errors, done = [], [], [], []
    lock = threading.Lock()

    def call_events(call):
        """A call's three events and when each is sent, as a line sends them: the answer a
        second after the ringing, the end a second later; one call in 50 has its end sent
        before its answer (a switchboard posting both at once), which makes and then closes a
        call-back."""
        rang = call * call_spacing
        reordered = call % 50 == 25
        sends = (rang, rang + (1.1 if reordered else 1.0), rang + (1.0 if reordered else CALL_SECONDS))
        for step, kind in enumerate(("ringing", "answered", "ended")):
            at = t0 + datetime.timedelta(seconds=call % 3600 + step * 30)
            yield (
                sends[step],
                {
                    "call_id": f"bench-{call}",
                    "event": kind,
                    "at": at.isoformat(),
                    "line": "akut",
                    "caller": f"+45{20000000 + call % 1000:08d}",
                    "extension": "201" if step == 1 else "",
                    "event_id": f"bench-{call}-{kind}",
                },
            )

    schedule = sorted(
        (event for call in range(calls) for event in call_events(call)), key=lambda event: event[0]
    )
    start = time.monotonic() + 0.5

    def worker(offset):
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        for number in range(offset, len(schedule), args.connections):
            send_at, payload = schedule[number]
            pause = start + send_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            # How far behind its schedule the event went out: a server that cannot keep up
            # shows here, not only in the latencies of the requests that did go out.
            late.append(-pause)
            # One event in ten is sent again at once, as a switchboard retries a slow answer.
            for repeat in range(2 if number % 10 == 0 else 1):
                body = json.dumps(payload).encode()
                headers = {
                    "Content-Type": "application/json",
                    signing.HEADER: signing.header_value(SECRET, body),
                }
                began = time.perf_counter()
                try:
                    connection.request("POST", "/telephony/events/", body, headers)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    status = repr(error)
                    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    if not repeat:
                        done.append(time.monotonic() - start)
                    if status != 200:
                        errors.append(status)

    threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100)
    # Events stored in each whole second between the ramps at the two ends: "sustained" is
    # the slowest of them.
    per_second = Counter(int(at) for at in done)
    steady = [per_second[second] for second in range(CALL_SECONDS, args.seconds - CALL_SECONDS)]
    return {
        "events": len(schedule),
        "requests": len(latencies),
        "seconds": round(wall, 1),
        "events_per_second": round(len(schedule) / wall, 1),
        "slowest_second_events": min(steady),
        "events_per_10_seconds": [
            sum(per_second[second] for second in range(start, start + 10))
            for start in range(0, int(wall) + 1, 10)
        ],
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "sent_late_p99_ms": round(max(0, statistics.quantiles(late, n=100)[98]) * 1000, 1),
        "errors": len(errors),
        "error_kinds": sorted({str(error) for error in errors})[:5],
        "calls_complete": calls,
    }


if __name__ == "__main__":
    main()
