"""Production smoke test: the image's build steps natively, then the compose stack, then a shift.

    .venv/bin/python deploy/smoke.py [--python python3.11] [--port-base 8300]
        [--database-url postgres://postgres@127.0.0.1:5432/akuttilbud_smoke]
        [--broker-url redis://127.0.0.1:6379/14]

1. Builds as the Dockerfile does: the tracked source tree copied to a fresh directory, a fresh
   virtualenv with ``pip install -c constraints.txt .`` (no development packages) and
   ``bin/build-static`` (collectstatic under production settings).
2. Recreates the database named in the URL on the running PostgreSQL server and empties the
   Redis database, migrates, and starts gunicorn, a Celery worker, beat and Caddy
   (deploy/stack.py) with production settings; mail goes to a real SMTP server (aiosmtpd).
3. Over https through Caddy, trusting only Caddy's local CA: /healthz, the login page and a
   static file by its hashed name; a staff member signs in, logs a contact, ties it to a citizen
   and saves a crisis plan. The plan's follow-up is made due and the reminder task is sent to the
   broker; the worker must mark it reminded and deliver exactly one digest naming it to the staff
   member's address on the SMTP server.

Exits non-zero at the first step that fails, naming it and the log to read.
"""

import argparse
import email
import email.policy
import html.parser
import http.cookiejar
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.stack import PROJECT, Ports, Stack, StackError, start_smtp_server  # noqa: E402

PASSWORD = "smoke-test-password-5182"  # noqa: S105 - a throwaway user in a database this script recreates
STAFF_EMAIL = "staff@akuttilbud.test"
LEADER_EMAIL = "leader@akuttilbud.test"
MAIL_WAIT_SECONDS = 60

SET_UP = """
from akuttilbud.models import Role, User
from contacts.services.persons import create_person
staff = User.objects.create_user(
    username="smoke-staff", password={password!r}, role=Role.STAFF, email={staff_email!r})
User.objects.create_user(username="smoke-leader", password={password!r}, role=Role.LEADER, email={leader_email!r})
person = create_person(user=staff, data={{"name": "Jonas Holm"}}, cpr="0101901234")
print("RESULT", person.pk)
"""

MAKE_DUE = """
import json
from datetime import timedelta
from django.utils import timezone
from crisisplans.models import FollowUp
follow_up = FollowUp.objects.select_related("plan__person").get(plan_id={plan})
FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(minutes=1))
print("RESULT", json.dumps({{"id": follow_up.pk, "label": follow_up.masked_label}}))
"""

PERSONS_LAST_CONTACT = """
from contacts.models import Contact
print("RESULT", Contact.objects.filter(person_id={person}).order_by("-pk").values_list("pk", flat=True).first() or "")
"""

REMINDED = """
from crisisplans.models import FollowUp
print("RESULT", FollowUp.objects.get(pk={follow_up}).reminded_at is not None)
"""

PLAN_FORM = {
    "warning_signs": "Sover dårligt",
    "own_coping": "Gå en tur",
    "reasons_to_live": "Min datter",
    "people_to_ask-TOTAL_FORMS": "1",
    "people_to_ask-INITIAL_FORMS": "0",
    "people_to_ask-0-name": "Søster Anne",
    "people_to_ask-0-phone": "20 30 40 50",
    "professionals-TOTAL_FORMS": "1",
    "professionals-INITIAL_FORMS": "0",
    "professionals-0-name": "Alarm",
    "professionals-0-phone": "112",
    "wants_follow_up": "on",
    "follow_up_channel": "phone",
    "follow_up_time_of_day": "evening",
    "citizen_knows_staff_can_read": "on",
}


class Failed(Exception):
    pass


STARTED = time.monotonic()


def step(text):
    print(f"== {time.monotonic() - STARTED:5.0f} s  {text}", flush=True)


