"""Browser tests: Playwright drives Debian's Chromium against the live test server.

The live server needs committed data, so these tests run on a transactional database; `serialized_rollback`
puts back what the data migrations created (default tiers, agreement templates, scorecard criteria, …) after
a previous transactional test flushed the tables.
"""

import json
import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("OPENPRM_CHROMIUM", "/usr/bin/chromium")
# The machine has no internet: keep Chromium from phoning home (and never let Playwright download a browser).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

POST_MIGRATE_MODELS = {"contenttypes.contenttype", "auth.permission"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are
# ordinary blocking calls, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _without_post_migrate_rows(snapshot: str) -> str:
    """The migrated database's snapshot minus content types and permissions: post_migrate recreates those
    (with other ids) when a transactional test without serialized_rollback flushes the database, and
    restoring the old rows over them would break their unique constraints."""
    return json.dumps([row for row in json.loads(snapshot) if row["model"] not in POST_MIGRATE_MODELS])


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (installs Debian's chromium)")
    snapshots = {alias: _without_post_migrate_rows(connections[alias]._test_serialized_contents)
                 for alias in connections if hasattr(connections[alias], "_test_serialized_contents")}
    with sync_playwright() as playwright:
        # Playwright's loop now runs in this thread, so Django (asgiref's Local) hands out new connection
        # objects; the snapshot that serialized_rollback restores was kept on the old ones.
        for alias, snapshot in snapshots.items():
            connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Close the connections opened under Playwright's loop while they are still reachable: once it stops,
        # Django hands out the old objects again and these would stay open past the test database's teardown.
        connections.close_all()


def is_csp_violation(text: str) -> bool:
    """Chromium's console message for anything the Content-Security-Policy blocked (inline script or handler,
    eval, a foreign host, an inline style the policy forbids)."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def new_page(browser, live_server, django_db_serialized_rollback):
    """Pages in fresh browser contexts (separate cookies: one per person), closed after the test.

    Every page listens to the console: a Content-Security-Policy violation on any page a test visits fails
    the test (issue 8 item 4: the policy must not silently break a script the page relies on).
    """
    contexts, violations = [], []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 860},
                                      timezone_id="America/New_York", locale="en-GB")
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message, page=page: violations.append(f"{page.url}: {message.text}")
                if is_csp_violation(message.text) else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
