"""Issue 8 #15: limits on a registration — products, notes, contact e-mail, and how far ahead it may close —
are checked in the service, so the API, the portal form and lead acceptance all refuse alike."""

import json
from datetime import timedelta

import pytest

from conftest import api_client_for, client_for
from openprm.deals import services
from openprm.deals.models import DealProgram, Lead, Registration
from openprm.lib import clock
from openprm.lib.errors import ValidationFailed

from .conftest import submission


def _refusal(actor, partner, **overrides):
    with pytest.raises(ValidationFailed) as caught:
        services.register(actor=actor, partner=partner, data=submission(**overrides))
    assert not Registration.objects.exists()
    return caught.value.errors


def test_fifty_products_of_a_hundred_characters_are_accepted(active_acme, acme_admin):
    products = [f"{i:03d}" + "p" * 97 for i in range(50)]
    reg = services.register(actor=acme_admin, partner=active_acme, data=submission(products=products))
    assert len(reg.products) == 50


def test_more_than_fifty_products_are_refused(active_acme, acme_admin):
    errors = _refusal(acme_admin, active_acme, products=[f"Product {i}" for i in range(51)])
    assert errors["products"] == ["At most 50 products."]


def test_a_product_name_over_a_hundred_characters_is_refused(active_acme, acme_admin):
    errors = _refusal(acme_admin, active_acme, products=["p" * 101])
    assert errors["products"] == ["Each product name has at most 100 characters."]


def test_notes_over_ten_thousand_characters_are_refused(active_acme, acme_admin):
    errors = _refusal(acme_admin, active_acme, notes="n" * 10_001)
    assert errors["notes"]


def test_the_contact_email_is_validated(active_acme, acme_admin):
    errors = _refusal(acme_admin, active_acme, contact_email="not-an-address")
    assert errors["contact_email"] == ["Enter a valid e-mail address."]


def test_a_close_date_beyond_the_horizon_names_the_latest_allowed_date(active_acme, acme_admin):
    latest = clock.today() + timedelta(days=730)
    errors = _refusal(acme_admin, active_acme, expected_close_date=(latest + timedelta(days=1)).isoformat())
    assert errors["expected_close_date"] == [
        f"The expected close date is too far ahead: the latest allowed is {latest.isoformat()}."]
    reg = services.register(actor=acme_admin, partner=active_acme,
                            data=submission(expected_close_date=latest.isoformat()))
    assert reg.expected_close_date == latest


def test_the_horizon_is_a_program_setting(active_acme, acme_admin):
    program = DealProgram.current()
    program.max_close_days = 90
    program.save()
    errors = _refusal(acme_admin, active_acme,
                      expected_close_date=(clock.today() + timedelta(days=91)).isoformat())
    assert "latest allowed is" in errors["expected_close_date"][0]


def test_the_api_refuses_with_field_messages(active_acme, acme_admin):
    client = api_client_for(acme_admin)
    far = (clock.today() + timedelta(days=3650)).isoformat()
    response = client.post("/api/v1/registrations", json.dumps(submission(
        expected_close_date=far, products=["x" * 101], notes="n" * 10_001, contact_email="nope")),
        content_type="application/json")
    assert response.status_code == 422
    assert {"products.0", "notes"} <= set(response.json()["errors"])
    response = client.post("/api/v1/registrations", json.dumps(submission(
        expected_close_date=far, contact_email="nope")), content_type="application/json")
    assert response.status_code == 422
    assert {"expected_close_date", "contact_email"} <= set(response.json()["errors"])
    assert not Registration.objects.exists()


def test_the_portal_form_shows_the_latest_allowed_date(active_acme, acme_admin):
    latest = clock.today() + timedelta(days=730)
    data = submission(expected_close_date=(latest + timedelta(days=30)).isoformat(), products="Analytics")
    response = client_for(acme_admin).post("/portal/deals/new/", data)
    assert response.status_code == 200
    assert f"the latest allowed is {latest.isoformat()}" in response.content.decode()
    assert not Registration.objects.exists()


def test_leads_carry_the_same_product_and_notes_limits(active_acme, vendor_admin):
    client = api_client_for(vendor_admin)
    response = client.post("/api/v1/leads/import", json.dumps({
        "csv": "company_name,country,products\nInitech,US," + ";".join(f"P{i}" for i in range(51)) + "\n"}),
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]["rows.2.products"] == ["At most 50 products."]
    assert not Lead.objects.exists()
