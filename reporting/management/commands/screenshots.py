import os
import threading
from pathlib import Path

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connections

from akuttilbud.management.commands.seed_demo import DEMO_USERS
from akuttilbud.models import User
from contacts.models import Channel, Contact
from crisisplans.models import CrisisPlan
from partners.models import Partner

VIEWPORT = {"width": 1366, "height": 900}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class Server(threading.Thread):
    """The app on a free local port, in this process and against the current database."""

    def __init__(self):
        super().__init__(daemon=True)
        self.ready = threading.Event()
        self.httpd = None

    def run(self):
        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietRequestHandler, allow_reuse_address=False)
        self.httpd.set_app(WSGIHandler())
        self.ready.set()
        self.httpd.serve_forever()

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Command(BaseCommand):
    help = (
        "Write PNG screenshots (1366×900) of the key pages into docs/screenshots, logged in as the "
        "demo users. Expects the demo data: run `manage.py seed_demo` first. Uses Debian's Chromium "
        "(CHROMIUM_PATH, default /usr/bin/chromium) through Playwright. The page views are audited "
        "like any other."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "screenshots"))
        parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

    def handle(self, *args, output, chromium, **options):
        if settings.PRODUCTION:
            raise CommandError("screenshots logs in as the demo users; it never runs in production.")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:
            raise CommandError("Playwright is missing: pip install -e '.[dev]'.") from error
        if not Path(chromium).exists():
            raise CommandError(f"Chromium not found at {chromium}: apt-get install chromium.")
        shots = self._shots()
        output_dir = Path(output)
        output_dir.mkdir(parents=True, exist_ok=True)
        passwords = {username: password for username, _role, _first, _last, password in DEMO_USERS}
        # Everything the pages need is read above; the server threads open their own connections.
        connections.close_all()
        server = Server()
        server.start()
        server.ready.wait(timeout=10)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    for username, pages in shots.items():
                        self._take(browser, server.url, username, passwords.get(username), pages, output_dir)
                finally:
                    browser.close()
        finally:
            server.stop()

    def _shots(self):
        """Pages per demo user: file name and path."""
        missing = [
            username
            for username, *_rest in DEMO_USERS
            if not User.objects.filter(username=username, is_active=True).exists()
        ]
        plan = (
            CrisisPlan.objects.filter(closed_at__isnull=True, contact__isnull=False, person__isnull=False)
            .select_related("contact")
            .order_by("-created_at")
            .first()
        )
        partner = Partner.objects.order_by("name").first()
        walk_in = (
            Contact.objects.filter(channel=Channel.WALK_IN, person__isnull=False, conversation__isnull=False)
            .order_by("-started_at")
            .first()
        )
        if missing or plan is None or partner is None or walk_in is None:
            raise CommandError("The demo data is missing: run `manage.py seed_demo` first.")
        return {
            None: [("01-login", "/login/")],
            "staff": [
                ("02-board", "/contacts/board/"),
                ("03-quick-log", "/contacts/quick/"),
                ("04-contact", f"/contacts/{walk_in.pk}/"),
                ("05-person", f"/contacts/persons/{plan.person_id}/"),
                ("06-plan-form", f"/plans/{plan.pk}/edit/"),
                ("07-plan-print", f"/plans/{plan.pk}/print/"),
                ("08-follow-ups", "/plans/followups/"),
                ("09-partner", f"/partners/{partner.pk}/"),
            ],
            "leader": [
                ("10-billing", "/partners/billing/"),
                ("11-dashboard", "/reporting/dashboard/"),
            ],
            "evaluator": [("12-exports", "/reporting/exports/")],
        }

    def _take(self, browser, base_url, username, password, pages, output_dir):
        context = browser.new_context(viewport=VIEWPORT, locale="da-DK", timezone_id="Europe/Copenhagen")
        page = context.new_page()
        try:
            if username is not None:
                page.goto(f"{base_url}/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", password)
                with page.expect_navigation():
                    page.locator("main form button[type=submit]").click()
                if "/login/" in page.url:
                    raise CommandError(f"Could not log in as {username}: run `manage.py seed_demo` again.")
            for name, path in pages:
                response = page.goto(f"{base_url}{path}")
                if response is None or response.status != 200:
                    raise CommandError(f"{path} answered {response.status if response else 'nothing'}.")
                page.wait_for_load_state("networkidle")
                # A focus ring left on an autofocused field is noise in a picture.
                page.evaluate("document.activeElement && document.activeElement.blur()")
                target = output_dir / f"{name}.png"
                page.screenshot(path=str(target))
                self.stdout.write(f"{target}")
        finally:
            context.close()
