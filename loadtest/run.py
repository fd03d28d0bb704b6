"""Load test: the production stack, concurrent staff sessions opening the board and logging calls.

Run from the project root (``make loadtest``)::

    .venv/bin/python loadtest/run.py [--sessions 20] [--seconds 60] [--port-base 8300]
        [--database-url postgres://postgres@127.0.0.1:5432/akuttilbud_load]
        [--broker-url redis://127.0.0.1:6379/14]

The stack is the one ``bin/production-smoke`` proves (deploy/stack.py): gunicorn with production
settings and the collected static manifest, a Celery worker and beat on Redis, Caddy terminating
TLS in front; the sessions talk https to Caddy. The database named in the URL is DROPPED and
recreated, the Redis database emptied. Afterwards the script checks that the
database holds exactly the contacts the server acknowledged (a redirect to the saved contact),
each once, and exits non-zero when it does not, or when any request got a 5xx or no answer.

Only the standard library is used on the client side so the script adds no dependency; Django
runs in subprocesses (``manage.py``) and in gunicorn, never in this process.
"""

import argparse
import html.parser
import http.client
import http.cookiejar
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = PROJECT / ".venv" / "bin" / "python"
sys.path.insert(0, str(PROJECT))

from deploy.stack import Ports, Stack, start_smtp_server  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/akuttilbud_load"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "load-test-password-7351"  # noqa: S105 - throwaway users in a database this script recreates
MARKER_PREFIX = "load-"
REQUEST_TIMEOUT_SECONDS = 30
# What a staff member types in the one line; the marker in front makes each row findable.
SUMMARIES = [
    "Ringede om søvnløshed",
    "Angst om natten, faldt til ro",
    "Ensom, ville tale med nogen",
    "Spurgte efter en seng i nat",
]
CONTACT_PATH = re.compile(r"^/contacts/(\d+)/$")


# Setup and check, both through manage.py so this process never imports Django.

CREATE_USERS = """
from akuttilbud.models import Role, User
for name in {names!r}:
    User.objects.create_user(username=name, password={password!r}, role=Role.STAFF)
"""

FIND_ROWS = """
import json
from contacts.models import Contact
rows = Contact.objects.filter(summary__startswith={prefix!r}).values_list("pk", "summary", "staff__username")
print("ROWS " + json.dumps(list(rows)))
"""


# The client: one browser-like session per thread


class KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back redirects and error statuses as responses: the test judges them itself."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class FormFields(html.parser.HTMLParser):
    """The hidden inputs of a page (CSRF token, the quick log's start time) and its load-triggered
    htmx fragments, which a browser fetches right after the page."""

    def __init__(self):
        super().__init__()
        self.hidden = {}
        self.fragments = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.hidden.setdefault(attributes["name"], attributes.get("value") or "")
        triggers = (attributes.get("hx-trigger") or "").replace(" ", "").split(",")
        if attributes.get("hx-get") and "load" in triggers:
            self.fragments.append(attributes["hx-get"])


def parse_page(body):
    parser = FormFields()
    parser.feed(body)
    return parser


# The status each step should get; anything else counts as an error.
EXPECTED_STATUS = {
    "login page": 200,
    "login": 302,
    "board": 200,
    "board fragment": 200,
    "quick-log form": 200,
    "quick log": 302,
    "contact page": 200,
}


@dataclass
class Outcome:
    kind: str
    status: int | None  # None when no answer came (timeout, connection refused or reset)
    seconds: float
    error: str = ""

    @property
    def expected(self):
        return not self.error and self.status == EXPECTED_STATUS[self.kind]


@dataclass
class SessionResult:
    number: int
    username: str
    outcomes: list = field(default_factory=list)
    acknowledged: dict = field(default_factory=dict)  # marker -> contact id from the redirect
    crash: str = ""


