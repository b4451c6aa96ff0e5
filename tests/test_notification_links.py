"""Every notification leads somewhere its recipient can open (issue 10, item 7).

The services are driven through the events that notify someone (deal registrations from submission to
outcome, conflicts, territory flags, leads offered and routed on, agreements, tier changes, applications);
then every notification they created is opened as its own recipient and must answer 200, with a readable
summary. Also: a new registration reaches the channel manager (or the program admins), a new application
reaches the program admins, and a lead that went on to another partner tells the first one so without
naming the other.
"""

from datetime import timedelta

import pytest
from django.core import mail

from conftest import client_for, make_user
from openprm.accounts.models import Notification
from openprm.agreements import services as agreements
from openprm.commissions import services as commissions
from openprm.deals import services as deals
from openprm.deals.models import Lead
from openprm.lib import clock
from openprm.partners import services as partners
from openprm.partners.models import Partner, Stage
from openprm.programs import services as programs
from openprm.programs.models import Tier


def _activate(partner):
    Partner.objects.filter(pk=partner.pk).update(stage=Stage.ACTIVE)
    partner.refresh_from_db()
    return partner


def _submission(**overrides):
    data = {"customer_name": "Initech Inc.", "customer_domain": "initech.example", "customer_country": "US",
            "products": ["Analytics"], "amount": "250000.00", "currency": "USD",
            "expected_close_date": (clock.today() + timedelta(days=60)).isoformat(), "notes": ""}
    data.update(overrides)
    return data


@pytest.fixture
def program(acme, globex, vendor_admin):
    return _activate(acme), _activate(globex)


@pytest.fixture
def initrode(vendor_admin, other_manager):
    """A second US partner, so a US lead has somewhere to go after Acme."""
    partner = _activate(partners.create_partner(actor=vendor_admin, data={
        "name": "Initrode", "types": ["reseller"], "country": "US", "manager": other_manager}))
    make_user("ivy@initrode.test", "partner_admin", partner=partner)
    return partner


def _lead(vendor_admin, **overrides):
    data = {"company_name": "Umbrella Corp", "domain": "umbrella.example", "country": "US", "specialization": "",
            "amount": "50000", "currency": "USD"}
    data.update(overrides)
    return deals.create_lead(actor=vendor_admin, data=data)


def _drive_every_notifying_service(*, acme, globex, initrode, vendor_admin, channel_manager, acme_admin, acme_rep,
                                   globex_admin):
    # Agreements: sent, signed (activates), later terminated; a second one for the territory check.
    today = clock.today()
    plan = commissions.create_plan(actor=vendor_admin, data={"name": "Reseller revenue share 10%",
                                                             "type": "revenue_share", "rate_percent": "10"})
    agreement = agreements.create_agreement(actor=channel_manager, partner=acme, data={
        "kind": "reseller", "starts_on": today, "ends_on": today + timedelta(days=364), "auto_renew": False,
        "notice_days": 60, "territories": ["US"], "segments": ["enterprise"], "products": ["Analytics"],
        "discount_percent": "15", "payment_terms_days": 30, "whitelabel": False, "commission_plan": plan})
    agreements.send(actor=channel_manager, agreement=agreement)
    agreements.sign(actor=acme_admin, agreement=agreement, signer_name=acme_admin.full_name)

    # Registrations: received (partner) + new (manager); approved, extended, won; rejected; conflict; flagged.
    won = deals.register(actor=acme_rep, partner=acme, data=_submission())
    deals.register(actor=globex_admin, partner=globex, data=_submission())  # the same customer: a conflict
    deals.approve(actor=channel_manager, registration=won, note="Go")
    deals.request_extension(actor=acme_rep, registration=won, reason="Procurement is slow")
    deals.decide_extension(actor=channel_manager, registration=won, approve=True)
    deals.close(actor=channel_manager, registration=won, outcome="won", amount="260000", currency="USD",
                closed_on=today)
    rejected = deals.register(actor=acme_admin, partner=acme, data=_submission(
        customer_name="Hooli", customer_domain="hooli.example"))
    deals.reject(actor=channel_manager, registration=rejected, reason="Existing direct customer")
    reminded = deals.register(actor=acme_rep, partner=acme, data=_submission(
        customer_name="Vandelay Industries", customer_domain="vandelay.example", customer_country="JP"))
    deals.approve(actor=channel_manager, registration=reminded)
    reminded.refresh_from_db()
    deals.send_expiry_reminders(today=reminded.protected_until)
    deals.expire_registrations(today=reminded.protected_until + timedelta(days=1))

    # Leads: offered to Acme (US), unanswered, routed on to Initrode; Initrode declines, so it ends.
    lead = _lead(vendor_admin)
    assert lead.partner_id == acme.pk
    deals.route_expired_leads(now=lead.respond_by + timedelta(minutes=1))
    lead.refresh_from_db()
    assert lead.partner_id == initrode.pk
    deals.decline_lead(actor=initrode.users.get(), lead=lead, reason="Not our segment")

    agreements.terminate(actor=channel_manager, agreement=agreement, reason="Material breach")

    # Tier placement and a public application.
    programs.place_partner(actor=vendor_admin, partner=acme, tier_code=Tier.objects.order_by("rank")[0].code,
                           reason="Board decision")
    partners.submit_application(data={"name": "Fjordline Cloud AS", "types": ["reseller"], "country": "NO"},
                                contact={"name": "Ola Nordmann", "email": "ola@fjordline.example"})


