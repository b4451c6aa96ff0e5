"""Issue 8 #9: an unparsable domain (`[x]`, `http://[::1`) is a field message on every route, never a 500.

urlsplit raises a bare ValueError for brackets that are not an IPv6 address; every place a domain is typed
now goes through openprm.lib.text.parse_domain, whose InvalidDomain each caller maps to its own field.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for, client_for
from openprm.deals.models import Lead, Registration
from openprm.deals.tests.conftest import activate
from openprm.lib.text import InvalidDomain, normalize_domain, parse_domain
from openprm.partners.models import Partner, PartnerDomain

BAD_DOMAINS = ["[x]", "http://[::1", "a]b", "http://[1.2.3.4]/"]


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("value", BAD_DOMAINS + ["not a domain", "::1"])
def test_the_one_parser_refuses_unparsable_domains_with_a_value_error(value):
    with pytest.raises(InvalidDomain) as caught:
        parse_domain(value)
    assert isinstance(caught.value, ValueError)
    assert "example.com" in caught.value.message


def test_the_parser_keeps_normalizing_good_domains():
    assert parse_domain("https://www.Acme.com/about") == "acme.com"
    assert parse_domain("") == ""
    assert normalize_domain("sales@Acme.co.uk") == "acme.co.uk"


@pytest.mark.parametrize("value", BAD_DOMAINS)
def test_api_precheck_answers_422_on_the_domain(acme, acme_admin, value):
    response = api_client_for(acme_admin).get("/api/v1/registrations/precheck",
                                              {"customer_name": "Initech", "customer_domain": value,
                                               "customer_country": "US"})
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["customer_domain"]


@pytest.mark.parametrize("value", BAD_DOMAINS)
def test_api_registration_answers_422_on_the_domain(acme, acme_admin, value):
    activate(acme)
    close = (timezone.localdate() + timedelta(days=60)).isoformat()
    response = _post(api_client_for(acme_admin), "/api/v1/registrations", {
        "customer_name": "Initech", "customer_domain": value, "customer_country": "US", "amount": "1000",
        "currency": "USD", "expected_close_date": close})
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["customer_domain"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize("value", BAD_DOMAINS)
def test_api_partner_create_and_patch_answer_422_on_domains(acme, vendor_admin, value):
    client = api_client_for(vendor_admin)
    created = _post(client, "/api/v1/partners", {"name": "Bracket Inc", "types": ["reseller"], "country": "US",
                                                 "domain": value})
    assert created.status_code == 422, created.content
    assert created.json()["errors"]["domain"]
    assert not Partner.objects.filter(name="Bracket Inc").exists()
    for field in ("domain", "brand_domain"):
        patched = _patch(client, f"/api/v1/partners/{acme.pk}", {field: value})
        assert patched.status_code == 422, patched.content
        assert patched.json()["errors"][field]
    acme.refresh_from_db()
    assert acme.domain == "acme.test"


@pytest.mark.parametrize("value", BAD_DOMAINS)
def test_api_leads_and_lead_import_answer_422_on_the_domain(acme, vendor_admin, value):
    client = api_client_for(vendor_admin)
    one = _post(client, "/api/v1/leads", {"company_name": "Initech", "country": "US", "domain": value})
    assert one.status_code == 422, one.content
    assert one.json()["errors"]["domain"]
    csv_text = f"company_name,country,domain\nInitech,US,{value}\n"
    for dry_run in (True, False):
        imported = _post(client, "/api/v1/leads/import", {"csv": csv_text, "dry_run": dry_run})
        assert imported.status_code == 422, imported.content
        assert imported.json()["errors"]["rows.2.domain"]
    assert not Lead.objects.exists()


def test_portal_precheck_says_the_domain_is_not_one(acme, acme_admin):
    response = client_for(acme_admin).get("/portal/deals/precheck/", {"customer_name": "Initech",
                                                                      "customer_domain": "[x]"})
    assert response.status_code == 200
    assert "Enter a domain such as customer.com." in response.content.decode()


def test_portal_domain_form_shows_a_message(acme, acme_admin):
    response = client_for(acme_admin).post("/portal/profile/domains/", {"domain": "[x]"}, follow=True)
    assert response.status_code == 200
    assert "Enter a domain such as example.com." in response.content.decode()
    assert not PartnerDomain.objects.exists()


def test_portal_branding_form_shows_a_message(acme, acme_admin):
    response = client_for(acme_admin).post("/portal/profile/branding/", {
        "brand_name": "Acme", "brand_primary_color": "#112233", "brand_secondary_color": "#445566",
        "support_email": "help@acme.test", "brand_domain": "http://[::1"})
    assert response.status_code == 200
    assert "Enter a domain such as example.com." in response.content.decode()


def test_portal_registration_form_shows_a_message(acme, acme_admin):
    activate(acme)
    close = (timezone.localdate() + timedelta(days=60)).isoformat()
    response = client_for(acme_admin).post("/portal/deals/new/", {
        "customer_name": "Initech", "customer_domain": "[x]", "customer_country": "US", "amount": "1000",
        "currency": "USD", "expected_close_date": close})
    assert response.status_code == 200
    assert "Enter a domain such as customer.com." in response.content.decode()
    assert not Registration.objects.exists()


def test_console_lead_import_check_lists_the_row(acme, vendor_admin):
    response = client_for(vendor_admin).post("/console/leads/import/", {
        "content": "company_name,country,domain\nInitech,US,[x]\n", "filename": "leads.csv", "action": "check"})
    assert response.status_code == 200
    assert "Enter a domain such as customer.com." in response.content.decode()


def test_public_application_with_an_address_literal_is_not_a_500(anon, vendor_admin):
    # Django's e-mail validator accepts `lee@[1.2.3.4]`; its domain part used to crash the domain lookup.
    response = anon.post("/apply/", {
        "company_name": "Literal Ltd", "country": "US", "types": ["reseller"], "contact_name": "Lee",
        "contact_email": "lee@[1.2.3.4]", "description": "We sell.", "accept_terms": "on"})
    assert response.status_code in (200, 302)