class StaffSession:
    def __init__(self, base_url, ssl_context, result):
        self.base_url = base_url
        self.result = result
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=ssl_context),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            KeepEveryResponse(),
        )

    def request(self, kind, path, data=None, headers=None):
        """Returns (outcome, location, body)."""
        url = urllib.parse.urljoin(self.base_url, path)
        encoded = urllib.parse.urlencode(data).encode() if data is not None else None
        # A browser names the page's origin on a post; over https Django's CSRF check needs it.
        headers = {**(headers or {}), **({"Origin": self.base_url} if data is not None else {})}
        request = urllib.request.Request(url, data=encoded, headers=headers)  # noqa: S310 - our own https URL
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                body = response.read().decode("utf-8", "replace")
                status = response.status
                location = response.headers.get("Location", "")
        except (OSError, urllib.error.URLError, http.client.HTTPException) as error:
            outcome = Outcome(kind, None, time.perf_counter() - started, type(error).__name__)
            self.result.outcomes.append(outcome)
            return outcome, "", ""
        outcome = Outcome(kind, status, time.perf_counter() - started)
        self.result.outcomes.append(outcome)
        return outcome, urllib.parse.urlsplit(location).path, body

    def log_in(self):
        outcome, _, body = self.request("login page", "/login/")
        if not outcome.expected:
            return False
        token = parse_page(body).hidden.get("csrfmiddlewaretoken", "")
        form = {
            "csrfmiddlewaretoken": token,
            "username": self.result.username,
            "password": PASSWORD,
            "next": "",
        }
        outcome, location, _ = self.request("login", "/login/", data=form)
        if outcome.expected and location == "/login/":
            outcome.error = "sent back to the login page"
        return outcome.expected

    def open_board(self):
        outcome, _, body = self.request("board", "/contacts/board/")
        if not outcome.expected:
            return
        for fragment in parse_page(body).fragments:
            self.request("board fragment", fragment, headers={"HX-Request": "true"})

    def log_contact(self, sequence):
        marker = f"{MARKER_PREFIX}{self.result.number}-{sequence}"
        outcome, _, body = self.request("quick-log form", "/contacts/quick/")
        if not outcome.expected:
            return
        hidden = parse_page(body).hidden
        form = {
            "csrfmiddlewaretoken": hidden.get("csrfmiddlewaretoken", ""),
            "summary": f"{marker} {random.choice(SUMMARIES)}",  # noqa: S311 - test data, not security
            "acuteness": str(random.choice([1, 2, 3])),  # noqa: S311 - test data, not security
            "channel": "phone",
            "answered_at": hidden.get("answered_at", ""),
        }
        outcome, location, _ = self.request("quick log", "/contacts/quick/", data=form)
        saved = CONTACT_PATH.match(location) if outcome.expected else None
        if outcome.expected and not saved:
            outcome.error = f"redirected to {location}"
        if not saved:
            return
        self.result.acknowledged[marker] = int(saved.group(1))
        # The browser follows the redirect to the saved contact.
        self.request("contact page", location)

    def run(self, deadline):
        try:
            self.drive(deadline)
        except Exception as error:  # a broken session must show in the verdict, not vanish
            self.result.crash = repr(error)

    def drive(self, deadline):
        if not self.log_in():
            return
        sequence = 0
        while time.monotonic() < deadline:
            self.open_board()
            if time.monotonic() >= deadline:
                break
            sequence += 1
            self.log_contact(sequence)


