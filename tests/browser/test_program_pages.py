"""The program pages in a real browser: tiers and a tier review, an agreement signed in the portal, the
commission plan editor's live preview, and a partner's earnings and statement.

The data is made through the services, as the rest of the suite does; what the pages show and what the
clicks change is checked against the database.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openprm.agreements import services as agreements
from openprm.agreements.models import Agreement
from openprm.commissions import services as commissions
from openprm.commissions.models import CommissionPlan, LedgerLine
from openprm.deals import services as deals
from openprm.partners import services as partners
from openprm.partners.models import Partner
from openprm.programs.models import TierChange, TierReview

from .support import flash, login, screenshot

pytestmark = pytest.mark.browser

SEED_BANDS = [("0", "100000", "15"), ("100000", "500000", "20"), ("500000", "", "25")]


def activate(*partner_list):
    Partner.objects.filter(pk__in=[p.pk for p in partner_list]).update(stage="active")
    for partner in partner_list:
        partner.refresh_from_db()


def win(actor, partner, customer, amount):
    """A registration of `partner`, approved and won today for `amount` USD."""
    registration = deals.register(actor=actor, partner=partner, data={
        "customer_name": customer, "customer_domain": f"{customer.split()[0].lower()}.example",
        "customer_country": partner.country, "products": ["Analytics"], "amount": amount, "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(), "notes": ""})
    deals.approve(actor=actor, registration=registration)
    return deals.close(actor=actor, registration=registration, outcome="won", amount=amount)


def test_tier_review_is_run_and_applied_and_the_partner_sees_its_tier(new_page, vendor_admin, acme, acme_admin):
    # 20 active partners: one scores more than Acme (Platinum), Acme is second (Gold, top 10%).
    names = ["Northwind Traders", "Contoso Cloud", "Umbrella Data", "Stark Integrations", "Wayne Analytics",
             "Tyrell Systems", "Cyberdyne Labs", "Soylent Networks", *[f"Filler Partner {n:02d}" for n in range(11)]]
    others = [partners.create_partner(actor=vendor_admin, data={"name": name, "types": ["reseller"],
                                                                "country": "US"}) for name in names]
    activate(acme, *others)
    win(vendor_admin, others[0], "Initrode Global", "900000")
    win(vendor_admin, acme, "Dunder Mifflin Paper", "500000")
    for n, partner in enumerate(others[1:8]):
        win(vendor_admin, partner, f"Customer{n} Corp", str(400000 - 40000 * n))

    console = new_page()
    login(console, "ada@vendor.test", lands_on="/console/")
    console.goto("/console/program/tiers/")
    tiers = console.locator("main")
    expect(tiers.get_by_role("heading", name="Tiers", exact=True)).to_be_visible()
    expect(console.locator("#tier-platinum")).to_contain_text("top 5%")
    expect(console.locator("#tier-bronze")).to_contain_text("all others")
    screenshot(console, "console-tiers")

    console.goto("/console/program/reviews/")
    console.get_by_role("button", name="Run review now").click()
    expect(flash(console)).to_contain_text("proposed for 20 active partners. Nothing changes until you apply it.")
    review = TierReview.objects.get()
    assert console.url.endswith(f"/console/program/reviews/{review.pk}/")
    proposals = console.locator("table.proposals")
    expect(proposals.locator("tr", has_text="Northwind Traders")).to_contain_text("Platinum")
    acme_row = proposals.locator("tr", has_text="Acme Systems")
    expect(acme_row).to_contain_text("500,000.00 USD")
    expect(acme_row).to_contain_text("Gold")
    expect(acme_row).to_contain_text("pending")
    screenshot(console, "console-tier-review")
    assert Partner.objects.get(pk=acme.pk).tier == ""  # a proposal changes nothing

    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Apply all (20 pending)").click()
    expect(flash(console)).to_contain_text("Applied: 20 tier changes; the partners are notified.")
    acme.refresh_from_db()
    assert acme.tier == "gold"
    assert Partner.objects.get(name="Northwind Traders").tier == "platinum"
    assert TierChange.objects.filter(partner=acme, to_tier="gold").exists()

    portal = new_page()
    login(portal, "alice@acme.test", lands_on="/portal/")
    portal.goto("/portal/tier/")
    expect(portal.locator("h1")).to_contain_text("Acme Systems is Gold")
    expect(portal.locator("main")).to_contain_text("Your benefits")
    expect(portal.locator("main")).to_contain_text("Platinum")  # the next tier to reach
    screenshot(portal, "portal-my-tier")


def test_agreement_is_signed_in_the_portal_and_the_console_shows_it(new_page, vendor_admin, channel_manager, acme,
                                                                    acme_admin):
    """The new-partner money path (issue 10, item 1): the agreement names a real plan, signing puts the partner
    on it, and the deal won afterwards books a commission the partner sees in the portal."""
    activate(acme)
    plan = commissions.create_plan(actor=vendor_admin, data={
        "name": "Reseller bands 15/20/25%", "type": "tiered", "currency": "USD", "period": "quarter",
        "basis": "per_deal",
        "bands": [{"from": low, "to": high or None, "rate_percent": rate} for low, high, rate in SEED_BANDS]})
    today = timezone.localdate()
    agreement = agreements.create_agreement(actor=channel_manager, partner=acme, data={
        "kind": "reseller", "starts_on": today, "ends_on": today + timedelta(days=364), "auto_renew": True,
        "notice_days": 60, "territories": ["US", "europe"], "segments": ["enterprise", "mid-market"],
        "products": ["Analytics", "Platform"], "discount_percent": "20", "payment_terms_days": 30,
        "whitelabel": False})

    console = new_page()
    login(console, "cmo@vendor.test", lands_on="/console/")
    console.goto(f"/console/agreements/{agreement.pk}/edit/")
    console.select_option("#id_commission_plan", label="Reseller bands 15/20/25%")
    console.get_by_role("button", name="Save draft").click()
    expect(console.locator("main")).to_contain_text("Reseller bands 15/20/25%")
    assert Agreement.objects.get(pk=agreement.pk).commission_plan == plan
    agreement = agreements.send(actor=channel_manager, agreement=agreement)

    portal = new_page()
    login(portal, "alice@acme.test", lands_on="/portal/")
    portal.goto(f"/portal/agreements/{agreement.pk}/sign/")
    expect(portal.get_by_role("heading", name="Sign the reseller agreement")).to_be_visible()
    expect(portal.locator(".agreement-doc")).to_contain_text("Analytics")
    expect(portal.locator(".agreement-doc")).to_contain_text("Reseller bands 15/20/25%")
    portal.fill("#id_signer_name", "Alice Acme")
    portal.get_by_label("I agree to the terms of this agreement").check()
    screenshot(portal, "portal-agreement-sign", at="#sign")
    portal.get_by_role("button", name="Sign agreement").click()
    expect(flash(portal)).to_contain_text("Thank you — the agreement is signed.")
    assert portal.url.endswith(f"/portal/agreements/{agreement.pk}/")
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert (agreement.status, agreement.signer_name, agreement.signed_by) == ("active", "Alice Acme", acme_admin)
    assert agreement.signer_ip == "127.0.0.1" and agreement.signed_at is not None
    expect(portal.locator("h1")).to_contain_text("Active")

    console.goto(f"/console/agreements/{agreement.pk}/")
    expect(console.locator("h1")).to_contain_text(f"Reseller agreement #{agreement.pk}")
    expect(console.locator("h1")).to_contain_text("Active")
    expect(console.locator("main")).to_contain_text("Alice Acme")
    screenshot(console, "console-agreement")
    # Signing put Acme on the agreement's plan from its start date: its plans page says so.
    console.goto(f"/console/partners/{acme.pk}/")
    console.get_by_role("link", name="Commission plans").click()
    current = console.locator("tr", has_text="Reseller bands 15/20/25%")
    expect(current).to_contain_text("Current")
    expect(current).to_contain_text("until further notice")

    # A deal won now books its commission, and the partner sees it.
    registration = win(vendor_admin, acme, "Dunder Mifflin Paper", "250000")
    assert registration.close_warnings == []
    assert LedgerLine.objects.get(partner=acme).amount == Decimal("50000.00")
    portal.goto("/portal/earnings/")
    expect(portal.locator("main").locator("tr", has_text="250,000.00 × 20% (band 100,000–500,000) = 50,000.00 USD")
           ).to_contain_text("Pending (holding period)")


def test_plan_editor_previews_what_a_deal_earns_and_creates_the_plan(new_page, vendor_admin):
    console = new_page()
    login(console, "ada@vendor.test", lands_on="/console/")
    console.goto("/console/commissions/plans/new/")
    preview = console.locator("#plan-preview")
    expect(preview).to_contain_text("Fill in the plan to see what a deal earns.")
    # The preview answers as the bands are typed, before the plan has its name (the required name once
    # held every preview request back: htmx validated the whole form first).
    for i, (low, high, rate) in enumerate(SEED_BANDS):
        console.fill(f"#id_band_{i}_from", low)
        console.fill(f"#id_band_{i}_to", high)
        console.locator(f"#id_band_{i}_rate").press_sequentially(rate)
    expect(preview).to_contain_text("A 250,000.00 USD deal earns 50,000.00 USD")
    expect(preview).to_contain_text("250,000.00 × 20% (band 100,000–500,000)")
    sample = console.locator("#id_sample")
    sample.fill("")
    sample.press_sequentially("600000")
    expect(preview).to_contain_text("A 600,000.00 USD deal earns 150,000.00 USD")
    console.fill("#id_name", "Reseller bands 2027")
    screenshot(console, "console-commission-plan")
    assert not CommissionPlan.objects.exists()  # the preview writes nothing

    console.get_by_role("button", name="Create plan").click()
    expect(flash(console)).to_contain_text("Plan “Reseller bands 2027” created.")
    plan = CommissionPlan.objects.get()
    assert (plan.type, plan.basis, plan.currency) == ("tiered", "per_deal", "USD")
    assert plan.bands[1] == {"from": "100000", "to": "500000", "rate_percent": "20"}


def test_partner_sees_its_earnings_and_statement(new_page, vendor_admin, acme, acme_admin, globex):
    activate(acme, globex)
    plan = commissions.create_plan(actor=vendor_admin, data={
        "name": "Reseller bands", "type": "tiered", "currency": "USD", "period": "quarter", "basis": "per_deal",
        "bands": [{"from": low, "to": high or None, "rate_percent": rate} for low, high, rate in SEED_BANDS]})
    for partner in (acme, globex):
        commissions.assign_plan(actor=vendor_admin, partner=partner, plan=plan,
                                starts_on=timezone.localdate() - timedelta(days=30))
    win(vendor_admin, acme, "Dunder Mifflin Paper", "250000")
    win(vendor_admin, acme, "Vandelay Industries", "80000")
    win(vendor_admin, globex, "Globex Secret Customer", "700000")
    commissions.award_reward(actor=vendor_admin, partner=acme, amount="1500", currency="USD",
                             reason="Partner of the quarter")
    acme_lines = LedgerLine.objects.filter(partner=acme)
    assert sum(line.amount for line in acme_lines) == Decimal("63500.00")  # 50,000 + 12,000 + 1,500

    portal = new_page()
    login(portal, "alice@acme.test", lands_on="/portal/")
    portal.goto("/portal/earnings/")
    page = portal.locator("main")
    expect(page.locator("tr", has_text="250,000.00 × 20% (band 100,000–500,000) = 50,000.00 USD")).to_contain_text(
        "Pending (holding period)")
    expect(page.locator("tr", has_text="80,000.00 × 15% (band 0–100,000) = 12,000.00 USD")).to_be_visible()
    expect(page.locator("tr", has_text="Partner of the quarter")).to_contain_text("Approved")
    expect(page.locator(".stat", has_text="Pending")).to_contain_text("62,000.00 USD")
    expect(page.locator(".stat", has_text="Approved")).to_contain_text("1,500.00 USD")
    expect(page).not_to_contain_text("Globex")
    expect(page).not_to_contain_text("105,000.00")  # Globex's commission
    screenshot(portal, "portal-earnings")

    portal.goto("/portal/earnings/statements/")
    statement = portal.locator("main")
    expect(statement.locator(".stat", has_text="Earned in")).to_contain_text("63,500.00 USD")
    expect(statement.locator(".stat", has_text="Closing balance")).to_contain_text("63,500.00 USD")
    expect(statement.locator("tr", has_text="Partner of the quarter")).to_contain_text("1,500.00 USD")
    expect(statement).not_to_contain_text("Globex")
    screenshot(portal, "portal-statement")


def test_finance_finds_a_deal_won_without_a_plan_assigns_one_and_recalculates(new_page, vendor_admin, finance_user,
                                                                               acme):
    """Issue 10, item 1: the deal that earned nothing is listed, the partner put on a plan from its page, the
    period recalculated from the console, and the deal leaves the list with its commission booked."""
    activate(acme)
    commissions.create_plan(actor=vendor_admin, data={"name": "Referral share 10%", "type": "revenue_share",
                                                      "rate_percent": "10", "currency": "USD"})
    registration = win(vendor_admin, acme, "Initech", "12000")
    assert not LedgerLine.objects.exists()

    console = new_page()
    login(console, finance_user.email, lands_on="/console/")
    nav = console.get_by_role("navigation", name="Console")
    nav.get_by_role("link", name="Won without a plan").click()
    row = console.locator("tr", has_text="Initech")
    expect(row).to_contain_text("Acme Systems")
    expect(row).to_contain_text("12,000.00 USD")
    expect(row).to_contain_text("None")
    row.get_by_role("link", name="Acme Systems").click()
    expect(console.locator("main")).to_contain_text("Acme Systems has no commission plan in force today")
    console.select_option("#id_plan", label="Referral share 10%")
    console.fill("#id_starts_on", (timezone.localdate() - timedelta(days=60)).isoformat())
    console.get_by_role("button", name="Assign plan").click()
    expect(flash(console)).to_contain_text("Acme Systems is on “Referral share 10%”")
    expect(console.locator("tr", has_text="Referral share 10%")).to_contain_text("Current")

    nav.get_by_role("link", name="Recalculation").click()
    console.get_by_role("button", name="Recalculate").click()  # the current quarter is proposed
    expect(flash(console)).to_contain_text("is done: 1 line added.")
    expect(console.locator("tr[id^=run-]").first).to_contain_text("Done")
    assert LedgerLine.objects.get(registration=registration).amount == Decimal("1200.00")
    nav.get_by_role("link", name="Won without a plan").click()
    expect(console.locator("main")).to_contain_text("Every won deal booked its commission")
