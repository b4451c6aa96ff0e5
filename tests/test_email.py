"""E-mail (issue 10, item 9): multipart, in the program's branding, readable, with amounts formatted; the
notifications page shows a summary and a link; a mail server that is down never turns a committed change into
an error.
"""

import socket

import pytest
from django.core import mail
from django.test import Client

from conftest import client_for
from openprm.accounts import services as accounts
from openprm.accounts.models import Invitation
from openprm.partners import services as partners
from openprm.programs.models import Program

# ---------------------------------------------------------------- item 9: multipart, branded, readable


def test_emails_are_multipart_in_the_programs_branding(settings, vendor_admin, acme,
                                                        django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://prm.example.com"
    Program.objects.update_or_create(pk=1, defaults={"name": "Northwind Partner Network"})
    with django_capture_on_commit_callbacks(execute=True):
        accounts.invite(actor=vendor_admin, email="sean@acme.test", role="partner_sales", partner=acme,
                        full_name="Seán O'Brien & <Sons>")
    message = mail.outbox[-1]
    assert "Seán O'Brien & <Sons>" in message.body and "<html" not in message.body  # the plain-text part
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "Northwind Partner Network" in html
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in html and "<Sons>" not in html  # escaped in HTML
    assert 'href="https://prm.example.com/invitations/' in html  # the invitation link is a button


def test_amounts_in_emails_are_grouped_at_the_currencys_decimals(acme, globex, acme_rep, channel_manager,
                                                                  django_capture_on_commit_callbacks):
    from datetime import timedelta

    from openprm.deals import services as deals
    from openprm.lib import clock
    from openprm.partners.models import Partner, Stage

    Partner.objects.filter(pk=acme.pk).update(stage=Stage.ACTIVE)
    acme.refresh_from_db()
    close = (clock.today() + timedelta(days=30)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        deals.register(actor=acme_rep, partner=acme, data={
            "customer_name": "Initech", "customer_domain": "initech.example", "customer_country": "US",
            "products": ["Analytics"], "amount": "1234567.5", "currency": "USD", "expected_close_date": close})
        deals.register(actor=acme_rep, partner=acme, data={
            "customer_name": "Hooli", "customer_domain": "hooli.example", "customer_country": "US",
            "products": ["Analytics"], "amount": "5000000", "currency": "JPY", "expected_close_date": close})
    bodies = "\n".join(m.body for m in mail.outbox)
    assert "1,234,567.50 USD" in bodies and "5,000,000 JPY" in bodies
    assert "1234567.5" not in bodies and "5000000.00" not in bodies


def test_the_applicants_confirmation_reads_correctly(db, django_capture_on_commit_callbacks):
    Program.objects.update_or_create(pk=1, defaults={"name": "Northwind Partner Network"})
    with django_capture_on_commit_callbacks(execute=True):
        partners.submit_application(data={"name": "Fjordline Cloud AS", "types": ["reseller"], "country": "NO"},
                                    contact={"name": "Ola Nordmann", "email": "ola@fjordline.example"})
    ack = next(m for m in mail.outbox if m.to == ["ola@fjordline.example"])
    assert "'s application on file" not in ack.body
    assert "Thank you for applying to the Northwind Partner Network on behalf of Fjordline Cloud AS." in ack.body


def test_the_notifications_page_shows_the_summary_not_the_email(acme_admin):
    accounts.notify(users=[acme_admin], subject="Deal won: Initech", summary="Registration #7 was won: 1,000.00 USD.",
                    template="accounts/email/generic.txt", context={"text": "Hello,\n\nThe long e-mail text."},
                    url="/portal/")
    page = client_for(acme_admin).get("/notifications/").content.decode()
    assert "Registration #7 was won: 1,000.00 USD." in page and '<a href="/portal/">' in page
    assert "The long e-mail text." not in page and "Hello," not in page
    assert ' style="' not in page.split("<main", 1)[-1]  # no inline styles (strict CSP)


# ---------------------------------------------------------------- sending after commit never fails the change


@pytest.fixture
def smtp_down(settings):
    """Real SMTP to a port nobody listens on: every send is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return port


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_fail_the_committed_change(smtp_down, vendor_admin):
    client = client_for(vendor_admin)
    client.raise_request_exception = True
    response = client.post("/console/people/", {"email": "fin2@vendor.test", "role": "finance"})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="fin2@vendor.test").exists()


def test_a_mail_server_that_is_down_does_not_fail_a_password_reset(smtp_down, acme_admin):
    """Django's reset form sends in the request; ours logs a refused send instead of answering 500."""
    client = Client()
    client.raise_request_exception = True
    assert client.post("/password-reset/", {"email": acme_admin.email}).status_code == 302