def run(command, **keywords):
    result = subprocess.run(command, capture_output=True, text=True, **keywords)  # noqa: S603
    if result.returncode:
        raise Failed(
            f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


# Build, as the Dockerfile does


def copy_source(target):
    """The image's ``COPY . .``: the files git knows (tracked or new, not ignored)."""
    listing = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=PROJECT,
    )
    for name in filter(None, listing.split("\0")):
        source = PROJECT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def build(work, python):
    app, venv = work / "app", work / "venv"
    step(f"build: source in {app}, fresh virtualenv with {python}, production packages only")
    app.mkdir()
    copy_source(app)
    run([python, "-m", "venv", str(venv)])
    run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "."],
        cwd=app,
        # The caller's HOME, so pip's cache of downloaded packages is used.
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": os.environ.get("HOME", str(work)),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        },
    )
    step("build: bin/build-static (collectstatic under production settings)")
    run(
        ["sh", "bin/build-static"],
        cwd=app,
        env={"PATH": "/usr/bin:/bin", "PYTHON": str(venv / "bin" / "python")},
    )
    if not (app / "staticfiles" / "staticfiles.json").is_file():
        raise Failed("bin/build-static wrote no staticfiles/staticfiles.json")
    return app, venv / "bin"


# A browser's requests, standard library only


class KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back redirects and error statuses as responses: the script judges them itself."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class HiddenInputs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}
        self.links = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values.setdefault(attributes["name"], attributes.get("value") or "")
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.links.append(attributes.get("href", ""))


class Browser:
    def __init__(self, stack):
        self.base_url = stack.base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=stack.ssl_context()),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            KeepEveryResponse(),
        )

    def open(self, path, data=None):
        headers = {"Origin": self.base_url} if data is not None else {}
        request = urllib.request.Request(  # noqa: S310 - our own https URL
            urllib.parse.urljoin(self.base_url, path),
            data=urllib.parse.urlencode(data).encode() if data is not None else None,
            headers=headers,
        )
        with self.opener.open(request, timeout=30) as response:
            body = response.read().decode("utf-8", "replace")
            location = urllib.parse.urlsplit(response.headers.get("Location", "")).path
            return response.status, location, body

    def get(self, path, expect=200):
        status, location, body = self.open(path)
        if status != expect:
            raise Failed(f"GET {path} answered {status}, expected {expect}")
        return location, body

    def post(self, path, form, page_body):
        hidden = HiddenInputs()
        hidden.feed(page_body)
        status, location, body = self.open(path, {**hidden.values, **form})
        if status != 302:
            raise Failed(f"POST {path} answered {status}, expected a redirect:\n{body[:2000]}")
        return location


def stylesheets(body):
    parser = HiddenInputs()
    parser.feed(body)
    return parser.links


def shift(stack, browser, person_id):
    step("https through Caddy: /healthz, the login page, a static file by its hashed name")
    _, health = browser.get("/healthz")
    if json.loads(health).get("pages") != "ok" or json.loads(health).get("broker") != "ok":
        raise Failed(f"/healthz through the proxy: {health}")
    _, login_page = browser.get("/login/")
    hashed = [href for href in stylesheets(login_page) if re.search(r"\.[0-9a-f]{12}\.css$", href)]
    if not hashed:
        raise Failed(f"the login page links no stylesheet by a hashed name: {stylesheets(login_page)}")
    browser.get(hashed[0])

    step("a staff member signs in")
    location = browser.post(
        "/login/", {"username": "smoke-staff", "password": PASSWORD, "next": ""}, login_page
    )
    if location.startswith("/login"):
        raise Failed(f"signing in sent the user back to {location}")
    browser.get("/contacts/board/")

    step("the staff member logs a contact with the citizen chosen under Hvem")
    _, form_page = browser.get("/contacts/quick/")
    location = browser.post(
        "/contacts/quick/",
        {"summary": "Ringede om søvnløshed", "acuteness": "2", "channel": "phone", "person": str(person_id)},
        form_page,
    )
    # A saved quick log leads back to the board, ready for the next call.
    if location != "/contacts/board/":
        raise Failed(f"the quick log redirected to {location}, not back to the board")
    contact_id = int(stack.shell(PERSONS_LAST_CONTACT.format(person=person_id)) or 0)
    if not contact_id:
        raise Failed("the quick log saved no contact for the citizen chosen")
    browser.get(f"/contacts/{contact_id}/")

    step("the staff member saves a crisis plan")
    _, plan_page = browser.get(f"/plans/contacts/{contact_id}/new/")
    location = browser.post(f"/plans/contacts/{contact_id}/new/", PLAN_FORM, plan_page)
    saved = re.fullmatch(r"/plans/(\d+)/", location)
    if not saved:
        raise Failed(f"saving the plan redirected to {location}, not to the plan")
    browser.get(location)
    return int(saved.group(1))


