"""Fixtures shared by the tests of several apps' pages (the portal home and the partner pages both need them).

The cast itself (users, Acme, Globex) is in the root conftest.py.
"""

import pytest

from openprm.partners import services as partners


@pytest.fixture
def globex_contact(globex, vendor_admin):
    return partners.save_contact(actor=vendor_admin, partner=globex,
                                 data={"name": "Gustav Geheim", "email": "gustav@globex.test"})


@pytest.fixture
def acme_onboarding(acme, channel_manager):
    """Acme in onboarding with its default checklist (from the seeded template)."""
    partners.change_stage(actor=channel_manager, partner=acme, stage="qualification")
    partners.change_stage(actor=channel_manager, partner=acme, stage="negotiation")
    partners.change_stage(actor=channel_manager, partner=acme, stage="onboarding")
    acme.refresh_from_db()
    return acme


def activate_partner(partner, manager):
    """Walk the partner through the stages to Active, as the channel team would."""
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=manager, partner=partner, stage=stage)
    partner.refresh_from_db()
    return partner
