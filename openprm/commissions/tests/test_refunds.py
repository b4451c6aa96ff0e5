"""Partial refunds claw back the refunded share of what was earned, never more, to the cent."""

from decimal import Decimal
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openprm.commissions import services
from openprm.commissions.models import LedgerLine, LineKind
from openprm.lib.money import quantize
from openprm.partners import services as partner_services
from openprm.partners.models import Partner, Stage

D = Decimal


def clawbacks(reg):
    return [line.amount for line in LedgerLine.objects.filter(registration=reg, kind=LineKind.CLAWBACK)
            .order_by("id")]


def test_two_partial_refunds_claw_back_exactly_what_was_earned(active, plan, win, finance_user):
    """The attacker's example: 7,832.16 CAD earned; 499.50 then the remaining 28,508.50 refunded. Rounding
    each refund's share on its own clawed back 7,832.17, a cent more than was earned."""
    acme, _ = active
    plan(type="revenue_share", rate_percent="27", currency="CAD", assign_to=[acme])
    reg = win(acme, "29008.00", currency="CAD")
    assert [line.amount for line in LedgerLine.objects.filter(registration=reg)] == [D("7832.16")]

    services.refund(actor=finance_user, registration=reg, amount="499.50", reason="Two seats returned")
    services.refund(actor=finance_user, registration=reg, amount="28508.50", reason="Contract reversed")

    assert clawbacks(reg) == [D("-134.87"), D("-7697.29")]
    assert sum(line.amount for line in LedgerLine.objects.filter(registration=reg)) == 0
    second = LedgerLine.objects.filter(registration=reg, kind=LineKind.CLAWBACK).order_by("id").last()
    assert "134.87 already clawed back" in second.explanation


def test_a_refund_after_a_spiff_claws_back_each_currency_to_the_cent(active, plan, win, finance_user, vendor_admin):
    acme, globex = active
    plan(type="revenue_share", rate_percent="13", assign_to=[acme, globex])
    services.create_spiff(actor=vendor_admin, name="Edge push", products=["Edge"], starts_on="2020-01-01",
                          ends_on="2099-12-31", amount="333.33", currency="EUR")
    reg = win(acme, "1000.01", products=["Edge"],
              participants=[{"partner": acme.pk, "role": "sourced", "split_percent": "33.33"},
                            {"partner": globex.pk, "role": "influenced", "split_percent": "66.67"}])
    for amount in ("0.01", "333.33", "0.03", "666.64"):
        services.refund(actor=finance_user, registration=reg, amount=amount, reason=f"return {amount}")
    for partner in (acme, globex):
        for currency in ("USD", "EUR"):
            lines = LedgerLine.objects.filter(registration=reg, partner=partner, currency=currency)
            assert lines.exists()
            assert sum(line.amount for line in lines) == 0, (partner, currency)


amounts = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=6)
SERIAL = count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=amounts, won=st.integers(min_value=100, max_value=10_000_000), rate=st.integers(1, 99_999),
       refund_all=st.booleans())
def test_partial_refunds_never_claw_back_more_than_earned(plan, win, vendor_admin, finance_user, cents, won, rate,
                                                          refund_all):
    """Any sequence of partial refunds: after each one the total clawed back is the earned amount × the share
    refunded so far, rounded once; it never exceeds what was earned; a full refund claws back all of it."""
    partner = partner_services.create_partner(actor=vendor_admin, data={
        "name": f"Refunded {next(SERIAL)}", "types": ["reseller"], "country": "US"})
    Partner.objects.filter(pk=partner.pk).update(stage=Stage.ACTIVE)
    partner.refresh_from_db()
    plan(type="revenue_share", rate_percent=str(D(rate) / 1000), assign_to=[partner],
         name=f"Refund plan {next(SERIAL)}")
    won_amount = D(won) / 100
    reg = win(partner, str(won_amount))
    earned = sum(line.amount for line in LedgerLine.objects.filter(registration=reg))
    refunded = D(0)
    parts = [D(c) / 100 for c in cents] + ([None] if refund_all else [])
    for number, part in enumerate(parts):
        remaining = won_amount - refunded
        part = remaining if part is None else min(part, remaining)
        if part <= 0:
            break
        services.refund(actor=finance_user, registration=reg, amount=str(part), reason=f"refund #{number}")
        refunded += part
        clawed = -sum(clawbacks(reg), D(0))
        assert clawed == quantize(earned * refunded / won_amount, "USD")
        assert clawed <= earned
    if refunded == won_amount:
        assert -sum(clawbacks(reg), D(0)) == earned
