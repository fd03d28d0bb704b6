"""Benchmark: from a call event to every open "Linjen nu" view, over two web processes.

    .venv/bin/python bench/live_view.py [--views 20] [--events 60] [--port 8520]

Builds a fresh PostgreSQL database, starts two gunicorn instances with the project's
``deploy/gunicorn.conf.py`` (one process each, so two processes behind the "one address" a proxy
would give them) sharing Redis for live updates, and opens ``--views`` server-sent-event streams
spread over both, reconnecting as a browser does when a stream ends. Once a second it posts a
signed ``ringing`` event, alternating between the two processes, for a call whose number ends in
the event's own four digits, and times how long until each view shows that call. Prints the
latency percentiles over every (event, view) pair and how many pairs never arrived.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "akut_live_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/11"
SECRET = "bench-telephony-secret"  # noqa: S105


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--port", type=int, default=8520)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": PG_URL,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "TELEPHONY_WEBHOOK_SECRETS": SECRET,
        "CELERY_BROKER_URL": "",
        "LIVE_UPDATES_URL": REDIS_URL,
        "GUNICORN_WORKERS": "1",
    }
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DATABASE}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DATABASE}"], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    # A signed-in staff member's session, made the way login makes one.
    make_session = (
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "from akuttilbud.models import User;"
        "user = User.objects.create_user('bench', password='bench-password-2026', role='staff');"
        "s = SessionStore(); s[SESSION_KEY] = str(user.pk);"
        "s[BACKEND_SESSION_KEY] = 'oidc.backends.LocalPasswordBackend';"
        "s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create(); print(s.session_key)"
    )
    session_key = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", make_session],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    ports = [args.port, args.port + 1]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "akuttilbud.wsgi",
                "--config",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    try:
        time.sleep(5)
        result = measure(args, ports, session_key)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait()
    print(json.dumps(result, indent=2))


def measure(args, ports, session_key):
    from telephony import signing

    sent = {}  # marker -> monotonic time the event was posted
    seen = [dict() for _ in range(args.views)]  # per view: marker -> time first shown
    stop = threading.Event()
    refused = []
    markers = [f"…{1000 + number:04d}" for number in range(args.events)]

    def view(index):
        port = ports[index % 2]
        while not stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "GET",
                "/telephony/line/stream/",
                headers={"Cookie": f"sessionid={session_key}", "Accept": "text/event-stream"},
            )
            response = connection.getresponse()
            if response.status != 200:
                # Said at the end: an exception here would only end this view's thread.
                refused.append(response.status)
                return
            while not stop.is_set():
                line = response.readline()
                if not line:
                    break  # the stream ended: reconnect, as EventSource does
                if line.startswith(b"data: "):
                    text = line.decode()
                    now = time.monotonic()
                    for marker in markers:
                        if marker in text and marker not in seen[index]:
                            seen[index][marker] = now
            connection.close()

    threads = [threading.Thread(target=view, args=(index,), daemon=True) for index in range(args.views)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    at = datetime.datetime.now(datetime.UTC)
    for number, marker in enumerate(markers):
        body = json.dumps(
            {
                "call_id": f"live-{number}",
                "event": "ringing",
                "at": (at + datetime.timedelta(seconds=number)).isoformat(),
                "line": "akut",
                "caller": f"+4520{1000 + number:06d}",
                "extension": "",
                "event_id": f"live-{number}-ringing",
            }
        ).encode()
        connection = http.client.HTTPConnection("127.0.0.1", ports[number % 2], timeout=10)
        sent[marker] = time.monotonic()
        connection.request(
            "POST",
            "/telephony/events/",
            body=body,
            headers={"Content-Type": "application/json", signing.HEADER: signing.header_value(SECRET, body)},
        )
        if connection.getresponse().status != 200:
            raise SystemExit("event refused")
        connection.close()
        time.sleep(1)
    time.sleep(3)
    stop.set()
    if refused:
        raise SystemExit(f"{len(refused)} views' streams were refused: {sorted(set(refused))}")
    latencies = sorted(
        (views[marker] - sent[marker]) * 1000 for views in seen for marker in markers if marker in views
    )
    pairs = args.views * args.events
    return {
        "views": args.views,
        "web_processes": 2,
        "events": args.events,
        "pairs": pairs,
        "never_shown": pairs - len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[max(0, int(0.95 * len(latencies)) - 1)], 1),
        "max_ms": round(latencies[-1], 1),
    }


if __name__ == "__main__":
    main()
