"""Links in e-mails start with the configured site URL, never the request's host; the demo's follows PORT
(issue 10, item 8)."""

import os
import subprocess
import sys
from pathlib import Path

from django.core import mail
from django.test import Client

import openprm
from openprm.accounts import services as accounts
from openprm.lib.env import env_site_url

ROOT = Path(__file__).resolve().parent.parent



def test_the_site_url_follows_the_port_unless_configured(monkeypatch):
    for name in ("OPENPRM_SITE_URL", "SITE_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    assert env_site_url() == "http://127.0.0.1:8000"
    monkeypatch.setenv("PORT", "8080")
    assert env_site_url() == "http://127.0.0.1:8080"
    monkeypatch.setenv("SITE_URL", "https://old.example.com/")
    assert env_site_url() == "https://old.example.com"
    monkeypatch.setenv("OPENPRM_SITE_URL", " https://prm.example.com/ ")
    assert env_site_url() == "https://prm.example.com"


def test_the_demo_settings_follow_port():
    """`PORT=8080 make demo` exports PORT (see the Makefile), and the settings build the site URL from it."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENPRM_SITE_URL", "SITE_URL")}
    env.update(PORT="8080", OPENPRM_DEMO="1", DJANGO_SETTINGS_MODULE="openprm.settings")
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
                         env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert out == "http://127.0.0.1:8080"
    makefile = (ROOT / "Makefile").read_text()
    assert "demo: export PORT := $(PORT)" in makefile


def test_invitation_and_password_reset_links_use_the_site_url(settings, vendor_admin, acme_admin,
                                                              django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://prm.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        accounts.invite(actor=vendor_admin, email="new@vendor.test", role="finance")
    assert "https://prm.example.com/invitations/" in mail.outbox[-1].body
    response = Client().post("/password-reset/", {"email": acme_admin.email}, HTTP_HOST="127.0.0.1:9999")
    assert response.status_code == 302
    reset = mail.outbox[-1]
    assert reset.to == [acme_admin.email]
    assert "https://prm.example.com/password-reset/" in reset.body
    assert "127.0.0.1:9999" not in reset.body and "testserver" not in reset.body
    html = reset.alternatives[0][0]
    assert 'href="https://prm.example.com/password-reset/' in html


def test_no_email_template_builds_a_link_from_the_request():
    for path in Path(openprm.__file__).parent.glob("*/templates/*/email/*"):
        text = path.read_text()
        assert "{{ protocol }}" not in text and "{{ domain }}" not in text, path
        assert "/portal/" not in text and "/console/" not in text, path  # relative links do not open from mail
