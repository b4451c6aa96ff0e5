"""Issue 8 #11: integers beyond what the database compares (SQLite: 64 bits) in filters are an empty result
or a 4xx, never an OverflowError. One helper (openprm.lib.params) reads them for every page and endpoint."""

import pytest

from conftest import api_client_for, client_for
from openprm.lib.params import DB_INT_MAX, int_list_param, int_param

BIG = "99999999999999999999999"

CONSOLE_URLS = [
    "/console/partners/?manager={n}", "/console/partners/?partner={n}", "/console/board/?manager={n}",
    "/console/people/?partner={n}", "/console/audit/?partner={n}", "/console/deals/?partner={n}",
    "/console/deals/board/?partner={n}", "/console/agreements/?partner={n}", "/console/agreements/?expiring={n}",
    "/console/commissions/ledger/?partner={n}", "/console/commissions/ledger/?registration={n}",
    "/console/leads/?partner={n}", "/console/agreements/new/?partner={n}",
]

API_URLS = [
    "/api/v1/partners?manager={n}", "/api/v1/users?partner={n}", "/api/v1/invitations?partner={n}",
    "/api/v1/audit-events?partner={n}", "/api/v1/audit-events?actor={n}", "/api/v1/registrations?partner={n}",
    "/api/v1/commissions?partner={n}", "/api/v1/commissions?registration={n}", "/api/v1/agreements?partner={n}",
    "/api/v1/agreements?expiring_within_days={n}", "/api/v1/quarterly-targets?partner={n}",
]


def test_int_param_keeps_the_database_range():
    assert int_param(" 42 ") == 42
    assert int_param(str(DB_INT_MAX)) == DB_INT_MAX
    assert int_param(str(DB_INT_MAX + 1)) is None
    assert int_param(BIG) is None
    assert int_param("-" + BIG) is None
    assert int_param("x") is None
    assert int_param(None) is None
    assert int_list_param(["1", BIG, "x", "3"]) == [1, 3]


@pytest.mark.parametrize("url", CONSOLE_URLS)
def test_console_filters_with_huge_numbers_show_the_page(acme, vendor_admin, url):
    response = client_for(vendor_admin).get(url.format(n=BIG))
    assert response.status_code == 200, url


@pytest.mark.parametrize("url", API_URLS)
def test_api_filters_with_huge_numbers_are_a_422_naming_the_parameter(acme, vendor_admin, url):
    response = api_client_for(vendor_admin).get(url.format(n=BIG))
    assert response.status_code == 422, (url, response.content)
    name = url.split("?")[1].split("=")[0]
    assert name in response.json()["errors"]


def test_api_filters_in_range_still_filter(acme, vendor_admin):
    client = api_client_for(vendor_admin)
    assert client.get(f"/api/v1/partners?manager={DB_INT_MAX}").json()["count"] == 0
    assert client.get(f"/api/v1/partners?manager={acme.manager_id}").json()["count"] == 1
