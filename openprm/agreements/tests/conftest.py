"""Agreement fixtures: a draft for Acme with sensible terms, and helpers to move it along."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openprm.agreements import services


def terms(**overrides):
    today = timezone.localdate()
    data = {"kind": "reseller", "starts_on": today, "ends_on": today + timedelta(days=364), "auto_renew": False,
            "notice_days": 60, "territories": ["US", "europe"], "segments": ["enterprise"],
            "products": ["Analytics"], "discount_percent": "15", "payment_terms_days": 30, "whitelabel": False}
    data.update(overrides)
    return data


@pytest.fixture
def reseller_plan(db):
    """A commission plan for agreements to name (tests build objects of any app)."""
    from openprm.commissions.models import CommissionPlan

    return CommissionPlan.objects.create(name="Reseller revenue share 10%", type="revenue_share", rate_percent=10)


@pytest.fixture
def draft(acme, channel_manager):
    return services.create_agreement(actor=channel_manager, partner=acme, data=terms())


@pytest.fixture
def sent(draft, channel_manager):
    return services.send(actor=channel_manager, agreement=draft)


@pytest.fixture
def active(sent, acme_admin):
    return services.sign(actor=acme_admin, agreement=sent, signer_name="Alice Acme", ip_address="203.0.113.7")
