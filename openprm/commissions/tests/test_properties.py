"""Properties over random deal sequences: the ledger equals the plan's arithmetic, and recalculation
(in any entry order) never changes the totals."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openprm.commissions import calc, services
from openprm.commissions.models import LedgerLine
from openprm.lib.money import quantize
from openprm.partners import services as partner_services
from openprm.partners.models import Partner, Stage

from .conftest import SEED_BANDS

SERIAL = count()
deal_values = st.lists(st.decimals(min_value=Decimal("1000"), max_value=Decimal("400000"), places=2),
                       min_size=1, max_size=6)


@pytest.fixture
def fresh_partner(vendor_admin):
    def make(plan):
        partner = partner_services.create_partner(actor=vendor_admin, data={
            "name": f"Prop {next(SERIAL)}", "types": ["reseller"], "country": "US"})
        Partner.objects.filter(pk=partner.pk).update(stage=Stage.ACTIVE)
        partner.refresh_from_db()
        services.assign_plan(actor=vendor_admin, partner=partner, plan=plan, starts_on=date(2020, 1, 1))
        return partner

    return make


@pytest.mark.parametrize("retroactive", [False, True])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=deal_values, order=st.randoms(use_true_random=False))
def test_ledger_total_is_the_plan_arithmetic_in_any_entry_order(retroactive, values, order, plan, fresh_partner,
                                                                win):
    volume_plan = plan(type="tiered", basis="period_volume", retroactive=retroactive, period="quarter",
                       bands=SEED_BANDS, name=f"Volume {retroactive} {next(SERIAL)}")
    partner = fresh_partner(volume_plan)
    days = [date(2026, 7, 1) + timedelta(days=i) for i in range(len(values))]
    entries = list(zip(days, values, strict=True))
    order.shuffle(entries)  # deals are entered in any order; their close dates decide the period order
    for day, value in entries:
        win(partner, value, closed_on=day)
    canonical = calc.period_volume(list(enumerate(values)), calc.parse_bands(SEED_BANDS), retroactive=retroactive)
    expected = sum(quantize(e.commission, "USD") + quantize(e.adjustment, "USD") for e in canonical)
    booked = sum(line.amount for line in LedgerLine.objects.filter(partner=partner))
    assert booked == expected
    assert services.recalculate(period="2026-Q3", set_based=False).added == 0
    assert sum(line.amount for line in LedgerLine.objects.filter(partner=partner)) == booked
