"""Uploaded files and pages under a strict policy (issue 8, item 4).

- Every uploaded file is served with `X-Content-Type-Options: nosniff`, and as an attachment unless it is a
  logo we re-encoded (PNG, JPEG, WebP), so an uploaded document never renders as a page of our origin.
- Every response carries a Content-Security-Policy without inline script; templates hold no inline script or
  event handler that the policy would block.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from conftest import client_for

REQUIRED = ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'",
            "frame-ancestors 'none'", "form-action 'self'"]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";") if d.strip()}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "logos").mkdir()
    return tmp_path


def test_an_uploaded_svg_is_a_download_never_a_page(media, client, vendor_admin):
    (media / "logos" / "partner-1.svg").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>'
                                                    b"alert(document.cookie)</script></svg>")
    response = client_for(vendor_admin).get("/media/logos/partner-1.svg")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in directives(response)


@pytest.mark.parametrize("name", ["notes.html", "partner-1.png.html", "../logos/partner-2.txt"])
def test_any_other_upload_is_a_download(media, client, name):
    target = (media / "logos" / name).resolve()
    target.write_text("<script>alert(1)</script>")
    response = client.get("/media/logos/" + name)
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 404


def test_a_re_encoded_logo_shows_inline_as_an_image(media, client):
    (media / "logos" / "partner-7.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/logos/partner-7.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.get("Content-Disposition", "").startswith("attachment")


def test_private_uploads_are_never_served_by_path(media, client, vendor_admin):
    # Support attachments live under MEDIA_ROOT/support/; only their scoped download views send them.
    (media / "support").mkdir()
    (media / "support" / "abc.bin").write_bytes(b"%PDF-1.4 secret")
    assert client_for(vendor_admin).get("/media/support/abc.bin").status_code == 404
    assert client.get("/media/support/abc.bin").status_code == 404


def test_media_outside_the_root_is_not_served(media, client):
    assert client.get("/media/../settings.py").status_code in (400, 404)


@pytest.mark.parametrize("path", ["/login/", "/apply/", "/partners/", "/api/v1/openapi.json", "/api/v1/docs",
                                  "/no-such-page/"])
def test_every_response_sends_a_strict_policy(db, client, path):
    policy = directives(client.get(path))
    for directive in REQUIRED:
        assert policy[directive.split(" ", 1)[0]] == directive, policy
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


def test_signed_in_pages_send_the_policy(acme_admin, vendor_admin):
    pages = [(acme_admin, "/portal/"), (acme_admin, "/portal/profile/branding/"), (vendor_admin, "/console/")]
    for user, path in pages:
        response = client_for(user).get(path)
        assert response.status_code == 200
        assert directives(response)["script-src"] == "script-src 'self'"


TEMPLATE_DIRS = [Path(django_settings.BASE_DIR) / "openprm"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def test_templates_hold_no_inline_script_or_event_handler():
    """The policy blocks inline script; a template that relied on it would silently stop working."""
    problems = []
    for root in TEMPLATE_DIRS:
        for path in root.rglob("templates/**/*.html"):
            text = path.read_text()
            for pattern, what in [(INLINE_SCRIPT, "inline <script>"), (INLINE_HANDLER, "inline event handler"),
                                  (JS_URL, "javascript: URL")]:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    problems.append(f"{path.relative_to(root)}:{line}: {what}: {match.group(0)[:80]}")
    assert not problems, "move these into static JS files:\n" + "\n".join(problems)


def test_htmx_runs_without_eval_or_inline_styles(acme_admin):
    page = client_for(acme_admin).get("/portal/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config, "htmx must be configured by a meta tag, not inline script"
    assert '"allowEval": false' in config.group(1) and '"includeIndicatorStyles": false' in config.group(1)
