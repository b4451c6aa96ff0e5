import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for
from openprm.agreements.models import Agreement, AgreementStatus
from openprm.audit.models import AuditEvent


def post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def body_for(partner, **overrides):
    today = timezone.localdate()
    data = {"partner": partner.pk, "kind": "reseller", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=364)).isoformat(), "auto_renew": True, "notice_days": 60,
            "territories": ["US", "europe"], "segments": ["enterprise"], "products": ["Analytics"],
            "discount_percent": "17.5", "payment_terms_days": 45, "whitelabel": False}
    data.update(overrides)
    return data


@pytest.fixture
def manager_api(channel_manager):
    return api_client_for(channel_manager)


def test_create_answers_the_contract(manager_api, acme, reseller_plan):
    response = post(manager_api, "/api/v1/agreements", body_for(acme, commission_plan=reseller_plan.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["partner"] == acme.pk and body["kind"] == "reseller"
    assert body["territories"] == ["US", "europe"] and body["discount_percent"] == "17.50"
    assert body["auto_renew"] is True and body["notice_days"] == 60 and body["payment_terms_days"] == 45
    assert body["support_split"] == "L1 partner; L2/L3 vendor" and body["template_version"] == 1
    assert body["commission_plan"] == reseller_plan.pk and body["whitelabel"] is False
    assert body["commission_plan_name"] == "Reseller revenue share 10%"


def test_optional_fields_may_be_omitted(manager_api, acme):
    response = post(manager_api, "/api/v1/agreements", {"partner": acme.pk, "kind": "referral",
                                                         "starts_on": "2026-01-01"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ends_on"] == "2026-12-31" and body["discount_percent"] == "15.00" and body["territories"] == []


def test_the_whole_lifecycle(manager_api, acme, acme_admin):
    created = post(manager_api, "/api/v1/agreements", body_for(acme)).json()
    path = f"/api/v1/agreements/{created['id']}"
    patched = manager_api.patch(path, {"notice_days": 90}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["notice_days"] == 90
    assert post(manager_api, f"{path}/send").json()["status"] == "sent"
    assert manager_api.patch(path, {"notice_days": 30}, content_type="application/json").status_code == 409
    admin = api_client_for(acme_admin)
    someone_else = post(admin, f"{path}/sign", {"signer_name": "Someone Else"})
    assert someone_else.status_code == 422 and "signer_name" in someone_else.json()["errors"]
    signed = post(admin, f"{path}/sign", {"signer_name": "Alice Acme"})
    assert signed.status_code == 200 and signed.json()["status"] == "active"
    assert signed.json()["signer_name"] == "Alice Acme" and signed.json()["signed_by"] == acme_admin.pk
    assert signed.json()["signer_ip"] == "127.0.0.1"
    assert post(admin, f"{path}/sign", {"signer_name": "Alice Acme"}).status_code == 409
    assert post(manager_api, f"{path}/terminate", {"reason": ""}).status_code == 422
    ended = post(manager_api, f"{path}/terminate", {"reason": "Breach of the territory clause"})
    assert ended.status_code == 200 and ended.json()["status"] == "terminated"


def test_a_future_term_signs_as_signed(manager_api, acme, acme_admin):
    start = timezone.localdate() + timedelta(days=30)
    created = post(manager_api, "/api/v1/agreements", body_for(acme, starts_on=start.isoformat(),
                                                                 ends_on=(start + timedelta(days=365)).isoformat()))
    path = f"/api/v1/agreements/{created.json()['id']}"
    post(manager_api, f"{path}/send")
    assert post(api_client_for(acme_admin), f"{path}/sign", {"signer_name": "Alice Acme"}).json()["status"] == "signed"


def test_discount_outside_the_tier_range_is_422_naming_the_range(manager_api, acme):
    response = post(manager_api, "/api/v1/agreements", body_for(acme, discount_percent="35"))
    assert response.status_code == 422
    assert response.json()["errors"]["discount_percent"] == [
        "The discount must lie within the Bronze tier range of 15–20%."]
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("field,value", [("kind", "franchise"), ("territories", ["US", "Narnia"]),
                                         ("starts_on", "yesterday"), ("notice_days", -3),
                                         ("discount_percent", "abc")])
def test_bad_input_is_422_with_the_field_and_writes_nothing(manager_api, acme, field, value):
    events = AuditEvent.objects.count()
    response = post(manager_api, "/api/v1/agreements", body_for(acme, **{field: value}))
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Agreement.objects.exists() and AuditEvent.objects.count() == events


def test_malformed_json_is_400(manager_api, acme):
    response = manager_api.post("/api/v1/agreements", '{"partner": 1,', content_type="application/json")
    assert response.status_code == 400
    assert not Agreement.objects.exists()


def test_signing_refusals(manager_api, acme, acme_rep, globex_admin):
    created = post(manager_api, "/api/v1/agreements", body_for(acme)).json()
    path = f"/api/v1/agreements/{created['id']}"
    post(manager_api, f"{path}/send")
    assert post(api_client_for(acme_rep), f"{path}/sign", {"signer_name": "Rick"}).status_code == 403
    assert post(api_client_for(globex_admin), f"{path}/sign", {"signer_name": "Gina"}).status_code == 404
    assert post(manager_api, f"{path}/sign", {"signer_name": "Carl"}).status_code == 403
    agreement = Agreement.objects.get(pk=created["id"])
    assert agreement.status == AgreementStatus.SENT and agreement.signed_at is None


def test_sending_twice_is_409(manager_api, acme):
    path = f"/api/v1/agreements/{post(manager_api, '/api/v1/agreements', body_for(acme)).json()['id']}"
    assert post(manager_api, f"{path}/send").status_code == 200
    assert post(manager_api, f"{path}/send").status_code == 409


def test_another_partner_sees_nothing(manager_api, acme, globex_admin, other_manager, acme_rep):
    created = post(manager_api, "/api/v1/agreements", body_for(acme)).json()
    for user in (globex_admin, other_manager):
        client = api_client_for(user)
        assert client.get(f"/api/v1/agreements/{created['id']}").status_code == 404
        assert client.get(f"/api/v1/agreements/{created['id']}/pdf").status_code == 404
        assert client.get(f"/api/v1/agreements?partner={acme.pk}").json()["count"] == 0
    assert post(api_client_for(other_manager), "/api/v1/agreements", body_for(acme)).status_code == 404
    assert api_client_for(acme_rep).get("/api/v1/agreements").json()["count"] == 1
    assert post(api_client_for(acme_rep), "/api/v1/agreements", body_for(acme)).status_code == 403
    assert Agreement.objects.count() == 1


def test_list_filters(manager_api, acme, acme_admin):
    soon = post(manager_api, "/api/v1/agreements", body_for(acme, ends_on=(
        timezone.localdate() + timedelta(days=20)).isoformat(), notice_days=5)).json()
    post(manager_api, "/api/v1/agreements", body_for(acme, kind="oem"))
    post(manager_api, f"/api/v1/agreements/{soon['id']}/send")
    post(api_client_for(acme_admin), f"/api/v1/agreements/{soon['id']}/sign", {"signer_name": "Alice Acme"})
    listed = manager_api.get("/api/v1/agreements?expiring_within_days=30").json()
    assert [a["id"] for a in listed["items"]] == [soon["id"]]
    assert manager_api.get("/api/v1/agreements?status=draft").json()["count"] == 1
    assert manager_api.get("/api/v1/agreements?kind=oem").json()["count"] == 1
    assert manager_api.get(f"/api/v1/agreements?partner={acme.pk}").json()["count"] == 2


def test_pdf(manager_api, acme, acme_rep):
    created = post(manager_api, "/api/v1/agreements", body_for(acme)).json()
    response = api_client_for(acme_rep).get(f"/api/v1/agreements/{created['id']}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_commission_plan_is_a_plan_id_checked_and_clearable(manager_api, acme, reseller_plan):
    for bad in (reseller_plan.pk + 1000, "Reseller revenue share", 0, 2 ** 40):
        response = post(manager_api, "/api/v1/agreements", body_for(acme, commission_plan=bad))
        assert response.status_code == 422 and "commission_plan" in response.json()["errors"], bad
    assert not Agreement.objects.exists()
    created = post(manager_api, "/api/v1/agreements", body_for(acme, commission_plan=reseller_plan.pk)).json()
    cleared = manager_api.patch(f"/api/v1/agreements/{created['id']}", json.dumps({"commission_plan": None}),
                                content_type="application/json")
    assert cleared.status_code == 200
    assert cleared.json()["commission_plan"] is None and cleared.json()["commission_plan_name"] is None
