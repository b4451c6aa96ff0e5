"""Every plan type with exact amounts worked by hand."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from openprm.commissions import services
from openprm.commissions.exceptions import Conflict, InvalidLineTransition, NotAllowed, ValidationFailed
from openprm.commissions.models import LedgerLine, ProductFamily, RateOverride, Spiff
from openprm.lib import clock
from openprm.programs import services as programs

from .conftest import SEED_BANDS, D

Q4 = date(2026, 10, 1)


def lines_of(reg, partner=None):
    lines = LedgerLine.objects.filter(registration=reg).order_by("id")
    return [(line.kind, line.amount) for line in (lines.filter(partner=partner) if partner else lines)]


def test_revenue_share_with_a_co_sell_split_explains_itself(active, plan, win):
    acme, globex = active
    plan(type="revenue_share", rate_percent="20", assign_to=[acme, globex])
    reg = win(acme, 250000, participants=[{"partner": acme.pk, "role": "sourced", "split_percent": "60"},
                                          {"partner": globex.pk, "role": "influenced", "split_percent": "40"}])
    assert lines_of(reg, acme) == [("commission", D("30000.00"))]
    # Influenced: 250,000 × 40% × 20% × 50% influenced factor.
    assert lines_of(reg, globex) == [("commission", D("10000.00"))]
    line = LedgerLine.objects.get(registration=reg, partner=acme)
    assert line.explanation == "250,000.00 × 60% split × 20% (plan rate) = 30,000.00 USD"
    assert line.status == "pending" and line.available_on == line.accrued_on + timedelta(days=30)


def test_rounding_is_half_up_once_per_line(active, plan, win):
    acme, _ = active
    plan(type="revenue_share", rate_percent="12.5", assign_to=[acme])
    reg = win(acme, "100.02")  # 12.5025 → 12.50 ; half-up shows on the next one
    other = win(acme, "100.04")  # 12.505 → 12.51
    assert lines_of(reg) == [("commission", D("12.50"))] and lines_of(other) == [("commission", D("12.51"))]


def test_tiered_per_deal_band_boundaries(active, plan, win):
    acme, _ = active
    plan(type="tiered", basis="per_deal", bands=SEED_BANDS, assign_to=[acme])
    assert lines_of(win(acme, "99999.99")) == [("commission", D("15000.00"))]   # 14,999.9985 → 15,000.00
    assert lines_of(win(acme, "100000")) == [("commission", D("20000.00"))]     # the lower bound is in the band
    assert lines_of(win(acme, "500000")) == [("commission", D("125000.00"))]


def test_period_volume_marginal_matches_the_seed(active, plan, win):
    acme, _ = active
    plan(type="tiered", basis="period_volume", period="quarter", bands=SEED_BANDS, assign_to=[acme])
    regs = [win(acme, v, closed_on=Q4 + timedelta(days=i)) for i, v in enumerate([80000, 70000, 400000])]
    assert [lines_of(r) for r in regs] == [[("commission", D(12000))], [("commission", D(13000))],
                                           [("commission", D(82500))]]


def test_period_volume_retroactive_matches_the_seed(active, plan, win):
    acme, _ = active
    plan(type="tiered", basis="period_volume", retroactive=True, period="quarter", bands=SEED_BANDS,
         assign_to=[acme])
    regs = [win(acme, v, closed_on=Q4 + timedelta(days=i)) for i, v in enumerate([80000, 70000, 400000])]
    assert [lines_of(r) for r in regs] == [
        [("commission", D(12000))],
        [("commission", D(14000)), ("adjustment", D(4000))],
        [("commission", D(100000)), ("adjustment", D(7500))]]
    total = sum(line.amount for line in LedgerLine.objects.filter(partner=acme))
    assert total == D(550000) * D("0.25")
    # Another quarter has its own volume.
    assert lines_of(win(acme, 80000, closed_on=date(2026, 7, 5))) == [("commission", D(12000))]


def test_a_late_entry_earlier_in_the_period_is_corrected_not_edited(active, plan, win):
    acme, _ = active
    plan(type="tiered", basis="period_volume", period="quarter", bands=SEED_BANDS, assign_to=[acme])
    later = win(acme, 80000, closed_on=Q4 + timedelta(days=10))
    earlier = win(acme, 70000, closed_on=Q4)  # entered after, but closed before
    # Ordered by close date: 70,000 → 10,500; then 80,000 → 30,000 × 15% + 50,000 × 20% = 14,500.
    assert lines_of(earlier) == [("commission", D(10500))]
    assert lines_of(later) == [("commission", D(12000)), ("adjustment", D(2500))]
    assert "Recalculation" in LedgerLine.objects.get(registration=later, kind="adjustment").explanation


def test_tier_based_uses_the_tier_at_close(active, plan, win, vendor_admin):
    acme, _ = active
    plan(type="tier_based", tier_rates={"gold": "18", "silver": "12", "bronze": "8"}, assign_to=[acme])
    from openprm.partners.models import Partner

    Partner.objects.filter(pk=acme.pk).update(tier="gold")
    acme.refresh_from_db()
    assert lines_of(win(acme, 10000)) == [("commission", D(1800))]


def test_project_fee_is_in_the_plan_currency(active, plan, win, vendor_admin):
    acme, _ = active
    plan(type="project_fee", fee="2500", currency="EUR", assign_to=[acme])
    programs.set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=date(2020, 1, 1), rate="1.1")
    reg = win(acme, 40000)
    line = LedgerLine.objects.get(registration=reg)
    assert (line.amount, line.currency) == (D("2500.00"), "EUR")


def test_product_beats_family_beats_plan(active, plan, win):
    acme, _ = active
    p = plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    RateOverride.objects.create(plan=p, family="Security", rate_percent="14")
    RateOverride.objects.create(plan=p, product="Security Suite", rate_percent="16")
    ProductFamily.objects.create(product="Edge Firewall", family="Security")
    assert lines_of(win(acme, 1000, products=["Security Suite"])) == [("commission", D(160))]
    assert lines_of(win(acme, 1000, products=["Edge Firewall"])) == [("commission", D(140))]
    assert lines_of(win(acme, 1000, products=["Data Platform"])) == [("commission", D(100))]


def test_multi_currency_lines_stay_in_the_deal_currency_and_bands_use_fx(active, plan, win, vendor_admin):
    acme, _ = active
    plan(type="tiered", basis="per_deal", bands=SEED_BANDS, assign_to=[acme])
    programs.set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=date(2026, 1, 1), rate="1.25")
    reg = win(acme, 90000, currency="EUR", closed_on=date(2026, 6, 1))  # 112,500 USD → the 20% band
    line = LedgerLine.objects.get(registration=reg)
    assert (line.amount, line.currency) == (D("18000.00"), "EUR")
    with pytest.raises(Exception, match="No FX rate for GBP"):
        win(acme, 1000, currency="GBP", closed_on=date(2026, 6, 1))


def test_period_volume_in_another_currency_explains_both_conversions(active, plan, win, vendor_admin):
    """Bands count in the plan's USD, the line is paid in the deal's EUR: the explanation shows both steps."""
    acme, _ = active
    plan(type="tiered", basis="period_volume", retroactive=True, period="quarter", bands=SEED_BANDS,
         assign_to=[acme])
    programs.set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=date(2026, 1, 1), rate="1.25")
    reg = win(acme, 90000, currency="EUR", closed_on=date(2026, 5, 4))  # 112,500 USD → the 20% band
    line = LedgerLine.objects.get(registration=reg)
    assert (line.amount, line.currency) == (D("18000.00"), "EUR")
    assert line.explanation == ("90,000.00 EUR = 112,500.00 USD at 1.25: 112,500.00 USD × 20% (band "
                                "100,000–500,000 reached at 112,500.00 USD) = 22,500.00 USD ÷ 1.25 = 18,000.00 EUR")


def test_spiff_adds_an_incentive_line(active, plan, win):
    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    Spiff.objects.create(name="Edge push", products=["Edge Gateway"], starts_on=date(2026, 1, 1),
                         ends_on=date(2026, 12, 31), percent="2")
    reg = win(acme, 50000, products=["Edge Gateway"], closed_on=date(2026, 3, 1))
    assert lines_of(reg) == [("commission", D(5000)), ("spiff", D(1000))]


def test_no_plan_no_lines_and_recalc_is_idempotent(active, plan, win, vendor_admin):
    acme, globex = active
    reg = win(acme, 1000, closed_on=date(2026, 11, 2))
    assert lines_of(reg) == []
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    first = services.recalculate(period="2026-Q4", set_based=False).lines
    assert [(line.kind, line.amount) for line in first] == [("commission", D(100))]
    assert services.recalculate(period="2026-Q4", set_based=False).added == 0
    assert services.recalculate(period="2026-Q4").added == 0


def test_ledger_lines_are_append_only(active, plan, win):
    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    line = LedgerLine.objects.get(registration=win(acme, 1000))
    line.amount = D(1)
    with pytest.raises(PermissionDenied):
        line.save()
    with pytest.raises(PermissionDenied):
        line.save(update_fields=["amount"])
    with pytest.raises(PermissionDenied):
        line.delete()


def test_holding_period_then_approval_job(active, plan, win):
    acme, _ = active
    plan(type="revenue_share", rate_percent="10", holding_days=30, assign_to=[acme])
    reg = win(acme, 1000, closed_on=date(2026, 10, 1))
    assert services.approve_due_lines(today=date(2026, 10, 30)) == 0
    assert services.approve_due_lines(today=date(2026, 10, 31)) == 1
    assert LedgerLine.objects.get(registration=reg).status == "approved"


def test_the_approval_job_works_in_chunks_skips_held_lines_and_audits_each(active, plan, win, finance_user):
    from openprm.audit.models import AuditEvent

    acme, globex = active
    plan(type="revenue_share", rate_percent="10", holding_days=30, assign_to=[acme, globex])
    regs = [win(partner, 1000 + n, closed_on=date(2026, 10, 1)) for n in range(3) for partner in (acme, globex)]
    held = LedgerLine.objects.get(registration=regs[0])
    services.hold_line(actor=finance_user, line=held, reason="Customer disputes the invoice")
    assert services.approve_due_lines(today=date(2026, 10, 31), chunk=2) == 5
    lines = LedgerLine.objects.filter(registration__in=regs)
    assert sorted(lines.values_list("status", flat=True)) == ["approved"] * 5 + ["on_hold"]
    for line in lines.exclude(pk=held.pk):
        event = AuditEvent.objects.for_object(line).get(verb="ledger_line.approved")
        assert event.partner_id == line.partner_id and event.changes == {"status": ["pending", "approved"]}
        assert line.approved_at is not None and line.status_reason == "holding period passed"
    assert not AuditEvent.objects.for_object(held).filter(verb="ledger_line.approved").exists()
    assert services.approve_due_lines(today=date(2026, 11, 30)) == 0


def test_hold_release_cancel_need_finance_and_reasons(active, plan, win, finance_user, channel_manager):
    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    line = LedgerLine.objects.get(registration=win(acme, 1000))
    with pytest.raises(NotAllowed):
        services.hold_line(actor=channel_manager, line=line, reason="x")
    with pytest.raises(ValidationFailed):
        services.hold_line(actor=finance_user, line=line, reason="")
    services.hold_line(actor=finance_user, line=line, reason="Disputed")
    services.release_line(actor=finance_user, line=line)
    services.cancel_line(actor=finance_user, line=line, reason="Duplicate deal")
    with pytest.raises(InvalidLineTransition):
        services.cancel_line(actor=finance_user, line=line, reason="again")
    # A canceled earning is not re-booked by recalculation.
    assert services.recalculate(period=f"{line.accrued_on.year}-Q{(line.accrued_on.month - 1) // 3 + 1}",
                                set_based=False).added == 0


def test_refund_claws_back_the_refunded_share_of_each_partner(active, plan, win, finance_user):
    acme, globex = active
    plan(type="revenue_share", rate_percent="20", assign_to=[acme, globex])
    reg = win(acme, 250000, participants=[{"partner": acme.pk, "role": "sourced", "split_percent": "60"},
                                          {"partner": globex.pk, "role": "sourced", "split_percent": "40"}])
    with pytest.raises(ValidationFailed):
        services.refund(actor=finance_user, registration=reg, amount="300000", reason="too much")
    services.refund(actor=finance_user, registration=reg, amount="50000", reason="Partial return")
    assert lines_of(reg, acme) == [("commission", D(30000)), ("clawback", D(-6000))]
    assert lines_of(reg, globex) == [("commission", D(20000)), ("clawback", D(-4000))]


def test_payouts_net_carry_forward_and_pay_after_refund(banked, plan, win, finance_user, vendor_admin):
    acme, globex = banked
    plan(type="revenue_share", rate_percent="10", holding_days=0, assign_to=[acme, globex])
    big = win(acme, 10000, closed_on=date(2026, 10, 1))
    win(globex, 400, closed_on=date(2026, 10, 1))  # 40 < minimum payout 50: carried forward
    services.approve_due_lines(today=date(2026, 10, 2))
    payout = services.create_payout(actor=finance_user, currency="USD", up_to=date(2026, 10, 31))
    assert [(i.partner_id, i.amount) for i in payout.items.all()] == [(acme.pk, D(1000))]
    with pytest.raises(Conflict):
        services.create_payout(actor=finance_user, currency="USD", up_to=date(2026, 10, 31))
    with pytest.raises(InvalidLineTransition):
        services.mark_paid(actor=finance_user, payout=payout, reference="X")
    services.approve_payout(actor=vendor_admin, payout=payout)
    services.mark_exported(actor=finance_user, payout=payout)
    services.mark_paid(actor=finance_user, payout=payout, reference="BANK-0001")
    assert LedgerLine.objects.get(registration=big).status == "paid"
    # Refund after payout: the clawback is netted against the next payout.
    services.refund(actor=finance_user, registration=big, amount="5000", reason="Returned licences")
    win(acme, 20000, closed_on=date(2026, 10, 3))
    services.approve_due_lines(today=date(2026, 11, 1))
    # The clawback is booked (and approved) today, whatever today is: the next batch runs up to it.
    nxt = services.create_payout(actor=finance_user, currency="USD",
                                 up_to=max(date(2026, 11, 30), timezone.localdate()))
    assert [(i.partner_id, i.amount) for i in nxt.items.all()] == [(acme.pk, D(1500))]  # 2,000 − 500


def test_reward_and_quarterly_bonus(active, plan, win, finance_user):
    from openprm.commissions.models import QuarterlyTarget

    acme, globex = active
    services.award_reward(actor=finance_user, partner=acme, amount="5000", currency="USD", reason="Partner of the year")
    QuarterlyTarget.objects.create(partner=acme, quarter="2026-Q4", target="100000", bonus_percent="1")
    QuarterlyTarget.objects.create(partner=globex, quarter="2026-Q4", target="100000", bonus_amount="3000")
    win(acme, 120000, closed_on=date(2026, 10, 5))
    win(globex, 99999.99, closed_on=date(2026, 10, 5))
    bonuses = services.award_quarterly_bonuses(quarter="2026-Q4")
    assert [(b.partner_id, b.amount) for b in bonuses] == [(acme.pk, D("1200.00"))]
    assert services.award_quarterly_bonuses(quarter="2026-Q4") == []


def test_plans_are_validated(vendor_admin, channel_manager):
    with pytest.raises(NotAllowed):
        services.create_plan(actor=channel_manager, data={"name": "x", "type": "revenue_share", "rate_percent": "5"})
    with pytest.raises(ValidationFailed) as exc:
        services.create_plan(actor=vendor_admin, data={
            "name": "Bad", "type": "tiered", "bands": [{"from": "0", "to": "10", "rate_percent": "5"}],
            "retroactive": True})
    assert {"bands", "retroactive"} <= set(exc.value.errors)
    with pytest.raises(ValidationFailed) as exc:
        services.create_plan(actor=vendor_admin, data={"name": "Bad", "type": "revenue_share", "rate_percent": "150"})
    assert "rate_percent" in exc.value.errors


def test_assignments_do_not_overlap(active, plan, vendor_admin):
    acme, _ = active
    p = plan(type="revenue_share", rate_percent="5", assign_to=[acme], starts_on=date(2026, 1, 1))
    with pytest.raises(Conflict):
        services.assign_plan(actor=vendor_admin, partner=acme, plan=p, starts_on=date(2026, 6, 1))




def test_line_refusals_take_the_article_of_their_status():
    """Issue 10, item 11: "An approved line cannot be put on hold", never "A approved line"."""
    from openprm.commissions.models import LineStatus
    from openprm.commissions.services.ledger import _a_line

    assert _a_line(LedgerLine(status=LineStatus.APPROVED)) == "An approved line"
    assert _a_line(LedgerLine(status=LineStatus.CANCELED)) == "A canceled line"


def test_overrides_are_chosen_from_the_catalog_and_old_free_text_ones_still_apply(active, plan, win, vendor_admin,
                                                                                 finance_user):
    """Issue 10, item 12: a new plan's overrides name catalog products or families; the catalog gives a
    product its family; an override written before the catalog keeps working."""
    from openprm.commissions import services
    from openprm.commissions.exceptions import ValidationFailed
    from openprm.programs import services as programs_services

    acme, _ = active
    programs_services.save_product(actor=vendor_admin, data={"name": "Edge Firewall", "family": "Security"})
    programs_services.save_product(actor=vendor_admin, data={"name": "Data Lake", "family": "Data"})
    base = {"name": "Catalog share", "type": "revenue_share", "rate_percent": "10", "currency": "USD"}
    with pytest.raises(ValidationFailed) as refused:
        services.create_plan(actor=finance_user, data={**base, "overrides": [
            {"product": "Unknown Thing", "rate_percent": "20"}, {"family": "Nope", "rate_percent": "5"},
            {"product": "Data Lake", "family": "Data", "rate_percent": "5"}]})
    assert set(refused.value.errors) == {"overrides.0.product", "overrides.1.family", "overrides.2.product"}
    p = services.create_plan(actor=finance_user, data={**base, "overrides": [
        {"family": "security", "rate_percent": "14"}]})
    assert list(p.overrides.values_list("family", "rate_percent")) == [("Security", D("14"))]
    RateOverride.objects.create(plan=p, product="Legacy Box", rate_percent="30")  # written before the catalog
    services.assign_plan(actor=finance_user, partner=acme, plan=p, starts_on=clock.today() - timedelta(days=365))
    assert lines_of(win(acme, 1000, products=["Edge Firewall"])) == [("commission", D(140))]  # catalog family
    assert lines_of(win(acme, 1000, products=["Legacy Box"])) == [("commission", D(300))]
    assert lines_of(win(acme, 1000, products=["Data Lake"])) == [("commission", D(100))]
