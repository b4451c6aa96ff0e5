"""Commission fixtures: active partners with users, plans, and a helper that wins a deal on a given date."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openprm.commissions import services
from openprm.deals import services as deals
from openprm.deals.models import Registration
from openprm.lib import clock
from openprm.partners.models import Partner, Stage

SEED_BANDS = [{"from": "0", "to": "100000", "rate_percent": "15"},
              {"from": "100000", "to": "500000", "rate_percent": "20"},
              {"from": "500000", "to": None, "rate_percent": "25"}]


@pytest.fixture
def active(acme, globex):
    Partner.objects.filter(pk__in=[acme.pk, globex.pk]).update(stage=Stage.ACTIVE)
    acme.refresh_from_db(), globex.refresh_from_db()
    return acme, globex


@pytest.fixture
def plan(vendor_admin):
    def make(assign_to=(), starts_on=date(2020, 1, 1), **data):
        data.setdefault("name", f"Plan {data.get('type', 'revenue_share')} {len(assign_to)} {id(data)}")
        data.setdefault("type", "revenue_share")
        made = services.create_plan(actor=vendor_admin, data=data)
        for partner in assign_to:
            services.assign_plan(actor=vendor_admin, partner=partner, plan=made, starts_on=starts_on)
        return made

    return make


@pytest.fixture
def win(vendor_admin):
    """Register for the partner (as the vendor), approve and close won on `closed_on`; returns it fresh."""
    counter = {"n": 0}

    def make(partner, amount, *, closed_on=None, currency="USD", products=(), participants=None):
        counter["n"] += 1
        closed_on = closed_on or clock.today()
        reg = deals.register(actor=vendor_admin, partner=partner, data={
            "customer_name": f"Customer {counter['n']}", "customer_domain": f"customer{counter['n']}.example",
            "customer_country": partner.country, "amount": str(amount), "currency": currency,
            "products": list(products), "expected_close_date": (clock.today() + timedelta(days=30)).isoformat()})
        # Registered the day before it closes, as real deals are (the deal service refuses the reverse); relative
        # to the close date, not to today, so a test's fixed close dates hold on any day the suite runs.
        registered = timezone.make_aware(datetime.combine(closed_on - timedelta(days=1), time(12)))
        Registration.objects.filter(pk=reg.pk).update(submitted_at=min(registered, clock.moment()))
        deals.approve(actor=vendor_admin, registration=reg)
        if participants:
            deals.set_participants(actor=vendor_admin, registration=reg, participants=participants)
        deals.close(actor=vendor_admin, registration=reg, outcome="won", amount=str(amount), currency=currency,
                    closed_on=closed_on)
        reg.refresh_from_db()
        return reg

    return make


def amounts(lines):
    return [(line.kind, line.amount) for line in lines]


D = Decimal


# A valid IBAN (the ISO 13616 example) and the details every payout test gives a partner that gets paid.
IBAN = "DE89370400440532013000"
BANK = {"account_holder": "Acme Systems Inc.", "iban": IBAN, "swift": "COBADEFFXXX", "tax_id": "DE123456789",
        "country": "DE"}


@pytest.fixture
def banked(active, finance_user):
    """The active partners, each with payout details (a batch pays only partners that have them)."""
    for partner in active:
        services.set_payout_details(actor=finance_user, partner=partner, data=BANK)
    return active
