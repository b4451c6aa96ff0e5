"""Every Decimal in every API answer is a plain decimal string: "50" or "50.00", never "5E+1" or "0E-7".

The GET operations are read from the mounted API itself, so an endpoint added later is walked too.
"""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import api_client_for
from openprm.api.api import api
from openprm.api.renderers import PlainDecimalEncoder
from openprm.commissions import services as commissions
from openprm.deals import services as deals
from openprm.lib import clock
from openprm.lib.money import plain_decimal
from openprm.partners.models import Partner, Stage

# A number written with an exponent: 5E+1, 1.5e-7, 0E-7.
EXPONENT = re.compile(r"^[-+]?\d+(\.\d+)?[eE][-+]?\d+$")


def _get_paths() -> list[str]:
    paths = set()
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            if any("GET" in operation.methods for operation in path_view.operations):
                paths.add(path)
    return sorted(paths)


def _exponents(value, where="") -> list[str]:
    """Every string or number inside a decoded JSON answer that is written with an exponent."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _exponents(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _exponents(v, f"{where}[{i}]")]
    if isinstance(value, str) and EXPONENT.match(value.strip()):
        return [f"{where} = {value!r}"]
    return []


@pytest.mark.parametrize(("value", "trim", "text"), [
    (Decimal("50.00"), True, "50"), (Decimal("50.00"), False, "50.00"), (Decimal("5E+1"), False, "50"),
    (Decimal("0E-7"), False, "0.0000000"), (Decimal("0E-7"), True, "0"), (Decimal("12.50"), True, "12.5"),
    (Decimal("1E+6"), True, "1000000"), (Decimal("-0.000001"), True, "-0.000001"),
])
def test_it_writes_a_decimal_plainly(value, trim, text):
    assert plain_decimal(value, trim=trim) == text


def test_it_encodes_every_decimal_in_an_api_answer_plainly():
    body = json.dumps({"a": Decimal("5E+1"), "b": [Decimal("0E-7")], "c": Decimal("12.50")}, cls=PlainDecimalEncoder)
    assert json.loads(body) == {"a": "50", "b": ["0.0000000"], "c": "12.50"}


@pytest.fixture
def data(vendor_admin, acme, globex):
    """Commission plans, a SPIFF, a target and a won deal, with round percentages that `normalize()` would
    have written as exponents (50 → 5E+1, 100 → 1E+2)."""
    Partner.objects.filter(pk__in=[acme.pk, globex.pk]).update(stage=Stage.ACTIVE)
    acme.refresh_from_db()
    today = clock.today()
    plan = commissions.create_plan(actor=vendor_admin, data={
        "name": "Round numbers", "type": "revenue_share", "rate_percent": "10", "influenced_factor_percent": "50"})
    commissions.assign_plan(actor=vendor_admin, partner=acme, plan=plan, starts_on=today - timedelta(days=400))
    commissions.create_spiff(actor=vendor_admin, name="Push", products=["Widget"], starts_on=today,
                             ends_on=today + timedelta(days=30), percent="100")
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    commissions.set_quarterly_target(actor=vendor_admin, partner=acme, quarter=quarter, target="1000",
                                     bonus_percent="20")
    reg = deals.register(actor=vendor_admin, partner=acme, data={
        "customer_name": "Round Co", "customer_domain": "round.example", "customer_country": "US",
        "amount": "100000", "currency": "USD", "products": ["Widget"],
        "expected_close_date": (today + timedelta(days=30)).isoformat()})
    deals.approve(actor=vendor_admin, registration=reg)
    deals.close(actor=vendor_admin, registration=reg, outcome="won", amount="100000", currency="USD",
                closed_on=today)
    return plan


def test_influenced_factor_reads_as_a_plain_number(data, vendor_admin):
    answer = api_client_for(vendor_admin).get(f"/api/v1/commission-plans/{data.pk}")
    assert answer.status_code == 200
    assert answer.json()["influenced_factor_percent"] in ("50", "50.00")
    assert answer.json()["rate_percent"] in ("10", "10.00")


def test_no_get_endpoint_answers_a_number_with_an_exponent(data, vendor_admin, acme):
    """Every GET operation, with its path's ids taken from the data, as a vendor admin."""
    client = api_client_for(vendor_admin)
    ids = {}
    for name, listing in (("plan_id", "/commission-plans"), ("registration_id", "/registrations"),
                          ("agreement_id", "/agreements"), ("template_id", "/agreement-templates"),
                          ("lead_id", "/leads"), ("user_id", "/users")):
        answer = client.get(f"/api/v1{listing}").json()
        items = answer.get("items", []) if isinstance(answer, dict) else answer
        if items:
            ids[name] = items[0]["id"]
    ids["partner_id"] = acme.pk
    today = clock.today()
    # Query parameters an operation requires before it answers anything.
    queries = {"/statements": f"?partner={acme.pk}&period={today.year}-Q{(today.month - 1) // 3 + 1}"}
    answered = []
    for path in _get_paths():
        names = re.findall(r"{(\w+)}", path)
        if any(name not in ids for name in names):
            continue
        url = "/api/v1" + re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path) + queries.get(path, "")
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
            continue
        answered.append(path)
        assert _exponents(response.json()) == [], url
    assert {"/commission-plans", "/commission-plans/{plan_id}", "/spiffs", "/quarterly-targets", "/commissions",
            "/statements", "/registrations/{registration_id}", "/partners/{partner_id}"} <= set(answered)
