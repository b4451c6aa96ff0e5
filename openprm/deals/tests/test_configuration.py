"""Deal-registration settings: the configuration service and /api/v1/settings/deals."""

import json
from decimal import Decimal

import pytest

from conftest import api_client_for, make_user
from openprm.audit.models import AuditEvent
from openprm.deals import configuration
from openprm.deals.models import DealProgram
from openprm.lib.errors import NotAllowed, ValidationFailed

URL = "/api/v1/settings/deals"


def test_it_changes_the_settings_with_one_audit_event(vendor_admin):
    configuration.update_deal_settings(actor=vendor_admin, data={
        "name_threshold": 80, "match_names": False, "minimum_amount": Decimal("5000"), "minimum_currency": "eur",
        "review_target_hours": 24})
    program = DealProgram.current()
    assert (program.name_threshold, program.match_names, program.minimum_amount, program.minimum_currency,
            program.review_target_hours) == (80, False, Decimal("5000.00"), "EUR", 24)
    event = AuditEvent.objects.get(verb="deal_program.updated")
    assert event.actor == vendor_admin
    assert event.changes["name_threshold"] == [90, 80]
    assert event.changes["minimum_currency"] == ["USD", "EUR"]
    assert "protection_days" not in event.changes


def test_it_records_nothing_when_nothing_changes(vendor_admin):
    configuration.update_deal_settings(actor=vendor_admin, data={"protection_days": 30})
    assert not AuditEvent.objects.filter(verb="deal_program.updated").exists()


@pytest.mark.parametrize("data, field", [
    ({"name_threshold": 40}, "name_threshold"),
    ({"protection_days": 0}, "protection_days"),
    ({"minimum_amount": Decimal("-1")}, "minimum_amount"),
    ({"minimum_currency": "XXX"}, "minimum_currency"),
    ({"colour": "red"}, "colour"),
])
def test_it_refuses_bad_values_and_saves_nothing(vendor_admin, data, field):
    with pytest.raises(ValidationFailed) as refused:
        configuration.update_deal_settings(actor=vendor_admin, data={"review_target_hours": 12, **data})
    assert field in refused.value.errors
    assert DealProgram.current().review_target_hours == 48  # nothing partial: the good value was not kept
    assert not AuditEvent.objects.filter(verb="deal_program.updated").exists()


@pytest.mark.parametrize("role", ["channel_manager", "finance", "marketing", "support"])
def test_only_program_admins_change_them(db, role):
    with pytest.raises(NotAllowed):
        configuration.update_deal_settings(actor=make_user(f"{role}@vendor.test", role), data={"name_threshold": 80})
    assert DealProgram.current().name_threshold == 90


def test_api_reads_and_patches_them(vendor_admin):
    client = api_client_for(vendor_admin)
    assert client.get(URL).json()["name_threshold"] == 90
    response = client.patch(URL, json.dumps({"name_threshold": 75, "minimum_amount": "2500.50"}),
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["name_threshold"] == 75
    assert Decimal(response.json()["minimum_amount"]) == Decimal("2500.50")
    cleared = client.patch(URL, json.dumps({"minimum_amount": None}), content_type="application/json")
    assert cleared.json()["minimum_amount"] is None
    assert AuditEvent.objects.filter(verb="deal_program.updated").count() == 2


@pytest.mark.parametrize("body, field", [
    ({"name_threshold": 101}, "name_threshold"),
    ({"protection_days": None}, "protection_days"),
    ({"minimum_currency": "ZZZ"}, "minimum_currency"),
    ({"unknown": 1}, "unknown"),
])
def test_api_answers_422_with_the_field(vendor_admin, body, field):
    response = api_client_for(vendor_admin).patch(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not AuditEvent.objects.filter(verb="deal_program.updated").exists()


@pytest.mark.parametrize("user", ["channel_manager", "finance_user", "acme_admin", "acme_rep"])
def test_api_refuses_everyone_but_program_admins(request, user):
    client = api_client_for(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403
    response = client.patch(URL, json.dumps({"name_threshold": 70}), content_type="application/json")
    assert response.status_code == 403
    assert DealProgram.current().name_threshold == 90
    assert not AuditEvent.objects.filter(verb="deal_program.updated").exists()


def test_api_refuses_anonymous_callers(anon):
    assert anon.get(URL).status_code == 401
