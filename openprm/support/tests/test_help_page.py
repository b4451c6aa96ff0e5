"""The partner-branded public help page: off until switched on, bot and rate protections, the branded
confirmation e-mail, the private follow link; bad input writes nothing."""

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client

from conftest import client_for
from openprm.lib import clock
from openprm.lib.errors import NotAllowed
from openprm.partners.models import Partner
from openprm.support import services
from openprm.support.help_views import SIGNER_SALT
from openprm.support.models import Comment, Ticket


@pytest.fixture
def branded(acme):
    Partner.objects.filter(pk=acme.pk).update(brand_name="Acme Care", support_email="help@acme.test",
                                              brand_primary_color="#aa3300")
    acme.refresh_from_db()
    return acme


@pytest.fixture
def live(branded, acme_admin):
    return services.configure_help_page(actor=acme_admin, partner=branded, enabled=True, slug="acme-care")


def started(seconds_ago=30):
    return signing.dumps((clock.moment() - timedelta(seconds=seconds_ago)).isoformat(), salt=SIGNER_SALT)


FORM = {"customer_name": "Carla Customer", "customer_email": "carla@customer.test", "customer_company": "Cust Co",
        "subject": "Cannot log in", "description": "The login page spins forever."}


def test_off_until_the_partner_admin_switches_it_on(branded, acme_admin, acme_support):
    assert Client().get("/help/acme-care/").status_code == 404
    with pytest.raises(NotAllowed):
        services.configure_help_page(actor=acme_support, partner=branded, enabled=True, slug="acme-care")
    response = client_for(acme_admin).post("/portal/support/help-page/", {"enabled": "on", "slug": "acme-care"})
    assert response.status_code == 302
    page = Client().get("/help/acme-care/")
    assert page.status_code == 200 and b"Acme Care Support" in page.content and b"style=" not in page.content
    css = Client().get("/help/acme-care/brand.css").content.decode()
    assert "--brand: #aa3300" in css


def test_customer_opens_an_l1_ticket_and_gets_the_branded_confirmation(live, acme_support,
                                                                     django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/help/acme-care/", {**FORM, "started": started()})
    assert response.status_code == 302, response.content
    ticket = Ticket.objects.get()
    assert ticket.level == "L1" and ticket.source == "help_page" and ticket.partner == live.partner
    confirmation = [m for m in mail.outbox if "carla@customer.test" in m.to][0]
    assert "Acme Care" in confirmation.subject and confirmation.reply_to == ["help@acme.test"]
    assert confirmation.from_email.startswith("Acme Care Support")
    link = next(line for line in confirmation.body.splitlines() if "/help/acme-care/t/" in line).split(": ", 1)[1]
    path = link.split("testserver", 1)[1]
    assert b"Cannot log in" in client.get(path).content
    client.post(path, {"body": "Still broken."})
    assert Comment.objects.get().body == "Still broken."
    assert Client().get("/help/acme-care/t/wrong-token/").status_code == 404


def test_internal_notes_never_show_on_the_follow_page(live, vendor_support, acme_support):
    ticket, token = services.submit_help_request(page=live, data=FORM,
                                                 started_at=clock.moment() - timedelta(minutes=1))
    services.escalate(actor=acme_support, ticket=ticket, to="L2", notes="Tried reset.")
    services.add_comment(actor=vendor_support, ticket=ticket, body="INTERNAL-XYZ", internal=True)
    assert b"INTERNAL-XYZ" not in Client().get(f"/help/acme-care/t/{token}/").content


@pytest.mark.parametrize("missing", ["customer_name", "customer_email", "subject", "description"])
def test_required_fields_write_nothing(live, missing):
    response = Client().post("/help/acme-care/", {**FORM, missing: "", "started": started()})
    assert response.status_code == 200 and b"errorlist" in response.content
    assert not Ticket.objects.exists()


def test_bots_are_turned_away_quietly(live):
    Client().post("/help/acme-care/", {**FORM, "website_confirm": "http://spam", "started": started()})
    response = Client().post("/help/acme-care/", {**FORM, "started": started(seconds_ago=0)})
    assert response.status_code == 200 and b"too fast" in response.content
    Client().post("/help/acme-care/", {**FORM, "started": "forged"})
    assert not Ticket.objects.exists()


def test_rate_limited_per_address(live, settings):
    settings.RATE_LIMIT_PER_ADDRESS = 2
    client = Client()
    for _ in range(2):
        assert client.post("/help/acme-care/", {**FORM, "started": started()}).status_code == 302
    assert client.post("/help/acme-care/", {**FORM, "started": started()}).status_code == 429
    assert Ticket.objects.count() == 2


def test_powered_by_line_can_be_turned_off(live):
    from openprm.support.models import SupportSettings

    assert b"Powered by" in Client().get("/help/acme-care/").content
    SupportSettings.objects.create(show_powered_by=False)
    assert b"Powered by" not in Client().get("/help/acme-care/").content


def test_confirmation_reads_as_typed(live, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_help_request(page=live, data={**FORM, "subject": "O'Brien & Sons can't log in"},
                                     started_at=clock.moment() - timedelta(minutes=1))
    body = mail.outbox[-1].body
    assert "O'Brien & Sons can't log in" in body and "&amp;" not in body
