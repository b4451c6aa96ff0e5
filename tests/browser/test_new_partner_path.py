"""Issue 10 ("Done when"): the whole new-partner path through the real pages, one person per browser context.

An applicant fills the public form → a program admin is notified, scores the application and moves the
partner through Qualification → Negotiation → an agreement naming a commission plan is drafted and sent → the
partner's admin, invited from the Users tab, joins from the e-mailed link and signs it in the portal → the
partner is onboarded and made active → its deal is registered, approved and won → the commission is booked
and the partner sees it on its earnings page.

Only the commission plan is made through its service (the plan editor has its own browser test); everything
else is clicked. What the pages show is checked against the database at each step.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from openprm.accounts.models import User
from openprm.agreements.models import Agreement
from openprm.commissions import services as commissions
from openprm.commissions.models import LedgerLine, PlanAssignment
from openprm.deals.models import Registration
from openprm.partners.models import Partner, StageChange

from .support import emailed_path, flash, login, logout, screenshot

pytestmark = pytest.mark.browser

PARTNER_PASSWORD = "Fjord-cloud-signs-2026"
BANDS = [("0", "100000", "15"), ("100000", "500000", "20"), ("500000", None, "25")]


def change_stage(console, partner, label, note=""):
    """Move the partner on its Lifecycle tab and wait for the page to say so."""
    console.goto(f"/console/partners/{partner.pk}/?tab=lifecycle")
    console.select_option("#id_stage", label=label)
    if note:
        console.fill("#id_note", note)
    console.get_by_role("button", name="Change stage").click()
    expect(console.locator(".page-head .badge").first).to_contain_text(label)


def test_applicant_becomes_a_partner_signs_wins_a_deal_and_sees_its_commission(new_page, vendor_admin):
    today = timezone.localdate()
    plan = commissions.create_plan(actor=vendor_admin, data={
        "name": "Reseller bands 15/20/25%", "type": "tiered", "currency": "USD", "period": "quarter",
        "basis": "per_deal", "bands": [{"from": low, "to": high, "rate_percent": rate} for low, high, rate in BANDS]})

    # 1. The applicant fills the public form (no account needed).
    public = new_page()
    public.goto("/apply/")
    public.fill("#id_company_name", "Fjordline Cloud AS")
    public.fill("#id_website", "fjordline.example")
    public.select_option("#id_country", "NO")
    public.get_by_label("Reseller").check()
    public.fill("#id_description", "Cloud reseller for the Nordic public sector.")
    public.fill("#id_contact_name", "Ingrid Fjord")
    public.fill("#id_contact_email", "ingrid@fjordline.example")
    public.fill("#id_contact_title", "CEO")
    public.get_by_role("button", name="Send application").click()
    expect(public.locator("main")).to_contain_text("Fjordline Cloud AS")
    partner = Partner.objects.get(name="Fjordline Cloud AS")
    assert (partner.stage, partner.country, partner.domain) == ("qualification", "NO", "fjordline.example")
    # The applicant is told the application arrived; the program admins are told there is one to review.
    assert {(tuple(m.to), m.subject) for m in mail.outbox} >= {
        (("ingrid@fjordline.example",), "We received your partner application"),
        (("ada@vendor.test",), "New partner application: Fjordline Cloud AS")}

    # 2. The program admin is notified and opens the application from the notification.
    console = new_page()
    login(console, "ada@vendor.test", lands_on="/console/")
    console.goto("/notifications/")
    console.get_by_role("link", name="New partner application: Fjordline Cloud AS").click()
    assert console.url.endswith(f"/console/partners/{partner.pk}/")
    expect(console.get_by_role("heading", name="Fjordline Cloud AS")).to_be_visible()
    expect(console.locator(".page-head")).to_contain_text("Qualification")

    # … scores it on the qualification scorecard …
    console.goto(f"/console/partners/{partner.pk}/?tab=scorecard")
    scores = console.locator("select[id^=id_score_]")
    for n in range(scores.count()):
        scores.nth(n).select_option("4")
    console.fill("#id_reference_checks", "Two public-sector customers confirmed delivery on time.")
    console.get_by_role("button", name="Save scorecard").click()
    expect(flash(console)).to_be_visible()
    assert partner.scorecard_scores.count() == scores.count() > 0

    # … and moves it on to Negotiation, where the agreement is drafted.
    change_stage(console, partner, "Negotiation", note="Scorecard 4/5: go ahead.")
    partner.refresh_from_db()
    assert partner.stage == "negotiation"

    # 3. The agreement names the commission plan and is sent for signature.
    console.goto(f"/console/agreements/new/?partner={partner.pk}")
    console.select_option("#id_kind", "reseller")
    console.fill("#id_starts_on", today.isoformat())
    console.fill("#id_territories", "NO, SE")
    console.fill("#id_products", "Analytics, Platform")
    console.fill("#id_discount_percent", "20")
    console.select_option("#id_commission_plan", label="Reseller bands 15/20/25%")
    console.get_by_role("button", name="Create draft").click()
    expect(flash(console)).to_contain_text("Draft agreement created.")
    agreement = Agreement.objects.get(partner=partner)
    assert (agreement.status, agreement.commission_plan) == ("draft", plan)
    expect(console.locator("main")).to_contain_text("Reseller bands 15/20/25%")
    console.get_by_role("link", name="Send for signature").click()
    console.locator("#confirm-send").get_by_role("button", name="Send for signature").click()
    expect(console.locator("h1")).to_contain_text("Sent")
    agreement.refresh_from_db()
    assert agreement.status == "sent"

    # 4. The partner's admin is invited from the Users tab …
    console.goto(f"/console/partners/{partner.pk}/?tab=users")
    console.fill("#id_email", "ingrid@fjordline.example")
    console.fill("#id_full_name", "Ingrid Fjord")
    expect(console.locator("#id_role")).to_have_value("partner_admin")
    console.get_by_role("button", name="Send invitation").click()
    expect(flash(console)).to_contain_text("Invitation sent to ingrid@fjordline.example.")

    # … accepts the e-mailed invitation, chooses a password and signs in.
    portal = new_page()
    portal.goto(emailed_path("ingrid@fjordline.example", "/invitations/"))
    portal.fill("#id_password", PARTNER_PASSWORD)
    portal.fill("#id_password_again", PARTNER_PASSWORD)
    portal.locator("form button[type=submit]").click()
    expect(flash(portal)).to_contain_text("Welcome to OpenPRM, Ingrid Fjord.")
    ingrid = User.objects.get(email="ingrid@fjordline.example")
    assert (ingrid.partner, ingrid.role) == (partner, "partner_admin")
    logout(portal)
    login(portal, "ingrid@fjordline.example", PARTNER_PASSWORD, lands_on="/portal/")

    # 5. She signs the agreement in the portal under her own name.
    portal.goto("/portal/agreements/")
    portal.get_by_role("link", name="Review and sign").click()
    expect(portal.get_by_role("heading", name="Sign the reseller agreement")).to_be_visible()
    expect(portal.locator(".agreement-doc")).to_contain_text("Reseller bands 15/20/25%")
    portal.fill("#id_signer_name", "Ingrid Fjord")
    portal.get_by_label("I agree to the terms of this agreement").check()
    screenshot(portal, "portal-new-partner-sign", at=".agreement-doc >> text=Reseller bands 15/20/25%")
    portal.get_by_role("button", name="Sign agreement").click()
    expect(flash(portal)).to_contain_text("Thank you — the agreement is signed.")
    agreement.refresh_from_db()
    assert (agreement.status, agreement.signed_by, agreement.signer_name) == ("active", ingrid, "Ingrid Fjord")
    # Signing put the partner on the agreement's plan from its start date.
    assignment = PlanAssignment.objects.get(partner=partner)
    assert (assignment.plan, assignment.starts_on) == (plan, today)

    # 6. The admin onboards the partner and makes it active; the lifecycle tab shows the whole path.
    change_stage(console, partner, "Onboarding")
    change_stage(console, partner, "Active")
    partner.refresh_from_db()
    assert partner.stage == "active"
    assert list(StageChange.objects.filter(partner=partner).order_by("changed_at", "pk")
                .values_list("to_stage", flat=True)) == ["qualification", "negotiation", "onboarding", "active"]
    history = console.locator("main")
    for label in ("Qualification", "Negotiation", "Onboarding", "Active"):
        expect(history).to_contain_text(label)
    screenshot(console, "console-new-partner-lifecycle")

    # 7. Ingrid registers a deal …
    portal.goto("/portal/deals/new/")
    portal.fill("#id_customer_name", "Nordlys Kommune")
    portal.fill("#id_customer_domain", "nordlys.example")
    portal.select_option("#id_customer_country", "NO")
    portal.fill("#id_contact_name", "Ola Nordmann")
    portal.fill("#id_contact_email", "ola@nordlys.example")
    portal.fill("#id_products", "Analytics")
    portal.fill("#id_amount", "250000")
    portal.select_option("#id_currency", "USD")
    portal.fill("#id_expected_close_date", (today + timedelta(days=45)).isoformat())
    portal.get_by_role("button", name="Submit registration").click()
    expect(flash(portal)).to_contain_text("is submitted for review.")
    registration = Registration.objects.get(customer_name="Nordlys Kommune")
    assert (registration.partner, registration.status) == (partner, "submitted")

    # … the admin approves it from the review queue and records it won.
    console.goto("/console/deals/")
    row = console.locator("tr", has_text="Nordlys Kommune")
    expect(row).to_contain_text("Fjordline Cloud AS")
    row.get_by_role("button", name="Approve").click()
    expect(flash(console)).to_contain_text(f"Approved #{registration.pk} Nordlys Kommune (Fjordline Cloud AS).")
    console.goto(f"/console/deals/{registration.pk}/")
    console.select_option("#id_outcome", "won")
    console.fill("#id_amount", "250000")
    console.select_option("#id_currency", "USD")
    console.get_by_role("button", name="Record outcome").click()
    expect(flash(console)).to_contain_text(f"#{registration.pk} closed as won.")
    expect(flash(console)).not_to_contain_text("nothing was booked")  # the agreement's plan is in force
    registration.refresh_from_db()
    assert (registration.status, registration.won_amount) == ("won", Decimal("250000.00"))

    # 8. The commission is booked, and the partner sees it on its earnings page.
    line = LedgerLine.objects.get(partner=partner)
    assert (line.registration, line.amount, line.currency) == (registration, Decimal("50000.00"), "USD")
    portal.goto("/portal/earnings/")
    earnings = portal.locator("main")
    expect(earnings.locator("tr", has_text="250,000.00 × 20% (band 100,000–500,000) = 50,000.00 USD")
           ).to_contain_text("Pending (holding period)")
    expect(earnings.locator(".stat", has_text="Pending")).to_contain_text("50,000.00 USD")
    screenshot(portal, "portal-new-partner-earnings")
