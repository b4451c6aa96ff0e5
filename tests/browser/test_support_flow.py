"""Issue 11 end to end: an end customer opens a ticket on a partner's branded help page → the partner's L1
escalates it to L2 → vendor support answers and asks for information (clock paused) → the partner replies
(clock resumes) → L2 escalates to L3 → engineering resolves it."""

import pytest
from playwright.sync_api import expect

from conftest import make_user
from openprm.partners.models import Partner
from openprm.support import services
from openprm.support.models import Ticket
from openprm.support.services import help_page as help_page_module

from .support import flash, login, logout, screenshot

pytestmark = pytest.mark.browser


def test_help_page_to_l1_to_l2_pause_reply_l3_resolved(new_page, acme, acme_admin, monkeypatch):
    # The form's minimum fill time guards against bots; this test types faster than a person, on purpose.
    monkeypatch.setattr(help_page_module, "MIN_FILL_SECONDS", 0)
    Partner.objects.filter(pk=acme.pk).update(brand_name="Acme Care", support_email="help@acme.test",
                                              brand_primary_color="#b03a2e")
    acme.refresh_from_db()
    services.configure_help_page(actor=acme_admin, partner=acme, enabled=True, slug="acme-care",
                                 intro="Our support team answers within one business day.")
    make_user("lena@acme.test", "partner_support", partner=acme, full_name="Lena Level-One")
    make_user("sam@vendor.test", "support", full_name="Sam Support")
    make_user("eve@vendor.test", "engineering", full_name="Eve Engineer")

    # The end customer opens a request on Acme's help page.
    customer = new_page()
    customer.goto("/help/acme-care/")
    expect(customer.locator(".help-brand")).to_have_text("Acme Care Support")
    customer.fill("#id_customer_name", "Carla Customer")
    customer.fill("#id_customer_email", "carla@customer.example")
    customer.fill("#id_customer_company", "Cust Co")
    customer.fill("#id_subject", "Dashboard stays blank")
    customer.fill("#id_description", "Since this morning the dashboard stays blank for all our users.")
    screenshot(customer, "help-page")
    customer.get_by_role("button", name="Send request").click()
    expect(customer.get_by_role("heading", name="Thank you")).to_be_visible()
    ticket = Ticket.objects.get()
    assert (ticket.level, ticket.source, ticket.partner) == ("L1", "help_page", acme)

    # Acme's L1 escalates it to vendor support with its troubleshooting notes.
    l1 = new_page()
    login(l1, "lena@acme.test", lands_on="/portal/")
    l1.get_by_role("link", name="Support", exact=True).click()
    l1.get_by_role("link", name=f"#{ticket.pk}").click()
    l1.get_by_role("button", name="Escalate to L2").click()
    expect(l1.locator(".errorlist")).to_contain_text("Say what L1 tried")
    l1.fill("#id_notes", "Cleared the cache and tried two browsers; the API answers 500 on /dashboard.")
    l1.get_by_role("button", name="Escalate to L2").click()
    expect(flash(l1)).to_contain_text("The ticket is now at L2.")
    ticket.refresh_from_db()
    assert ticket.level == "L2" and ticket.sla_started_at is not None

    # Vendor support answers, asks for logs and waits on the partner: the resolution clock pauses.
    l2 = new_page()
    login(l2, "sam@vendor.test", lands_on="/console/")
    l2.goto("/console/support/")
    expect(l2.locator("table")).to_contain_text("Dashboard stays blank")
    screenshot(l2, "console-support-queue")
    l2.get_by_role("link", name=f"#{ticket.pk}").click()
    l2.fill("#id_body", "Thanks. Please send the browser console log from an affected user.")
    l2.get_by_role("button", name="Send").click()
    expect(flash(l2)).to_contain_text("Reply sent.")
    l2.select_option("#id_status", "waiting_on_partner")
    l2.fill("#id_note", "Waiting for the console log")
    l2.get_by_role("button", name="Change status").click()
    expect(flash(l2)).to_contain_text("waiting on partner")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None and ticket.is_paused

    # The partner replies: the ticket re-opens and the clock resumes.
    l1.reload()
    l1.fill("#id_body", "Console log: TypeError in chart.js line 812.")
    l1.get_by_role("button", name="Send").click()
    expect(flash(l1)).to_contain_text("Reply sent.")
    ticket.refresh_from_db()
    assert ticket.status == "open" and not ticket.is_paused
    screenshot(l1, "portal-support-ticket")

    # L2 escalates to engineering with the defect reference; engineering resolves it.
    l2.reload()
    l2.fill("#id_defect_reference", "ENG-4711")
    l2.get_by_role("button", name="Escalate to L3").click()
    expect(flash(l2)).to_contain_text("The ticket is now at L3.")
    logout(l2)
    login(l2, "eve@vendor.test", lands_on="/console/")
    l2.goto(f"/console/support/{ticket.pk}/")
    l2.fill("#id_body", "Fixed in 4.2.3 (ENG-4711); please update.")
    l2.get_by_role("button", name="Send").click()
    l2.select_option("#id_status", "resolved")
    l2.get_by_role("button", name="Change status").click()
    expect(flash(l2)).to_contain_text("resolved")
    screenshot(l2, "console-support-ticket")
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status, ticket.defect_reference) == ("L3", "resolved", "ENG-4711")
    assert ticket.resolved_at is not None and ticket.paused_seconds >= 0
