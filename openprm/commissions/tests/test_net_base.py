"""Net-base plans: a deal earns on its value after the partner discount of the agreement in force at close."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from openprm.agreements import services as agreements
from openprm.commissions.models import LedgerLine

D = Decimal


def sign_agreement(partner, manager, partner_admin, *, discount, starts_on):
    draft = agreements.create_agreement(actor=manager, partner=partner, data={
        "kind": "reseller", "starts_on": starts_on, "ends_on": starts_on + timedelta(days=364),
        "territories": ["US"], "discount_percent": discount})
    agreements.send(actor=manager, agreement=draft)
    return agreements.sign(actor=partner_admin, agreement=draft, signer_name="Alice Acme")


def test_a_net_plan_earns_on_the_value_after_the_agreement_discount(active, plan, win, channel_manager,
                                                                   acme_admin):
    acme, _ = active
    sign_agreement(acme, channel_manager, acme_admin, discount="15", starts_on=timezone.localdate())
    plan(assign_to=[acme], rate_percent="10", base="net")
    reg = win(acme, "100000.00")
    line = LedgerLine.objects.get(registration=reg)
    # 100,000 less 15% = 85,000; 10% of it.
    assert line.amount == D("8500.00") and line.currency == "USD"
    assert line.explanation == "100,000.00 × (100% − 15% discount) × 10% (plan rate) = 8,500.00 USD"


def test_a_gross_plan_ignores_the_discount(active, plan, win, channel_manager, acme_admin):
    acme, _ = active
    sign_agreement(acme, channel_manager, acme_admin, discount="15", starts_on=timezone.localdate())
    plan(assign_to=[acme], rate_percent="10")
    line = LedgerLine.objects.get(registration=win(acme, "100000.00"))
    assert line.amount == D("10000.00") and "discount" not in line.explanation


def test_without_an_agreement_in_force_at_close_the_net_value_is_the_gross(active, plan, win, channel_manager,
                                                                          acme_admin):
    acme, _ = active
    # The agreement starts tomorrow: the deal closed today is not covered by it.
    sign_agreement(acme, channel_manager, acme_admin, discount="15",
                   starts_on=timezone.localdate() + timedelta(days=1))
    plan(assign_to=[acme], rate_percent="10", base="net")
    line = LedgerLine.objects.get(registration=win(acme, "100000.00"))
    assert line.amount == D("10000.00")
    assert line.explanation == "100,000.00 × (100% − 0% discount) × 10% (plan rate) = 10,000.00 USD"


def test_the_discount_applies_before_the_co_sell_split(active, plan, win, channel_manager, acme_admin):
    acme, globex = active
    sign_agreement(acme, channel_manager, acme_admin, discount="20", starts_on=timezone.localdate())
    plan(assign_to=[acme, globex], rate_percent="10", base="net")
    reg = win(acme, "50000.00", participants=[
        {"partner": acme.pk, "role": "sourced", "split_percent": "60"},
        {"partner": globex.pk, "role": "sourced", "split_percent": "40"}])
    acme_line = LedgerLine.objects.get(registration=reg, partner=acme)
    globex_line = LedgerLine.objects.get(registration=reg, partner=globex)
    # Acme: 50,000 × 80% × 60% × 10% = 2,400. Globex has no agreement: 50,000 × 40% × 10% = 2,000.
    assert (acme_line.amount, globex_line.amount) == (D("2400.00"), D("2000.00"))
    assert "(100% − 20% discount) × 60% split" in acme_line.explanation