def send_reminders(stack):
    """Hand the reminder task to the broker, as the beat schedule does."""
    run(
        [
            str(stack.bin_dir / "celery"),
            "-A",
            "akuttilbud",
            "call",
            "crisisplans.tasks.send_due_followup_reminders_task",
        ],
        cwd=stack.app_dir,
        env=stack._environment,
    )


def reminder_is_delivered(stack, plan_id, maildir):
    step("the plan's follow-up falls due; the reminder task goes to the broker")
    due = json.loads(stack.shell(MAKE_DUE.format(plan=plan_id)))
    send_reminders(stack)
    step(f"the worker delivers the digest to {STAFF_EMAIL} on the SMTP server")
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        stack._check_running()
        if digests(maildir, STAFF_EMAIL) and stack.shell(REMINDED.format(follow_up=due["id"])) == "True":
            break
        time.sleep(1)
    else:
        raise Failed(f"no digest reached {STAFF_EMAIL} within {MAIL_WAIT_SECONDS} s; see {stack.work_dir}")
    # A second sweep must not remind it again.
    send_reminders(stack)
    time.sleep(5)
    received = digests(maildir, STAFF_EMAIL)
    if len(received) != 1:
        raise Failed(f"{len(received)} digests reached {STAFF_EMAIL}, expected exactly one")
    if due["label"] not in received[0]:
        raise Failed(f"the digest does not name the follow-up {due['label']!r}:\n{received[0]}")
    if not digests(maildir, LEADER_EMAIL):
        raise Failed(f"no digest reached the leader at {LEADER_EMAIL}")


def digests(maildir, address):
    found = []
    for message in mailbox.Maildir(str(maildir), create=False):
        parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        if address in parsed.get("To", ""):
            found.append(parsed.get_body(preferencelist=("plain",)).get_content())
    return found


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", default="python3.11", help="the image's Python (python:3.11-slim)")
    parser.add_argument("--port-base", type=int, default=8300)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/akuttilbud_smoke")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--keep", action="store_true", help="keep the build and logs afterwards")
    arguments = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="production-smoke-"))
    ports = Ports.from_base(arguments.port_base)
    smtp = stack = None
    passed = False
    try:
        app, bin_dir = build(work, arguments.python)
        smtp, smtp_log, maildir = start_smtp_server(work, ports.smtp)
        stack = Stack(
            app_dir=app,
            bin_dir=bin_dir,
            work_dir=work / "run",
            database_url=arguments.database_url,
            broker_url=arguments.broker_url,
            ports=ports,
        )
        step("recreate the database, empty the broker's Redis database, migrate")
        stack.prepare()
        person_id = int(
            stack.shell(SET_UP.format(password=PASSWORD, staff_email=STAFF_EMAIL, leader_email=LEADER_EMAIL))
        )
        step("start gunicorn, worker, beat and Caddy (production settings)")
        stack.start()
        plan_id = shift(stack, Browser(stack), person_id)
        reminder_is_delivered(stack, plan_id, maildir)
        # The file's suffixes depend on the dbm module Python was built with.
        if not (stack.alive("beat") and list(stack.work_dir.glob("celerybeat-schedule*"))):
            raise Failed("beat is not running with its schedule")
        passed = True
    except (Failed, StackError, OSError) as error:
        print(f"FAIL: {error}", file=sys.stderr)
    finally:
        if stack:
            stack.stop()
        if smtp:
            smtp.terminate()
            smtp.wait(timeout=10)
            smtp_log.close()
        if passed and not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"build and logs kept in {work}")
    print(f"production smoke: {'PASS' if passed else 'FAIL'} in {time.monotonic() - STARTED:.0f} s")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
