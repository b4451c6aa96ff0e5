"""Deal-registration fixtures: Acme and Globex active, a helper that registers with sensible defaults."""

from datetime import timedelta

import pytest

from openprm.deals import services
from openprm.lib import clock
from openprm.partners.models import Partner, Stage


def activate(partner):
    # Tests start partners in the stage they need; the stage machine itself is tested in partners.
    Partner.objects.filter(pk=partner.pk).update(stage=Stage.ACTIVE)
    partner.refresh_from_db()
    return partner


@pytest.fixture
def active_acme(acme):
    return activate(acme)


@pytest.fixture
def active_globex(globex):
    return activate(globex)


def submission(**overrides):
    data = {
        "customer_name": "Initech Inc.", "customer_domain": "https://www.initech.example/about",
        "customer_country": "US", "products": ["Analytics"], "amount": "250000.00", "currency": "USD",
        "expected_close_date": (clock.today() + timedelta(days=60)).isoformat(), "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def register():
    def _register(actor, partner, **overrides):
        return services.register(actor=actor, partner=partner, data=submission(**overrides))

    return _register
