from datetime import timedelta

import pytest

from conftest import api_client_for
from openprm.deals.models import ConflictCase, Registration
from openprm.lib import clock

from .conftest import submission


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def acme_api(active_acme, acme_rep):
    return api_client_for(acme_rep)


def test_it_registers_and_answers_the_contract(acme_api, active_acme):
    response = post(acme_api, "/api/v1/registrations", submission())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["partner"] == active_acme.pk and body["status"] == "submitted"
    assert body["customer"] == {"name": "Initech Inc.", "domain": "initech.example", "country": "US"}
    assert body["amount"] == "250000.00" and body["currency"] == "USD"
    assert body["participants"] == [{"partner": active_acme.pk, "role": "sourced", "split_percent": "100.00"}]
    for key in ("expected_close_date", "submitted_at", "approved_at", "protected_until", "conflict_case",
                "won_amount", "closed_on"):
        assert key in body


def test_the_same_partner_twice_is_409_naming_the_first(acme_api):
    first = post(acme_api, "/api/v1/registrations", submission()).json()
    response = post(acme_api, "/api/v1/registrations", submission(customer_name="Initech"))
    assert response.status_code == 409
    assert response.json()["registration"] == first["id"]


@pytest.mark.parametrize("change, field", [
    ({"amount": "lots"}, "amount"),
    ({"amount": "-1"}, "amount"),
    ({"currency": "DOLLARS"}, "currency"),
    ({"expected_close_date": "tomorrow"}, "expected_close_date"),
    ({"customer_country": "ZZ"}, "customer_country"),
    ({"customer_name": ""}, "customer_name"),
    ({"products": "Analytics"}, "products"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(acme_api, change, field):
    response = post(acme_api, "/api/v1/registrations", submission(**change))
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Registration.objects.exists()


def test_malformed_json_is_400(acme_api):
    response = acme_api.post("/api/v1/registrations", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_review_flow_over_the_api(acme_api, channel_manager, acme_admin):
    reg = post(acme_api, "/api/v1/registrations", submission()).json()
    manager = api_client_for(channel_manager)
    assert post(api_client_for(acme_admin), f"/api/v1/registrations/{reg['id']}/approve", {}).status_code == 403
    approved = post(manager, f"/api/v1/registrations/{reg['id']}/approve", {"note": "ok"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["protected_until"] == (clock.today() + timedelta(days=30)).isoformat()
    assert post(manager, f"/api/v1/registrations/{reg['id']}/approve", {}).status_code == 409
    assert post(acme_api, f"/api/v1/registrations/{reg['id']}/extension", {"reason": "Delay"}).status_code == 200
    extended = post(manager, f"/api/v1/registrations/{reg['id']}/extension/approve", {})
    assert extended.json()["protected_until"] == (clock.today() + timedelta(days=60)).isoformat()
    won = post(manager, f"/api/v1/registrations/{reg['id']}/close",
               {"outcome": "won", "amount": "199999.99", "currency": "USD"})
    assert won.status_code == 200 and won.json()["won_amount"] == "199999.99"


def test_splits_not_summing_to_100_are_422(acme_api, channel_manager, active_acme, active_globex):
    reg = post(acme_api, "/api/v1/registrations", submission()).json()
    response = api_client_for(channel_manager).put(
        f"/api/v1/registrations/{reg['id']}/participants",
        [{"partner": active_acme.pk, "role": "sourced", "split_percent": "50"},
         {"partner": active_globex.pk, "role": "influenced", "split_percent": "49.99"}],
        content_type="application/json")
    assert response.status_code == 422
    assert Registration.objects.get().participants.count() == 1


def test_another_partner_gets_404_and_sees_nothing(acme_api, active_globex, globex_admin):
    reg = post(acme_api, "/api/v1/registrations", submission()).json()
    globex = api_client_for(globex_admin)
    assert globex.get(f"/api/v1/registrations/{reg['id']}").status_code == 404
    assert post(globex, f"/api/v1/registrations/{reg['id']}/extension", {"reason": "x"}).status_code == 404
    listing = globex.get("/api/v1/registrations").json()
    assert listing == {"items": [], "count": 0}


def test_precheck_tells_whether_never_who(acme_api, active_globex, globex_admin):
    post(acme_api, "/api/v1/registrations", submission())
    globex = api_client_for(globex_admin)
    body = globex.get("/api/v1/registrations/precheck",
                      {"customer_name": "Initech", "customer_domain": "initech.example",
                       "customer_country": "US"}).json()
    assert body == {"protected": True}


def test_conflict_is_decided_over_the_api(acme_api, active_globex, globex_admin, vendor_admin):
    first = post(acme_api, "/api/v1/registrations", submission()).json()
    second = post(api_client_for(globex_admin), "/api/v1/registrations", submission()).json()
    assert second["status"] == "conflict"
    case = ConflictCase.objects.get()
    admin = api_client_for(vendor_admin)
    assert api_client_for(globex_admin).get(f"/api/v1/conflicts/{case.pk}").status_code == 403
    assert post(admin, f"/api/v1/conflicts/{case.pk}/advance", {"step": "bogus"}).status_code == 422
    assert post(admin, f"/api/v1/conflicts/{case.pk}/advance", {"step": "mediate", "note": "call"}).status_code == 200
    decided = post(admin, f"/api/v1/conflicts/{case.pk}/decide", {"decision": "award", "registration": first["id"]})
    assert decided.status_code == 200 and decided.json()["step"] == "communicate"
    assert Registration.objects.get(pk=second["id"]).status == "rejected"


def _approved(acme_api, manager):
    reg = post(acme_api, "/api/v1/registrations", submission()).json()
    assert post(manager, f"/api/v1/registrations/{reg['id']}/approve", {}).status_code == 200
    return reg["id"]


def test_closing_won_without_a_plan_in_force_warns_in_the_answer(acme_api, channel_manager, active_acme):
    # Issue 10, item 1: the deal was won, nothing booked, and no one told.
    manager = api_client_for(channel_manager)
    reg_id = _approved(acme_api, manager)
    won = post(manager, f"/api/v1/registrations/{reg_id}/close", {"outcome": "won", "amount": "1000"})
    assert won.status_code == 200
    day = won.json()["closed_on"]
    assert won.json()["warnings"] == [
        f"Acme Systems has no commission plan in force on {day}: nothing was booked."]


def test_closing_won_on_a_plan_or_lost_has_no_warnings(acme_api, channel_manager, active_acme, vendor_admin):
    from openprm.commissions import services as commissions

    plan = commissions.create_plan(actor=vendor_admin, data={"name": "Share", "type": "revenue_share",
                                                             "rate_percent": "10"})
    commissions.assign_plan(actor=vendor_admin, partner=active_acme, plan=plan,
                            starts_on=clock.today() - timedelta(days=400))
    manager = api_client_for(channel_manager)
    won = post(manager, f"/api/v1/registrations/{_approved(acme_api, manager)}/close", {"outcome": "won"})
    assert won.status_code == 200 and won.json()["warnings"] == []
    lost = post(manager, f"/api/v1/registrations/{_approved(acme_api, manager)}/close",
                {"outcome": "lost", "reason": "Budget"})
    assert lost.status_code == 200 and lost.json()["warnings"] == []


def test_the_minimum_deal_value_is_checked_in_another_currency_over_the_api(active_acme, acme_rep, vendor_admin):
    from decimal import Decimal

    from openprm.deals.models import DealProgram
    from openprm.programs.services import set_fx_rate

    DealProgram.objects.filter(pk=1).update(minimum_amount=Decimal("10000"), minimum_currency="USD")
    client = api_client_for(acme_rep)
    missing = post(client, "/api/v1/registrations", submission(amount="5000", currency="EUR"))
    assert missing.status_code == 422 and "No FX rate for EUR" in missing.json()["errors"]["currency"][0]
    set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=clock.today(), rate="1.10")
    small = post(client, "/api/v1/registrations", submission(amount="5000", currency="EUR"))
    assert small.status_code == 422 and "at least 10,000.00 USD" in small.json()["errors"]["amount"][0]
    assert not Registration.objects.exists()
    assert post(client, "/api/v1/registrations", submission(amount="9200", currency="EUR")).status_code == 201
