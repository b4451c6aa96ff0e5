from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command

from conftest import api_client_for
from openprm.lib import clock

from .conftest import SEED_BANDS


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_plan_contract_and_bad_plans(finance_user, acme):
    api = api_client_for(finance_user)
    created = post(api, "/api/v1/commission-plans", {"name": "Seed bands", "type": "tiered", "currency": "USD",
                                                      "period": "quarter", "bands": SEED_BANDS,
                                                      "basis": "period_volume", "retroactive": True})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["bands"][1] == {"from": "100000", "to": "500000", "rate_percent": "20"}
    assert api.get(f"/api/v1/commission-plans/{body['id']}").json()["retroactive"] is True
    bad = post(api, "/api/v1/commission-plans", {"name": "x", "type": "tiered", "bands": [
        {"from": "0", "to": "10", "rate_percent": "5"}]})
    assert bad.status_code == 422 and "bands" in bad.json()["errors"]
    assert post(api, "/api/v1/commission-plans", {"name": "y", "type": "bogus"}).status_code == 422
    assigned = post(api, f"/api/v1/partners/{acme.pk}/plans", {"plan": body["id"], "starts_on": "2026-01-01"})
    assert assigned.status_code == 201 and assigned.json()["plan"] == body["id"]


def test_partners_see_only_their_lines_and_statements(active, plan, win, acme_admin, globex_admin, finance_user):
    acme, globex = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme, globex])
    win(acme, 1000, closed_on=date(2026, 10, 5))
    win(globex, 2000, closed_on=date(2026, 10, 5))
    acme_api = api_client_for(acme_admin)
    lines = acme_api.get("/api/v1/commissions").json()
    assert lines["count"] == 1 and lines["items"][0]["amount"] == "100.00"
    assert lines["items"][0]["explanation"].endswith("= 100.00 USD")
    assert acme_api.get("/api/v1/commissions", {"partner": globex.pk}).json()["count"] == 0
    statement = acme_api.get("/api/v1/statements", {"period": "2026-Q4"}).json()
    summary = [(s["currency"], s["opening_balance"], s["closing_balance"]) for s in statement]
    assert summary == [("USD", "0.00", "100.00")]
    assert acme_api.get("/api/v1/statements", {"period": "2026-Q4", "partner": globex.pk}).status_code == 404
    assert acme_api.get("/api/v1/statements", {"period": "Q5"}).status_code == 422
    globex_line = api_client_for(finance_user).get("/api/v1/commissions", {"partner": globex.pk}).json()["items"][0]
    assert post(acme_api, f"/api/v1/commissions/{globex_line['id']}/hold", {"reason": "x"}).status_code == 404
    assert post(acme_api, "/api/v1/payouts", {"currency": "USD", "up_to": "2026-12-31"}).status_code == 403


def test_refund_and_payout_flow_over_the_api(banked, plan, win, finance_user, vendor_admin):
    acme, _ = banked
    plan(type="revenue_share", rate_percent="10", holding_days=0, assign_to=[acme])
    today = clock.today()
    reg = win(acme, 10000, closed_on=today - timedelta(days=60))
    api = api_client_for(finance_user)
    refund = post(api, f"/api/v1/registrations/{reg.pk}/refund", {"amount": "2500", "reason": "Returned"})
    assert refund.status_code == 201 and refund.json()[0]["amount"] == "-250.00"
    assert post(api, f"/api/v1/registrations/{reg.pk}/refund", {"amount": "abc", "reason": "x"}).status_code == 422
    call_command("jobs", "run", "commissions.approve", "--now", clock.moment().isoformat(), stdout=StringIO())
    # The refund's clawback is dated today: a batch up to today nets it against the commission.
    payout = post(api, "/api/v1/payouts", {"currency": "USD", "up_to": today.isoformat()})
    assert payout.status_code == 201
    assert payout.json()["items"] == [{"partner": acme.pk, "amount": "750.00", "can_be_paid": True,
                                       "blocked_reason": ""}]
    assert payout.json()["total"] == "750.00"
    pid = payout.json()["id"]
    assert post(api, f"/api/v1/payouts/{pid}/mark-paid", {"reference": "R1"}).status_code == 409
    # Four-eyes: the builder may not approve; a program admin does.
    assert post(api_client_for(vendor_admin), f"/api/v1/payouts/{pid}/approve", {}).json()["status"] == "approved"
    exported = api.post(f"/api/v1/payouts/{pid}/export")
    assert exported["Content-Type"] == "text/csv; charset=utf-8" and "Acme Systems" in exported.content.decode()
    paid = post(api, f"/api/v1/payouts/{pid}/mark-paid", {"reference": "BANK-42"})
    assert paid.json()["status"] == "paid" and paid.json()["reference"] == "BANK-42"


def test_recalc_command_reports_and_is_idempotent(active, plan, win):
    acme, _ = active
    win(acme, 1000, closed_on=date(2026, 10, 5))
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    out = StringIO()
    call_command("commissions", "recalc", "--period", "2026-Q4", "--no-progress", stdout=out)
    assert "1 won deal in 2026-Q4; added 1 line: 1 commission" in out.getvalue()
    out = StringIO()
    call_command("commissions", "recalc", "--period", "2026-Q4", "--no-progress", stdout=out)
    assert "added 0 lines: nothing" in out.getvalue()
