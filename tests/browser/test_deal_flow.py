"""Issue 3 end to end: a partner's sales rep registers a deal (the pre-check answers as they type), the channel
manager approves it from the review queue and records it won; the partner sees it won."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openprm.deals import services as deals
from openprm.deals.models import ConflictCase, Registration
from openprm.partners import services as partners
from openprm.partners.models import Partner

from .support import flash, login, screenshot

pytestmark = pytest.mark.browser


def activate(*partner_list):
    Partner.objects.filter(pk__in=[p.pk for p in partner_list]).update(stage="active")
    for partner in partner_list:
        partner.refresh_from_db()


def register(actor, partner, name, domain, amount, country="US", products=("Analytics",)):
    return deals.register(actor=actor, partner=partner, data={
        "customer_name": name, "customer_domain": domain, "customer_country": country,
        "products": list(products), "amount": amount, "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=75)).isoformat(), "notes": ""})


def test_rep_registers_manager_approves_and_wins_partner_sees_it(new_page, vendor_admin, channel_manager, acme,
                                                                 acme_rep, globex, globex_admin):
    # Another partner already protects Wonka Industries; another partner of Carl's waits in the queue.
    northwind = partners.create_partner(actor=vendor_admin, data={
        "name": "Northwind Traders", "types": ["reseller"], "country": "GB", "domain": "northwind.example",
        "manager": channel_manager})
    activate(acme, globex, northwind)
    wonka = register(globex_admin, globex, "Wonka Industries", "wonka.example", "80000")
    deals.approve(actor=vendor_admin, registration=wonka)
    register(vendor_admin, northwind, "Tyrell Corporation", "tyrell.example", "64000", country="GB",
             products=["Platform"])

    # The rep registers a deal; the pre-check answers while they type.
    rep = new_page()
    login(rep, "rick@acme.test", lands_on="/portal/")
    rep.goto("/portal/deals/new/")
    precheck = rep.locator("#precheck")
    expect(precheck).to_contain_text("Type the customer's name or domain")
    rep.locator("#id_customer_domain").press_sequentially("www.wonka.example")
    expect(precheck).to_contain_text("This customer is already protected")
    expect(precheck).not_to_contain_text("Globex")  # never says by whom
    rep.locator("#id_customer_domain").fill("")
    rep.locator("#id_customer_name").press_sequentially("Dunder Mifflin Paper")
    rep.locator("#id_customer_domain").press_sequentially("dundermifflin.example")
    expect(precheck).to_contain_text("No active registration found for this customer.")
    rep.fill("#id_contact_name", "Michael Scott")
    rep.fill("#id_contact_email", "michael@dundermifflin.example")
    rep.fill("#id_products", "Analytics, Platform")
    rep.fill("#id_amount", "240000")
    expect(rep.locator("#id_currency")).to_have_value("USD")
    screenshot(rep, "portal-deal-register")
    rep.get_by_role("button", name="Submit registration").click()
    expect(flash(rep)).to_contain_text("is submitted for review.")
    reg = Registration.objects.get(customer_name="Dunder Mifflin Paper")
    assert (reg.partner, reg.submitted_by, reg.status, reg.amount, reg.products) == (
        acme, acme_rep, "submitted", Decimal("240000.00"), ["Analytics", "Platform"])
    assert rep.url.endswith(f"/portal/deals/{reg.pk}/")
    expect(rep.locator("main")).to_contain_text("Waiting for review by the vendor")

    # The same customer again is refused as a duplicate, pointing at the first registration.
    rep.goto("/portal/deals/new/")
    rep.locator("#id_customer_domain").press_sequentially("dundermifflin.example")
    expect(precheck).to_contain_text(f"You already registered this customer: registration #{reg.pk}")

    # A second Acme registration of Wonka goes to conflict review (made through the service: the form is the same).
    conflicting = register(acme_rep, acme, "Wonka Industries Inc", "wonka.example", "95000")
    assert conflicting.status == "conflict"

    # The channel manager approves it from the review queue …
    console = new_page()
    login(console, "cmo@vendor.test", lands_on="/console/")
    console.goto("/console/deals/")
    row = console.locator("tr", has_text="Dunder Mifflin Paper")
    expect(row).to_contain_text("Acme Systems")
    expect(row).to_contain_text("240,000.00 USD")
    expect(console.locator("tr", has_text="Tyrell Corporation")).to_contain_text("Submitted")
    expect(console.locator("tr", has_text="Wonka Industries Inc")).to_contain_text("Open conflict case")
    expect(console.locator("main")).not_to_contain_text("Globex")  # not Carl's partner
    screenshot(console, "console-deal-queue")
    row.get_by_placeholder("Note (optional)").fill("Known account team, go ahead.")
    row.get_by_role("button", name="Approve").click()
    expect(flash(console)).to_contain_text(f"Approved #{reg.pk} Dunder Mifflin Paper (Acme Systems).")
    reg.refresh_from_db()
    assert (reg.status, reg.decided_by, reg.decision_note) == ("approved", channel_manager,
                                                               "Known account team, go ahead.")
    assert reg.protected_until == timezone.localdate() + timedelta(days=30)

    # … and records it won with the final amount.
    console.goto(f"/console/deals/{reg.pk}/")
    expect(console.locator("main")).to_contain_text("Protected until")
    console.select_option("#id_outcome", "won")
    console.fill("#id_amount", "250000")
    console.select_option("#id_currency", "USD")
    screenshot(console, "console-deal-detail")
    console.get_by_role("button", name="Record outcome").click()
    expect(flash(console)).to_contain_text(f"#{reg.pk} closed as won.")
    # Acme is on no commission plan: the person closing the deal is told nothing was booked (issue 10, item 1).
    expect(flash(console)).to_contain_text(
        f"Acme Systems has no commission plan in force on {timezone.localdate().isoformat()}: nothing was booked.")
    reg.refresh_from_db()
    assert (reg.status, reg.won_amount, reg.won_currency, reg.closed_on) == (
        "won", Decimal("250000.00"), "USD", timezone.localdate())
    expect(console.locator("dl.props")).to_contain_text("250,000.00 USD")

    console.goto("/console/deals/board/")
    expect(console.locator("main")).to_contain_text("Dunder Mifflin Paper")
    screenshot(console, "console-pipeline-board")

    case = ConflictCase.objects.get(registrations=conflicting)
    console.goto(f"/console/conflicts/{case.pk}/")
    involved = console.locator("table").first
    expect(involved).to_contain_text("Wonka Industries Inc")
    expect(involved).to_contain_text("Globex GmbH")
    expect(involved.locator("tr", has_text="Globex GmbH")).to_contain_text("first")
    screenshot(console, "console-conflict")

    # The partner sees the deal won.
    rep.goto(f"/portal/deals/{reg.pk}/")
    expect(rep.locator("h1")).to_contain_text("Won")
    expect(rep.locator("main")).to_contain_text(f"250,000.00 USD on {timezone.localdate():%-d %b %Y}")
    rep.goto("/portal/deals/")
    expect(rep.locator("tr", has_text="Dunder Mifflin Paper")).to_contain_text("Won")