def drive(stack, usernames, seconds):
    results = [SessionResult(number, name) for number, name in enumerate(usernames, start=1)]
    deadline = time.monotonic() + seconds
    context = stack.ssl_context()
    threads = [
        threading.Thread(target=StaffSession(stack.base_url, context, result).run, args=(deadline,))
        for result in results
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    # Each session finishes the request it is in, so no write is in flight when the server stops.
    for thread in threads:
        thread.join()
    return results, time.monotonic() - started


def machine_load():
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


# The verdict


def percentile(values, fraction):
    """Nearest-rank percentile in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1] * 1000


def median_ms(values):
    return statistics.median(values) * 1000 if values else float("nan")


def check(results, rows):
    acknowledged = {}
    owner = {}
    for result in results:
        acknowledged.update(result.acknowledged)
        owner.update(dict.fromkeys(result.acknowledged, result.username))
    found = {}
    problems = []
    for pk, summary, username in rows:
        marker = summary.split()[0]
        if marker in found:
            problems.append(f"duplicate row for {marker}")
        found[marker] = pk
        if marker in owner and owner[marker] != username:
            problems.append(f"{marker} saved for {username}, logged by {owner[marker]}")
    for marker in sorted(acknowledged.keys() - found.keys()):
        problems.append(f"acknowledged but missing: {marker}")
    for marker in sorted(found.keys() - acknowledged.keys()):
        problems.append(f"saved but never acknowledged: {marker}")
    for marker in sorted(acknowledged.keys() & found.keys()):
        if acknowledged[marker] != found[marker]:
            problems.append(f"{marker}: redirected to contact {acknowledged[marker]}, row is {found[marker]}")
    return acknowledged, problems


def report(arguments, results, elapsed, rows, conditions):
    outcomes = [outcome for result in results for outcome in result.outcomes]
    board = [outcome.seconds for outcome in outcomes if outcome.kind == "board" and outcome.expected]
    quick = [outcome.seconds for outcome in outcomes if outcome.kind == "quick log" and outcome.expected]
    errors = [outcome for outcome in outcomes if not outcome.expected]
    server_errors = [outcome for outcome in errors if outcome.status and outcome.status >= 500]
    no_answer = [outcome for outcome in errors if outcome.status is None]
    crashes = [f"session {result.number} stopped: {result.crash}" for result in results if result.crash]
    acknowledged, problems = check(results, rows)
    passed = not problems and not errors and not crashes

    errors_by_kind = {}
    for outcome in errors:
        key = f"{outcome.kind}: {outcome.error or outcome.status}"
        errors_by_kind[key] = errors_by_kind.get(key, 0) + 1

    table = [
        ("sessions", str(arguments.sessions)),
        ("seconds", f"{arguments.seconds} (measured {elapsed:.1f})"),
        ("requests", str(len(outcomes))),
        ("board median / p95 ms", f"{median_ms(board):.0f} / {percentile(board, 0.95):.0f}"),
        ("quick-log median / p95 ms", f"{median_ms(quick):.0f} / {percentile(quick, 0.95):.0f}"),
        ("requests/s", f"{len(outcomes) / elapsed:.1f}"),
        ("errors", f"{len(errors)} (5xx {len(server_errors)}, no answer {len(no_answer)})"),
        ("acknowledged", str(len(acknowledged))),
        ("rows found", str(len(rows))),
        ("verdict", "PASS" if passed else "FAIL"),
        *conditions,
    ]
    print()
    print("| measure | value |")
    print("| --- | --- |")
    for name, value in table:
        print(f"| {name} | {value} |")
    for key, count in sorted(errors_by_kind.items()):
        print(f"  {count} x {key}")
    for problem in [*crashes, *problems][:50]:
        print(f"  {problem}")
    return passed


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL)
    parser.add_argument("--port-base", type=int, default=8300)
    arguments = parser.parse_args()

    usernames = [f"load-staff-{number:02d}" for number in range(1, arguments.sessions + 1)]
    work = Path(tempfile.mkdtemp(prefix="loadtest-"))
    ports = Ports.from_base(arguments.port_base)
    # DEBUG is off, so pages need the manifest of collected static files, built as the image builds it.
    subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
        ["sh", "bin/build-static"],  # noqa: S607
        cwd=PROJECT,
        env={**os.environ, "PYTHON": str(PYTHON)},
        check=True,
    )
    smtp, smtp_log, _maildir = start_smtp_server(work, ports.smtp)
    stack = Stack(
        app_dir=PROJECT,
        bin_dir=PYTHON.parent,
        work_dir=work / "run",
        database_url=arguments.database_url,
        broker_url=arguments.broker_url,
        ports=ports,
    )
    try:
        print(f"recreating {urllib.parse.urlsplit(arguments.database_url).path.lstrip('/')} and migrating")
        stack.prepare()
        stack.manage("shell", "-c", CREATE_USERS.format(names=usernames, password=PASSWORD))
        with stack:
            stack.start()
            print(
                f"production stack at {stack.base_url} (logs in {stack.work_dir});"
                f" {arguments.sessions} sessions for {arguments.seconds} s"
            )
            # The load generator shares the machine with the server: its own CPU time is reported.
            load_before, cpu_before = machine_load(), time.process_time()
            results, elapsed = drive(stack, usernames, arguments.seconds)
            conditions = [
                ("1-min load average before / after", f"{load_before} / {machine_load()}"),
                ("load generator CPU s", f"{time.process_time() - cpu_before:.1f}"),
            ]
        output = stack.manage("shell", "-c", FIND_ROWS.format(prefix=MARKER_PREFIX))
    finally:
        smtp.terminate()
        smtp.wait(timeout=10)
        smtp_log.close()
    line = next(line for line in output.splitlines() if line.startswith("ROWS "))
    rows = json.loads(line.removeprefix("ROWS "))
    passed = report(arguments, results, elapsed, rows, conditions)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