def test_every_notification_opens_for_its_recipient(program, initrode, vendor_admin, channel_manager, acme_admin,
                                                    acme_rep, globex_admin, other_manager):
    acme, globex = program
    make_user("finn@vendor.test", "finance")  # a vendor user who is told nothing
    _drive_every_notifying_service(acme=acme, globex=globex, initrode=initrode, vendor_admin=vendor_admin,
                                   channel_manager=channel_manager, acme_admin=acme_admin, acme_rep=acme_rep,
                                   globex_admin=globex_admin)
    notices = list(Notification.objects.select_related("user"))
    titles = {n.title for n in notices}
    # The sweep covered the notices of every kind, including the ones added for issue 10.
    for expected in ["New deal registration to review: Initech Inc.", "Deal registration approved: Initech Inc.",
                     "Deal won: Initech Inc.", "Deal registration rejected: Hooli",
                     "Deal registration under conflict review: Initech Inc.",
                     "Registration flagged for review (territory): Vandelay Industries",
                     "Protection ends soon: Vandelay Industries", "Deal registration expired: Vandelay Industries",
                     "New lead for you: Umbrella Corp", "Lead no longer offered to you: Umbrella Corp",
                     "Please sign your reseller agreement", "Acme Systems signed its reseller agreement",
                     "Your reseller agreement was terminated", "New partner application: Fjordline Cloud AS"]:
        assert expected in titles, expected
    assert any(t.startswith("Acme Systems is now") for t in titles)
    for notice in notices:
        assert notice.url.startswith("/") and notice.summary, notice.title
        response = client_for(notice.user).get(notice.url)
        assert response.status_code == 200, (notice.user.email, notice.title, notice.url, response.status_code)


def test_a_new_registration_tells_the_channel_manager_in_the_app_and_by_email(
        program, acme_rep, channel_manager, django_capture_on_commit_callbacks):
    acme, _ = program
    with django_capture_on_commit_callbacks(execute=True):
        registration = deals.register(actor=acme_rep, partner=acme, data=_submission(amount="1234567.50"))
    notice = channel_manager.notifications.get()
    assert notice.title == "New deal registration to review: Initech Inc."
    assert notice.url == f"/console/deals/{registration.pk}/"
    assert "48 hours" in notice.summary and "1,234,567.50 USD" in notice.summary
    message = next(m for m in mail.outbox if m.to == [channel_manager.email])
    assert "Acme Systems registered a deal for Initech Inc. (1,234,567.50 USD" in message.body
    assert f"/console/deals/{registration.pk}/" in message.body


def test_without_a_channel_manager_the_program_admins_are_told(program, vendor_admin, acme_rep, channel_manager):
    acme, _ = program
    Partner.objects.filter(pk=acme.pk).update(manager=None)
    acme.refresh_from_db()
    deals.register(actor=acme_rep, partner=acme, data=_submission())
    assert vendor_admin.notifications.filter(title="New deal registration to review: Initech Inc.").exists()
    assert not channel_manager.notifications.exists()


def test_a_new_application_tells_the_program_admins_with_a_link(vendor_admin, channel_manager,
                                                                django_capture_on_commit_callbacks):
    other_admin = make_user("otto@vendor.test", "admin")
    with django_capture_on_commit_callbacks(execute=True):
        partner = partners.submit_application(data={"name": "Fjordline Cloud AS", "types": ["reseller"],
                                                    "country": "NO"},
                                              contact={"name": "Ola Nordmann", "email": "ola@fjordline.example"})
    for admin in (vendor_admin, other_admin):
        notice = admin.notifications.get()
        assert notice.title == "New partner application: Fjordline Cloud AS"
        assert notice.url == f"/console/partners/{partner.pk}/"
        assert client_for(admin).get(notice.url).status_code == 200
    assert not channel_manager.notifications.exists()
    to_admin = next(m for m in mail.outbox if m.to == [vendor_admin.email])
    assert f"/console/partners/{partner.pk}/" in to_admin.body


def test_a_lead_routed_away_says_so_without_naming_the_other_partner(program, initrode, vendor_admin, acme_admin,
                                                                    acme_rep):
    acme, _ = program
    lead = _lead(vendor_admin)
    assert lead.partner_id == acme.pk
    deals.route_expired_leads(now=lead.respond_by + timedelta(minutes=1))
    assert Lead.objects.get(pk=lead.pk).partner_id == initrode.pk
    for person in (acme_admin, acme_rep):
        notices = list(person.notifications.all())
        assert {n.title for n in notices} == {"New lead for you: Umbrella Corp",
                                              "Lead no longer offered to you: Umbrella Corp"}
        for notice in notices:
            assert notice.url == "/portal/leads/"
            assert "another partner" in notice.summary and initrode.name not in notice.summary
            assert client_for(person).get(notice.url).status_code == 200
        assert client_for(person).get(f"/portal/leads/{lead.pk}/").status_code == 404  # why the link moved


def test_a_declined_lead_no_longer_links_to_its_page(program, initrode, vendor_admin, acme_admin):
    acme, _ = program
    lead = _lead(vendor_admin)
    deals.decline_lead(actor=acme_admin, lead=lead, reason="Not our segment")
    notice = acme_admin.notifications.get()
    assert notice.url == "/portal/leads/" and client_for(acme_admin).get(notice.url).status_code == 200
