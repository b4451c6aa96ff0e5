"""The set-based period booking books exactly what the per-registration services path books.

Each test wins deals (the services book their lines on the win), keeps those lines, empties the ledger,
books the period set-based and compares line by line; then checks both paths are idempotent.
"""

from datetime import date
from decimal import Decimal

import pytest

from openprm.commissions import services, setbased
from openprm.commissions.models import LedgerLine
from openprm.partners.models import Partner
from openprm.programs.models import FxRate

from .conftest import SEED_BANDS

JUL = date(2026, 7, 5)
FIELDS = ("source_key", "partner_id", "registration_id", "plan_id", "kind", "amount", "currency", "period",
          "accrued_on", "available_on", "status", "explanation", "rule")


def snapshot():
    return {line["source_key"]: line for line in LedgerLine.objects.order_by("source_key").values(*FIELDS)}


def rebook_set_based(period="2026-Q3"):
    """The lines the services booked, and the lines the set-based path books on an empty ledger."""
    before = snapshot()
    LedgerLine.objects.all()._raw_delete(LedgerLine.objects.db)  # test only: the ledger is append-only
    result = setbased.book_period_set_based(period)
    return before, snapshot(), result


@pytest.fixture
def cosell(active, vendor_admin):
    """Acme sources 60%, Globex influences 40%."""
    acme, globex = active

    def participants():
        return [{"partner": acme.pk, "role": "sourced", "split_percent": "60"},
                {"partner": globex.pk, "role": "influenced", "split_percent": "40"}]

    return participants


def test_revenue_share_lines_match_the_services_line_by_line(active, plan, win, cosell):
    acme, globex = active
    plan(type="revenue_share", rate_percent="12.5", influenced_factor_percent="50", assign_to=[acme, globex])
    win(acme, "250000", closed_on=JUL, participants=cosell())
    win(acme, "1000.05", closed_on=date(2026, 8, 31))  # 125.00625 → 125.01: half-up at the cent
    win(acme, "9999", closed_on=date(2026, 9, 30), currency="JPY")  # 1,249.875 JPY → 1,250: no minor unit
    win(globex, "33.33", closed_on=date(2026, 7, 1))
    win(acme, "500", closed_on=date(2026, 6, 30))  # another period: not booked
    before, after, result = rebook_set_based()
    assert len(after) == 5 and result.set_based == 5 and result.by_type["revenue_share"] == 5
    expected = {k: v for k, v in before.items() if v["period"] == "2026-Q3"}
    assert after == expected
    explanations = sorted(line["explanation"] for line in after.values())
    assert "250,000.00 × 60% split × 12.5% (plan rate) = 18,750.00 USD" in explanations
    assert "250,000.00 × 40% split × 12.5% (plan rate) × 50% influenced = 6,250.00 USD" in explanations
    assert "1,000.05 × 12.5% (plan rate) = 125.01 USD" in explanations
    assert "9,999.00 × 12.5% (plan rate) = 1,250.00 JPY" in explanations
    assert not result.rest


def test_other_per_deal_plan_types_book_the_same_amounts_and_keys(active, plan, win, vendor_admin):
    acme, globex = active
    FxRate.objects.create(currency="EUR", valid_on=date(2026, 6, 1), rate=Decimal("1.10000000"))
    tiered = plan(type="tiered", bands=SEED_BANDS, basis="per_deal", assign_to=[acme])
    win(acme, "90909.10", closed_on=JUL, currency="EUR")  # 100,000.01 USD: the 20% band
    win(acme, "90909.00", closed_on=JUL, currency="EUR")  # 99,999.90 USD: the 15% band
    win(acme, "600000", closed_on=JUL)
    Partner.objects.filter(pk=globex.pk).update(tier="gold")
    services.assign_plan(actor=vendor_admin, partner=globex, starts_on=date(2026, 8, 1),
                         plan=plan(type="project_fee", fee="5000", currency="USD"))
    globex_tiers = plan(type="tier_based", tier_rates={"gold": "17.5", "silver": "10"})
    services.assign_plan(actor=vendor_admin, partner=globex, plan=globex_tiers, starts_on=date(2026, 7, 1),
                         ends_on=date(2026, 7, 31))
    win(globex, "12345.67", closed_on=date(2026, 7, 20))
    win(globex, "10", closed_on=date(2026, 8, 20), currency="EUR")  # project fee, in the plan currency
    before, after, result = rebook_set_based()
    assert {k: (v["amount"], v["currency"], v["status"], v["period"], v["available_on"]) for k, v in after.items()} \
        == {k: (v["amount"], v["currency"], v["status"], v["period"], v["available_on"]) for k, v in before.items()}
    assert result.by_type == {"revenue_share": 0, "tiered": 3, "tier_based": 1, "project_fee": 1}
    for key, line in before.items():  # the explanations come out the same here too
        assert after[key]["explanation"] == line["explanation"], key
        assert after[key]["rule"] == line["rule"], key
    # A deal in another currency says which plan-currency value picked its band.
    assert "90,909.10 × 20% (band 100,000–500,000 at 100,000.01 USD) = 18,181.82 EUR" in {
        line["explanation"] for line in after.values()}
    amounts = sorted(line["amount"] for line in after.values())
    assert amounts == sorted([Decimal("18181.82"), Decimal("13636.35"), Decimal("150000.00"), Decimal("2160.49"),
                              Decimal("5000.00")])
    assert tiered.pk in {line["plan_id"] for line in after.values()}


