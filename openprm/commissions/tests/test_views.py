"""Commission pages: plans and the live preview, the ledger and its actions, refunds, statements, payouts,
and the partner's earnings — each as the people who use it, and as those who must not."""

from datetime import date

import pytest
from django.urls import reverse

from conftest import client_for
from openprm.commissions import services
from openprm.commissions.models import CommissionPlan, LedgerLine, LineStatus, Payout, PayoutStatus, PlanAssignment
from openprm.idempotency.services import issue_form_token
from openprm.lib import clock
from openprm.programs.services import set_fx_rate

from .conftest import SEED_BANDS

OCT = date(2026, 10, 5)


@pytest.fixture
def booked(banked, plan, win):
    """Acme earns 1,000.00 and Globex 10.00 USD (10% revenue share, no holding period), both approved; both
    have payout details."""
    acme, globex = banked
    plan(name="Ten percent", type="revenue_share", rate_percent="10", holding_days=0, assign_to=[acme, globex])
    acme_reg = win(acme, 10000, closed_on=OCT)
    globex_reg = win(globex, 100, closed_on=OCT)
    services.approve_due_lines(today=OCT)
    return {"acme": acme, "globex": globex, "acme_reg": acme_reg, "globex_reg": globex_reg,
            "acme_line": LedgerLine.objects.get(partner=acme), "globex_line": LedgerLine.objects.get(partner=globex)}


def plan_post(**overrides):
    data = {"name": "Seed bands", "type": "tiered", "currency": "USD", "period": "quarter", "basis": "per_deal",
            "influenced_factor_percent": "50", "base": "gross", "holding_days": "30", "sample": "250000",
            "sequence": "80000, 70000, 400000"}
    for i, band in enumerate(SEED_BANDS):
        data[f"band_{i}_from"], data[f"band_{i}_to"], data[f"band_{i}_rate"] = (
            band["from"], band["to"] or "", band["rate_percent"])
    data.update(overrides)
    return data


def test_it_renders_every_console_page_for_finance_and_admin(booked, finance_user, vendor_admin):
    plan = CommissionPlan.objects.get()
    payout = services.create_payout(actor=finance_user, currency="USD", up_to=OCT)
    for user in (finance_user, vendor_admin):
        client = client_for(user)
        for url in (reverse("commissions:console_plans"), reverse("commissions:console_plan_new"),
                    reverse("commissions:console_plan", args=[plan.pk]), reverse("commissions:console_ledger"),
                    reverse("commissions:console_line", args=[booked["acme_line"].pk]),
                    reverse("commissions:console_registration", args=[booked["acme_reg"].pk]),
                    reverse("commissions:console_statements"),
                    reverse("commissions:console_statements") + f"?partner={booked['acme'].pk}&period=2026-Q4",
                    reverse("commissions:console_payouts"), reverse("commissions:console_payout", args=[payout.pk])):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
    ledger = client_for(finance_user).get(reverse("commissions:console_ledger")).content.decode()
    assert "10,000.00 × 10% (plan rate) = 1,000.00 USD" in ledger
    assert "1,010.00 USD" in ledger  # the filtered set's total per currency


