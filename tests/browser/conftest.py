"""Real-browser tests: Playwright drives Debian's Chromium (never a downloaded browser build)."""

import os
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

# The documentation's screenshots are taken with the browser set up as these tests see it.
from reporting.management.commands.screenshots import CHROMIUM_ARGS, VIEWPORT
from tests.helpers import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(
        os.path.exists(CHROMIUM) or shutil.which("chromium"),
        f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)",
    )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "da-DK",
        "timezone_id": "Europe/Copenhagen",
        "viewport": VIEWPORT,
    }


PASSWORD = "korrekt-hest-batteri-42"  # tests.factories.UserFactory's password


@pytest.fixture
def new_page(browser, browser_context_args):
    """A page in a fresh browser context (its own cookies), as a second person at another PC."""
    contexts = []

    def open_page():
        context = browser.new_context(**browser_context_args, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login/" not in page.url, f"{username} could not log in"


def press_access_key(page, key):
    """Alt+key as Chromium on Linux takes an access key. Playwright drops the typed character
    when Alt is held, and Chromium matches access keys on that character, so the key events go
    through the DevTools protocol with it."""
    session = page.context.new_cdp_session(page)
    event = {
        "modifiers": 1,  # Alt
        "key": key,
        "code": f"Key{key.upper()}",
        "windowsVirtualKeyCode": ord(key.upper()),
    }
    session.send("Input.dispatchKeyEvent", {**event, "type": "keyDown", "text": key, "unmodifiedText": key})
    session.send("Input.dispatchKeyEvent", {**event, "type": "keyUp"})
    session.detach()


def log_in_as(page, live_server, user):
    """Log ``user`` in without the form (the shift test goes through the form): a session made
    by the test client, handed to the browser as its cookie."""
    # The page's polling stops first: on SQLite the live server's thread shares the in-memory
    # database, and a request it is still answering can hold the session table for a moment.
    page.goto("about:blank")
    client = Client()
    for attempt in range(10):
        try:
            client.force_login(user)
            break
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(0.2)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


AXE_SOURCE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def run_axe(page):
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page, one line per node.

    The script goes in through ``evaluate``, which the page's Content-Security-Policy does not
    govern; the page itself still runs under the policy."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} – {node['failureSummary']}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]
