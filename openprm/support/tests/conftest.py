"""Support fixtures: Acme's L1 people, vendor support and engineering, a fixed start moment, ticket helpers."""

from datetime import timedelta

import pytest

from conftest import make_user
from openprm.lib import clock
from openprm.support import services


@pytest.fixture
def t0():
    """A whole minute in the past-relative frame of the run (never a hard-coded date)."""
    return clock.moment().replace(second=0, microsecond=0) - timedelta(days=10)


@pytest.fixture
def acme_support(acme):
    return make_user("lena@acme.test", "partner_support", partner=acme, full_name="Lena Level-One")


@pytest.fixture
def globex_support(globex):
    return make_user("gus@globex.test", "partner_support", partner=globex, full_name="Gus Globex")


@pytest.fixture
def vendor_support(db):
    return make_user("sam@vendor.test", "support", full_name="Sam Support")


@pytest.fixture
def engineer(db):
    return make_user("eve@vendor.test", "engineering", full_name="Eve Engineer")


def ticket_data(**overrides):
    data = {"subject": "Sync fails", "description": "The nightly sync stops with error 42.", "priority": "P2",
            "level": "L1", "product": "Analytics",
            "customer_name": "Carla Customer", "customer_email": "carla@customer.test", "customer_company": "Cust Co"}
    data.update(overrides)
    return data


@pytest.fixture
def l1_ticket(acme, acme_support, t0):
    with clock.pinned(t0):
        return services.open_ticket(actor=acme_support, partner=acme, data=ticket_data())


@pytest.fixture
def l2_ticket(acme, acme_support, t0):
    """Opened at L2 at t0: the vendor's clock starts at t0."""
    with clock.pinned(t0):
        return services.open_ticket(actor=acme_support, partner=acme,
                                    data=ticket_data(level="L2", notes="Restarted the agent; same error."))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments go to a throw-away media root, not the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path