def test_set_based_booking_is_idempotent_and_leaves_volume_plans_to_the_services(active, plan, win):
    acme, globex = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    plan(type="tiered", bands=SEED_BANDS, basis="period_volume", retroactive=True, assign_to=[globex])
    for amount, day in ((80000, 1), (70000, 2), (400000, 3)):
        win(globex, amount, closed_on=date(2026, 7, day))
    win(acme, 1000, closed_on=JUL)
    before = snapshot()
    LedgerLine.objects.all()._raw_delete(LedgerLine.objects.db)
    result = services.recalculate(period="2026-Q3")
    assert result.set_based == 1 and len(result.rest) == 3 and result.python_lines == 5
    assert snapshot() == before
    again = services.recalculate(period="2026-Q3")
    assert again.added == 0 and snapshot() == before
    assert services.recalculate(period="2026-Q3", set_based=False).added == 0 and snapshot() == before


def test_a_changed_earning_goes_to_the_services_for_its_correction(active, plan, win):
    acme, _ = active
    FxRate.objects.create(currency="EUR", valid_on=date(2026, 6, 1), rate=Decimal("1.10000000"))
    plan(type="tiered", bands=SEED_BANDS, basis="per_deal", assign_to=[acme])
    reg = win(acme, "95000", closed_on=JUL, currency="EUR")  # 104,500 USD: 20%
    assert LedgerLine.objects.get().amount == Decimal("19000.00")
    FxRate.objects.create(currency="EUR", valid_on=JUL, rate=Decimal("1.00000000"))  # now 95,000 USD: 15%
    result = services.recalculate(period="2026-Q3")
    assert result.set_based == 0 and result.rest == [reg.pk]
    correction = LedgerLine.objects.get(source_key__startswith="correction:")
    assert correction.amount == Decimal("-4750.00")
    assert services.recalculate(period="2026-Q3").added == 0


def test_the_recalc_command_uses_the_set_based_path(active, plan, win):
    from io import StringIO

    from django.core.management import call_command

    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    win(acme, 1000, closed_on=JUL)
    LedgerLine.objects.all()._raw_delete(LedgerLine.objects.db)
    out = StringIO()
    call_command("commissions", "recalc", "--period", "2026-Q3", "--no-progress", stdout=out, stderr=StringIO())
    assert "added 1 line: 1 commission" in out.getvalue()
    assert LedgerLine.objects.get().explanation == "1,000.00 × 10% (plan rate) = 100.00 USD"


@pytest.mark.django_db(transaction=True)
def test_a_large_period_is_booked_on_two_connections_the_same_way(active, plan, win, cosell):
    """PostgreSQL splits a large period into registration ranges booked side by side (SQLite: one transaction)."""
    from django.db import connection

    acme, globex = active
    plan(type="revenue_share", rate_percent="12.5", assign_to=[acme, globex])
    win(acme, "250000", closed_on=JUL, participants=cosell())
    for day, amount in enumerate(("1000.05", "33.33", "99999.99", "12"), start=1):
        win(acme if day % 2 else globex, amount, closed_on=date(2026, 8, day))
    before = snapshot()
    LedgerLine.objects.all()._raw_delete(LedgerLine.objects.db)  # test only: the ledger is append-only
    result = setbased.book_period_set_based("2026-Q3", workers=2, parallel_from=0)
    assert result.workers == (2 if connection.vendor == "postgresql" else 1)
    assert result.set_based == 6 and result.registrations == 5 and not result.rest
    assert snapshot() == before
    again = setbased.book_period_set_based("2026-Q3", workers=2, parallel_from=0)
    assert again.set_based == 0 and not again.rest and snapshot() == before