def test_it_filters_the_ledger_and_downloads_the_filtered_lines(booked, finance_user):
    client = client_for(finance_user)
    url = reverse("commissions:console_ledger")
    page = client.get(url, {"partner": booked["globex"].pk, "period": "2026-Q4", "currency": "USD"}).content.decode()
    assert "100.00 × 10% (plan rate) = 10.00 USD" in page and "10,000.00 × 10%" not in page
    assert "10,000.00 × 10%" not in client.get(url, {"period": "2026-Q3"}).content.decode()
    assert "not a period" in client.get(url, {"period": "Q9"}, follow=True).content.decode()
    download = client.get(url, {"registration": booked["acme_reg"].pk, "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    rows = download.content.decode().strip().splitlines()
    assert len(rows) == 2 and "1000.00" in rows[1] and "Acme Systems" in rows[1]


def test_channel_managers_see_their_partners_lines_only_and_cannot_change_them(booked, channel_manager):
    client = client_for(channel_manager)
    page = client.get(reverse("commissions:console_ledger")).content.decode()
    assert "10,000.00 × 10%" in page and "100.00 × 10% (plan rate) = 10.00" not in page
    assert client.get(reverse("commissions:console_line", args=[booked["globex_line"].pk])).status_code == 404
    line = booked["acme_line"]
    hold, cancel = (reverse(f"commissions:console_line_{action}", args=[line.pk]) for action in ("hold", "cancel"))
    assert client.post(hold, {"hold-reason": "x"}).status_code == 403
    assert client.post(cancel, {"cancel-reason": "x"}).status_code == 403
    line.refresh_from_db()
    assert line.status == LineStatus.APPROVED
    assert client.get(reverse("commissions:console_plans")).status_code == 403
    assert client.get(reverse("commissions:console_payouts")).status_code == 403
    assert client.post(reverse("commissions:console_registration", args=[booked["acme_reg"].pk]),
                       {"amount": "100", "reason": "x"}).status_code == 403
    assert not LedgerLine.objects.filter(kind="clawback").exists()
    statement = client.get(reverse("commissions:console_statements"),
                           {"partner": booked["globex"].pk, "period": "2026-Q4"})
    assert "10.00 USD" not in statement.content.decode()  # Globex is not among the partners offered


def test_partners_and_anonymous_get_no_console_page(booked, acme_admin, anon):
    assert client_for(acme_admin).get(reverse("commissions:console_ledger")).status_code == 403
    response = anon.get(reverse("commissions:console_ledger"))
    assert response.status_code == 302 and "login" in response["Location"]
    response = anon.get(reverse("commissions:portal_earnings"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_hold_needs_a_reason_then_holds_and_releases(booked, finance_user):
    client = client_for(finance_user)
    line = booked["acme_line"]
    response = client.post(reverse("commissions:console_line_hold", args=[line.pk]), {"hold-reason": "  "})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    line.refresh_from_db()
    assert line.status == LineStatus.APPROVED
    response = client.post(reverse("commissions:console_line_hold", args=[line.pk]),
                           {"hold-reason": "Customer dispute"}, follow=True)
    line.refresh_from_db()
    assert line.status == LineStatus.ON_HOLD and line.status_reason == "Customer dispute"
    assert "now on hold" in response.content.decode()
    response = client.post(reverse("commissions:console_line_release", args=[line.pk]),
                           {"next": reverse("commissions:console_ledger")})
    assert response["Location"] == reverse("commissions:console_ledger")  # the ledger's inline Release button
    line.refresh_from_db()
    assert line.status == LineStatus.APPROVED
    response = client.post(reverse("commissions:console_line_release", args=[line.pk]), follow=True)
    assert "Only lines on hold can be released." in response.content.decode()
    client.post(reverse("commissions:console_line_cancel", args=[line.pk]), {"cancel-reason": "Duplicate"})
    line.refresh_from_db()
    assert line.status == LineStatus.CANCELED and line.status_reason == "Duplicate"


def test_plan_editor_creates_plans_and_bad_bands_write_nothing(finance_user, acme):
    client = client_for(finance_user)
    url = reverse("commissions:console_plan_new")
    bad = client.post(url, plan_post(band_1_from="120000"))
    assert bad.status_code == 200
    assert "Bands must be contiguous" in bad.content.decode()
    no_rate = client.post(url, plan_post(band_2_rate=""))
    assert no_rate.status_code == 200 and "give its lower bound and its rate" in no_rate.content.decode()
    share = client.post(url, plan_post(name="Share", type="revenue_share"))
    assert "A revenue-share plan needs its rate." in share.content.decode()
    assert not CommissionPlan.objects.exists()

    response = client.post(url, plan_post(basis="period_volume", retroactive="on"))
    plan = CommissionPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("commissions:console_plan", args=[plan.pk])
    assert plan.type == "tiered" and plan.retroactive and plan.basis == "period_volume"
    assert plan.bands[1] == {"from": "100000", "to": "500000", "rate_percent": "20"}
    assert client.post(url, plan_post(basis="period_volume")).status_code == 200  # the name is taken
    assert CommissionPlan.objects.count() == 1

    assign = reverse("commissions:console_plan", args=[plan.pk])
    response = client.post(assign, {"partner": acme.pk, "starts_on": "2026-01-01"})
    assert response.status_code == 302
    assert PlanAssignment.objects.get(partner=acme).plan == plan
    overlap = client.post(assign, {"partner": acme.pk, "starts_on": "2026-06-01"})
    assert overlap.status_code == 200 and "Overlaps" in overlap.content.decode()
    assert PlanAssignment.objects.count() == 1


def test_plan_editor_handles_every_type(finance_user):
    from openprm.programs.models import Tier

    client = client_for(finance_user)
    url = reverse("commissions:console_plan_new")
    tier = Tier.objects.order_by("rank").first()
    assert client.post(url, plan_post(name="Fee", type="project_fee", fee="5000")).status_code == 302
    if tier is not None:
        response = client.post(url, plan_post(name="Tiers", type="tier_based", **{f"tier_{tier.code}": "12.5"}))
        assert response.status_code == 302
        assert CommissionPlan.objects.get(name="Tiers").tier_rates == {tier.code: "12.5"}
    assert client.post(url, plan_post(name="Share", type="revenue_share", rate_percent="7")).status_code == 302
    assert CommissionPlan.objects.get(name="Share").bands == []


def test_preview_computes_the_sample_deal_and_writes_nothing(booked, finance_user):
    client = client_for(finance_user)
    plans, lines = CommissionPlan.objects.count(), LedgerLine.objects.count()
    url = reverse("commissions:console_plan_preview")
    per_deal = client.post(url, plan_post(), HTTP_HX_REQUEST="true").content.decode()
    assert "A 250,000.00 USD deal earns 50,000.00 USD" in per_deal
    assert "250,000.00 × 20% (band 100,000–500,000)" in per_deal
    assert "As influenced credit: 25,000.00 USD" in per_deal

    volume = client.post(url, plan_post(basis="period_volume", retroactive="on")).content.decode()
    # The seed example: marginal 12,000 / 13,000 / 82,500; retroactive 12,000 / 14,000 + 4,000 / 100,000 + 7,500.
    for amount in ("12,000.00 USD", "13,000.00 USD", "82,500.00 USD", "14,000.00 USD", "4,000.00 USD",
                   "100,000.00 USD", "7,500.00 USD", "107,500.00 USD", "137,500.00 USD"):
        assert amount in volume
    assert "earns 137,500.00 USD (retroactive)" in volume

    share = client.post(url, plan_post(type="revenue_share", rate_percent="12", sample="1000")).content.decode()
    assert "A 1,000.00 USD deal earns 120.00 USD" in share
    fee = client.post(url, plan_post(type="project_fee", fee="5000")).content.decode()
    assert "Each won project deal earns 5,000.00 USD" in fee
    gap = client.post(url, plan_post(band_1_from="120000")).content.decode()
    assert "Bands must be contiguous" in gap
    assert (CommissionPlan.objects.count(), LedgerLine.objects.count()) == (plans, lines)


def test_refund_form_adds_clawback_lines(booked, finance_user):
    client = client_for(finance_user)
    url = reverse("commissions:console_registration", args=[booked["acme_reg"].pk])
    missing = client.post(url, {"form_token": issue_form_token(), "amount": "2500", "reason": ""})
    assert missing.status_code == 200 and not LedgerLine.objects.filter(kind="clawback").exists()
    too_much = client.post(url, {"form_token": issue_form_token(), "amount": "20000", "reason": "Returned"})
    assert too_much.status_code == 200 and "unrefunded" in too_much.content.decode()
    response = client.post(url, {"form_token": issue_form_token(),
                                 "amount": "2500", "reason": "Returned hardware"}, follow=True)
    page = response.content.decode()
    clawback = LedgerLine.objects.get(kind="clawback")
    assert clawback.amount == -250 and clawback.partner == booked["acme"]
    assert "clawed back -250.00 USD" in page and "Reason: Returned hardware" in page
    assert "750.00 USD" in page  # the deal's net commission after the clawback


def test_payout_batch_flow_from_the_pages(booked, finance_user, vendor_admin):
    client = client_for(finance_user)
    url = reverse("commissions:console_payouts")
    # EUR has no FX rate, so the minimum payout (USD) cannot be converted: a field error, no batch.
    no_rate = client.post(url, {"form_token": issue_form_token(), "currency": "EUR", "up_to": "2026-12-31"})
    assert no_rate.status_code == 200 and "No FX rate for EUR" in no_rate.content.decode()
    set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=clock.today(), rate="1.1")
    nothing = client.post(url, {"form_token": issue_form_token(), "currency": "EUR", "up_to": "2026-12-31"},
                          follow=True)
    # A refusal naming no field is flashed on the payouts page (lib.pages.page_action).
    assert nothing.redirect_chain == [(url, 302)] and "No partner has at least" in nothing.content.decode()
    assert not Payout.objects.exists()

    response = client.post(url, {"form_token": issue_form_token(),
                                 "currency": "USD", "up_to": "2026-12-31"}, follow=True)
    payout = Payout.objects.get()
    page = response.content.decode()
    assert "Carried forward under the minimum: Globex GmbH (10.00 USD)" in page
    assert payout.total == 1000 and list(payout.items.values_list("partner_id", flat=True)) == [booked["acme"].pk]

    export = client.post(reverse("commissions:console_payout_export", args=[payout.pk]), follow=True)
    assert "Approve the batch before exporting it." in export.content.decode()
    client_for(vendor_admin).post(reverse("commissions:console_payout_approve", args=[payout.pk]))  # four-eyes
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED
    export = client.post(reverse("commissions:console_payout_export", args=[payout.pk]))
    assert export["Content-Type"] == "text/csv; charset=utf-8" and "Acme Systems" in export.content.decode()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.EXPORTED
    no_ref = client.post(reverse("commissions:console_payout_paid", args=[payout.pk]),
                         {"form_token": issue_form_token(), "reference": ""}, follow=True)
    assert "Give the payment reference." in no_ref.content.decode()
    client.post(reverse("commissions:console_payout_paid", args=[payout.pk]), {"form_token": issue_form_token(),
                                                                       "reference": "BANK-42"})
    payout.refresh_from_db()
    booked["acme_line"].refresh_from_db()
    assert payout.status == PayoutStatus.PAID and payout.reference == "BANK-42"
    assert booked["acme_line"].status == LineStatus.PAID
    detail = client.get(reverse("commissions:console_payout", args=[payout.pk])).content.decode()
    assert "BANK-42" in detail and "1,000.00 USD" in detail


def test_partner_earnings_show_only_their_own_lines(booked, acme_admin, acme_rep, globex_admin):
    page = client_for(acme_admin).get(reverse("commissions:portal_earnings")).content.decode()
    assert "10,000.00 × 10% (plan rate) = 1,000.00 USD" in page
    assert "100.00 × 10% (plan rate)" not in page
    assert "1,000.00 USD" in page and "Approved" in page
    globex = client_for(globex_admin).get(reverse("commissions:portal_earnings")).content.decode()
    assert "10.00 USD" in globex and "10,000.00" not in globex
    filtered = client_for(acme_rep).get(reverse("commissions:portal_earnings"), {"status": "pending"}).content.decode()
    assert "10,000.00 × 10%" not in filtered
    other = client_for(acme_admin).get(reverse("commissions:portal_earnings"), {"partner": booked["globex"].pk})
    assert other.status_code == 404


def test_partner_statements_are_their_own(booked, acme_admin, vendor_admin):
    client = client_for(acme_admin)
    page = client.get(reverse("commissions:portal_statements"), {"period": "2026-Q4"}).content.decode()
    assert "1,000.00 USD" in page and "Closing balance" in page and "100.00 × 10%" not in page
    assert client.get(reverse("commissions:portal_statements")).status_code == 200
    bad = client.get(reverse("commissions:portal_statements"), {"period": "2026-Q9"}).content.decode()
    assert "not a period" in bad
    assert client.get(reverse("commissions:portal_statements"),
                      {"period": "2026-Q4", "partner": booked["globex"].pk}).status_code == 404
    download = reverse("commissions:portal_statement_download", args=["csv"])
    assert client.get(download, {"period": "2026-Q4", "partner": booked["globex"].pk}).status_code == 404
    assert client.get(download, {"period": "2026-Q4"}).status_code == 200
    assert client_for(vendor_admin).get(reverse("commissions:portal_earnings")).status_code == 403


def test_a_co_sellers_manager_sees_its_line_but_no_link_to_the_other_partners_deal(active, plan, win, other_manager):
    """Globex co-sells Acme's deal: Globex's manager sees Globex's line; the deal is Acme's, so no dead link."""
    acme, globex = active
    plan(name="Ten percent", type="revenue_share", rate_percent="10", assign_to=[acme, globex])
    reg = win(acme, 10000, closed_on=OCT, participants=[
        {"partner": acme.pk, "role": "sourced", "split_percent": "60"},
        {"partner": globex.pk, "role": "sourced", "split_percent": "40"}])
    line = LedgerLine.objects.get(partner=globex)
    client = client_for(other_manager)
    deal_url = reverse("commissions:console_registration", args=[reg.pk])
    assert client.get(deal_url).status_code == 404
    for url in (reverse("commissions:console_ledger"), reverse("commissions:console_line", args=[line.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert f"#{reg.pk}" in page.content.decode() and deal_url not in page.content.decode()
    assert deal_url in client_for(acme.manager).get(reverse("commissions:console_ledger")).content.decode()


# ---------------------------------------------------------------- ledger bulk actions (issue 10, item 13)

def test_bulk_hold_and_release_run_each_line_through_the_service(booked, finance_user, channel_manager):
    from openprm.audit.models import AuditEvent

    acme_line, globex_line = booked["acme_line"], booked["globex_line"]
    client = client_for(finance_user)
    ledger = client.get(reverse("commissions:console_ledger")).content.decode()
    assert 'data-select-all="bulk-ledger"' in ledger
    url = reverse("commissions:console_line_bulk")
    refused = client.post(url, {"action": "hold", "reason": "", "ids": [acme_line.pk]}, follow=True)
    assert "Give the reason for holding the selected lines." in refused.content.decode()
    acme_line.refresh_from_db()
    assert acme_line.status == LineStatus.APPROVED
    page = client.post(url, {"action": "hold", "reason": "Audit", "ids": [acme_line.pk, globex_line.pk]},
                       follow=True).content.decode()
    assert "Put on hold: 2 lines." in page
    assert set(LedgerLine.objects.values_list("status", flat=True)) == {LineStatus.ON_HOLD}
    assert AuditEvent.objects.filter(verb="ledger_line.on_hold").count() == 2
    services.release_line(actor=finance_user, line=globex_line)
    page = client.post(url, {"action": "release", "ids": [acme_line.pk, globex_line.pk]},
                       follow=True).content.decode()
    assert "Released: 1 line." in page
    assert f"1 not done: Line #{globex_line.pk}: Only lines on hold can be released." in page
    acme_line.refresh_from_db()
    assert acme_line.status == LineStatus.APPROVED
    # Channel managers read the ledger but hold nothing, in bulk or not.
    assert client_for(channel_manager).post(url, {"action": "release", "ids": [acme_line.pk]}).status_code == 403


def test_plan_editor_shows_and_keeps_only_the_chosen_types_fields(finance_user):
    """Issue 10, item 12: sections are marked with their plan types (app.js hides the others), and the server
    ignores another type's fields — a half-filled band or a bad fee left in a hidden section blocks nothing."""
    client = client_for(finance_user)
    url = reverse("commissions:console_plan_new")
    page = client.get(url).content.decode()
    assert 'data-plan-types="tiered"' in page and 'data-plan-types="tier_based"' in page
    assert 'data-plan-types="revenue_share"' in page and 'data-plan-types="project_fee"' in page
    response = client.post(url, plan_post(name="Share", type="revenue_share", rate_percent="12", fee="-5",
                                          band_1_from="120000", band_2_rate="", retroactive="on",
                                          basis="period_volume"))
    assert response.status_code == 302, response.content.decode()
    plan = CommissionPlan.objects.get(name="Share")
    assert (plan.type, plan.rate_percent, plan.fee, plan.bands, plan.retroactive) == (
        "revenue_share", 12, None, [], False)


def test_plan_editor_picks_override_products_and_families_from_the_catalog(finance_user, vendor_admin):
    from openprm.programs import services as programs_services

    programs_services.save_product(actor=vendor_admin, data={"name": "Edge Firewall", "family": "Security"})
    client = client_for(finance_user)
    url = reverse("commissions:console_plan_new")
    page = client.get(url).content.decode()
    assert 'hx-get="/console/program/products/pick/?field=override_0_product"' in page
    assert 'hx-get="/console/program/products/pick/?kind=family&amp;field=override_0_family"' in page
    refused = client.post(url, plan_post(name="Share", type="revenue_share", rate_percent="10",
                                         override_0_product="Toaster", override_0_rate="20"))
    assert refused.status_code == 200
    assert "Toaster is not an offered product of the catalog." in refused.content.decode()
    both = client.post(url, plan_post(name="Share", type="revenue_share", rate_percent="10",
                                      override_0_product="Edge Firewall", override_0_family="Security",
                                      override_0_rate="20"))
    assert "pick a product or a family (not both)" in both.content.decode()
    assert not CommissionPlan.objects.exists()
    client.post(url, plan_post(name="Share", type="revenue_share", rate_percent="10", override_0_family="Security",
                               override_0_rate="14", override_1_product="Edge Firewall", override_1_rate="16"))
    plan = CommissionPlan.objects.get()
    assert sorted(plan.overrides.values_list("product", "family", "rate_percent")) == [
        ("", "Security", 14), ("Edge Firewall", "", 16)]
