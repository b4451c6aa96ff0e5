"""Commission settings: the configuration service and /api/v1/settings/commissions."""

import json
from decimal import Decimal

import pytest

from conftest import api_client_for
from openprm.audit.models import AuditEvent
from openprm.commissions import configuration
from openprm.commissions.models import CommissionSettings
from openprm.lib.errors import NotAllowed, ValidationFailed

URL = "/api/v1/settings/commissions"


def test_it_changes_the_minimum_payout_with_an_audit_event(vendor_admin):
    configuration.update_commission_settings(actor=vendor_admin, data={"minimum_payout": Decimal("100")})
    assert CommissionSettings.current().minimum_payout == Decimal("100")
    event = AuditEvent.objects.get(verb="commission_settings.updated")
    assert [Decimal(v) for v in event.changes["minimum_payout"]] == [Decimal("50"), Decimal("100")]


@pytest.mark.parametrize("value", [Decimal("-1"), Decimal("1.234"), Decimal("10000000000")])
def test_it_refuses_bad_amounts(vendor_admin, value):
    with pytest.raises(ValidationFailed) as refused:
        configuration.update_commission_settings(actor=vendor_admin, data={"minimum_payout": value})
    assert "minimum_payout" in refused.value.errors
    assert CommissionSettings.current().minimum_payout == Decimal("50")
    assert not AuditEvent.objects.filter(verb="commission_settings.updated").exists()


def test_only_program_admins_change_it(finance_user):
    with pytest.raises(NotAllowed):
        configuration.update_commission_settings(actor=finance_user, data={"minimum_payout": Decimal("1")})


def test_api_reads_and_patches_it(vendor_admin):
    client = api_client_for(vendor_admin)
    assert Decimal(client.get(URL).json()["minimum_payout"]) == Decimal("50")
    response = client.patch(URL, json.dumps({"minimum_payout": "75.25"}), content_type="application/json")
    assert response.status_code == 200
    assert Decimal(response.json()["minimum_payout"]) == Decimal("75.25")


@pytest.mark.parametrize("body", [{"minimum_payout": "-5"}, {"minimum_payout": None}, {"minimum_payout": "x"},
                                  {"other": 1}])
def test_api_answers_422(vendor_admin, body):
    response = api_client_for(vendor_admin).patch(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize("user", ["channel_manager", "finance_user", "acme_admin"])
def test_api_refuses_everyone_but_program_admins(request, user):
    client = api_client_for(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403
    assert client.patch(URL, json.dumps({"minimum_payout": "1"}), content_type="application/json").status_code == 403
    assert CommissionSettings.current().minimum_payout == Decimal("50")
