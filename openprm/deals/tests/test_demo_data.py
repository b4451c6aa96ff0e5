"""The demo deals: every status, live conflicts, co-selling and leads, made through the services."""

import random

import pytest
from django.db import transaction

from conftest import make_user
from openprm.audit.models import AuditEvent
from openprm.deals.demo_data import seed_deals
from openprm.deals.models import ConflictCase, Lead, Participant, Registration, RegistrationStatus
from openprm.partners import services as partners

from .conftest import activate

pytestmark = pytest.mark.django_db

COUNTRIES = [("Contoso Partners", "US"), ("Fabrikam GmbH", "DE"), ("Tailspin Ltd", "GB"),
             ("Wingtip Systems", "IN"), ("Litware KK", "JP"), ("Northwind Ltda", "BR")]


@pytest.fixture
def demo_partners(vendor_admin, channel_manager):
    made = []
    for index, (name, country) in enumerate(COUNTRIES):
        partner = activate(partners.create_partner(actor=vendor_admin, data={
            "name": name, "types": ["reseller"], "country": country, "domain": f"p{index}.test",
            "manager": channel_manager}))
        make_user(f"admin{index}@p{index}.test", "partner_admin", partner=partner)
        if index % 2 == 0:
            make_user(f"sales{index}@p{index}.test", "partner_sales", partner=partner)
        made.append(partner)
    # A partner that is not active yet registers nothing.
    made.append(partners.create_partner(actor=vendor_admin, data={
        "name": "Prospect Co", "types": ["reseller"], "country": "US", "domain": "prospect.test"}))
    return made


def test_seed_deals_covers_every_status_conflicts_and_leads(demo_partners, vendor_admin):
    ticks = []
    counts = seed_deals(rng=random.Random(7), partners=demo_partners, vendor_admin=vendor_admin,
                        progress=ticks.append, target=80)
    statuses = set(Registration.objects.values_list("status", flat=True))
    for status in ("submitted", "conflict", "approved", "rejected", "won", "lost", "expired"):
        assert status in statuses, status
    assert ConflictCase.objects.filter(closed_at__isnull=True, registrations__isnull=False).exists()
    assert Lead.objects.count() >= 10 and len(set(Lead.objects.values_list("status", flat=True))) >= 3
    assert not Registration.objects.filter(partner=demo_partners[-1]).exists()
    assert sum(ticks) >= 60 and counts["won"] == Registration.objects.filter(status="won").count()
    # Splits: some wins are co-sold, and every registration's credit sums to 100.
    assert Participant.objects.filter(role="influenced").exists()
    for reg in Registration.objects.filter(status="won"):
        assert sum(p.split_percent for p in reg.participants.all()) == 100
        assert reg.sales_cycle_days >= 0 and reg.won_currency == reg.currency
    # Overdue reviews and the partners' currencies, as the queue and board show them.
    overdue = [r for r in Registration.objects.filter(status=RegistrationStatus.SUBMITTED) if r.is_review_overdue()]
    assert overdue
    assert {"USD", "EUR", "GBP", "INR", "JPY", "BRL"} <= set(Registration.objects.values_list("currency", flat=True))
    assert AuditEvent.objects.filter(verb="registration.won").exists()  # made through the services


class _Undo(Exception):
    def __init__(self, rows):
        self.rows = rows


def _seeded_rows(partners, vendor_admin, seed):
    """What one seeding run makes, then rolled back so the next run starts from the same database."""
    try:
        with transaction.atomic():
            seed_deals(rng=random.Random(seed), partners=partners, vendor_admin=vendor_admin, target=30)
            raise _Undo(list(Registration.objects.order_by("pk").values_list(
                "partner__name", "customer_name", "customer_domain", "status", "amount", "currency", "closed_on")))
    except _Undo as undo:
        return undo.rows


def test_seed_deals_is_deterministic(demo_partners, vendor_admin):
    first = _seeded_rows(demo_partners, vendor_admin, 3)
    assert len(first) >= 30
    assert _seeded_rows(demo_partners, vendor_admin, 3) == first
    assert _seeded_rows(demo_partners, vendor_admin, 4) != first
    names = {name for _, name, *_ in first}
    assert any(name.endswith("GmbH") for name in names) and any(name.endswith("K.K.") for name in names)
