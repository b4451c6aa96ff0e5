"""Two submissions for the same customer at the same moment give exactly one first registration."""

import pytest

from conftest import race
from openprm.deals import services
from openprm.deals.exceptions import DuplicateRegistration
from openprm.deals.models import Registration, RegistrationStatus

from .conftest import activate, submission


@pytest.mark.django_db(transaction=True)
def test_two_partners_at_once_one_is_first_the_other_in_conflict(acme, globex, acme_admin, globex_admin):
    activate(acme), activate(globex)
    outcomes = race([
        lambda: services.register(actor=acme_admin, partner=acme, data=submission()),
        lambda: services.register(actor=globex_admin, partner=globex, data=submission()),
    ])
    assert all(isinstance(o, Registration) for o in outcomes), outcomes
    statuses = sorted(Registration.objects.values_list("status", flat=True))
    assert statuses == [RegistrationStatus.CONFLICT, RegistrationStatus.SUBMITTED]
    assert Registration.objects.values("customer").distinct().count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_partner_twice_at_once_creates_one(acme, acme_admin, acme_rep):
    activate(acme)
    outcomes = race([
        lambda: services.register(actor=acme_admin, partner=acme, data=submission()),
        lambda: services.register(actor=acme_rep, partner=acme, data=submission()),
    ])
    assert sorted(type(o).__name__ for o in outcomes) == ["DuplicateRegistration", "Registration"]
    assert isinstance([o for o in outcomes if not isinstance(o, Registration)][0], DuplicateRegistration)
    assert Registration.objects.count() == 1
