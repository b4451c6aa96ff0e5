"""Issue 8 item 4 in a real browser: pages work under the strict Content-Security-Policy, an uploaded logo
shows as an image, and script that is not one of our files does not run."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import is_csp_violation
from .support import flash, login

pytestmark = pytest.mark.browser


def test_branding_works_under_the_policy_and_the_logo_is_an_image(new_page, acme_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = new_page()
    login(page, acme_admin.email, lands_on="/portal/")
    page.goto("/portal/profile/branding/")
    # The colour picker and its text box are kept in step by app.js (it was an inline script before).
    page.locator("input[data-colour-for='id_brand_primary_color']").fill("#22aa44")
    expect(page.locator("#id_brand_primary_color")).to_have_value("#22aa44")
    png = io.BytesIO()
    Image.new("RGB", (60, 30), (34, 170, 68)).save(png, format="PNG")
    page.set_input_files("#id_brand_logo", files=[{"name": "logo.png", "mimeType": "image/png",
                                                   "buffer": png.getvalue()}])
    page.get_by_role("button", name="Save branding").click()
    expect(flash(page)).to_contain_text("Your branding is saved.")
    logo = page.locator("img.brand-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 60  # loaded and decoded as an image


def test_script_that_is_not_our_file_does_not_run(browser, live_server, django_db_serialized_rollback):
    """The policy itself, and the detector the shared fixture relies on: an injected inline script is blocked
    and Chromium reports it on the console."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        messages = []
        page.on("console", lambda message: messages.append(message.text))
        page.goto("/login/")
        page.evaluate("""() => { const s = document.createElement("script");
                                 s.textContent = "window.injected = true"; document.head.appendChild(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("() => window.injected === undefined")
        assert any(is_csp_violation(text) for text in messages), messages
    finally:
        context.close()
