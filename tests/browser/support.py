"""Helpers the browser tests share: signing in, reading e-mailed links, saving README screenshots."""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import Page, expect

from conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page: Page, name: str, *, at: str | None = None) -> None:
    """Save the visible part of the page (1360×860) as docs/screenshots/NAME.png for the README: its top, or
    centred on the element `at` (a selector)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if at:
        page.locator(at).evaluate("element => element.scrollIntoView({block: 'center'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", caret="hide")


def login(page: Page, email: str, password: str = PASSWORD, *, lands_on: str) -> None:
    """Sign in at /login/ and wait for the page the role is sent to (/console/ or /portal/)."""
    page.goto("/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(lands_on) + r"$"))


def logout(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def flash(page: Page):
    """The flash messages at the top of the page."""
    return page.locator("div.messages")


def emailed_path(to: str, pattern: str, timeout: float = 5.0) -> str:
    """The path of the first link matching `pattern` in the e-mail sent to `to` (the live server shares
    this process, so its mail lands in django.core.mail.outbox)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mail.outbox:
            if to in message.to:
                match = re.search(r"https?://\S*" + pattern + r"\S*", message.body)
                if match:
                    return urlsplit(match.group(0)).path
        time.sleep(0.05)
    raise AssertionError(f"no e-mail to {to} with a link matching {pattern!r}; outbox: "
                         f"{[(m.to, m.subject) for m in mail.outbox]}")
