"""The partners API contract other tools rely on, its scoping, and its refusals (nothing written on a 4xx)."""

import json

import pytest

from conftest import api_client_for
from openprm.audit.models import AuditEvent
from openprm.partners.models import Partner

PARTNER_KEYS = {"id", "name", "types", "country", "region", "stage", "tier", "manager", "website", "domain",
                "created_at"}
NEW = {"name": "Initech", "types": ["msp", "reseller"], "country": "in", "website": "https://initech.test",
       "domain": "initech.test"}


def post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def patch(client, path, data):
    return client.patch(path, json.dumps(data), content_type="application/json")


def state():
    return (list(Partner.objects.order_by("pk").values()), AuditEvent.objects.count())


@pytest.fixture
def admin_api(vendor_admin):
    return api_client_for(vendor_admin)


def test_get_partner_has_the_contract_keys(acme, admin_api, channel_manager):
    body = admin_api.get(f"/api/v1/partners/{acme.pk}").json()
    assert PARTNER_KEYS <= set(body)
    assert body["id"] == acme.pk
    assert (body["name"], body["types"], body["country"], body["region"], body["stage"]) == (
        "Acme Systems", ["reseller"], "US", "north_america", "identification")
    assert (body["tier"], body["manager"], body["domain"]) == (None, channel_manager.pk, "acme.test")


def test_create_partner(admin_api, vendor_admin):
    response = post(admin_api, "/api/v1/partners", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["country"], body["region"], body["types"], body["stage"]) == (
        "IN", "india", ["msp", "reseller"], "identification")
    partner = Partner.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(verb="partner.created", object_id=str(partner.pk), actor=vendor_admin).exists()


def test_list_pages_and_filters(acme, globex, admin_api, channel_manager):
    body = admin_api.get("/api/v1/partners").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 2
    assert [p["name"] for p in body["items"]] == ["Acme Systems", "Globex GmbH"]
    page = admin_api.get("/api/v1/partners?limit=1&offset=1").json()
    assert (page["count"], [p["name"] for p in page["items"]]) == (2, ["Globex GmbH"])

    def names(query):
        return [p["name"] for p in admin_api.get(f"/api/v1/partners?{query}").json()["items"]]

    assert names("q=glob") == ["Globex GmbH"]
    assert names("q=acme.test") == ["Acme Systems"]
    assert names("region=europe") == ["Globex GmbH"]
    assert names("type=msp") == ["Globex GmbH"]
    assert names("type=reseller") == ["Acme Systems"]
    assert names(f"manager={channel_manager.pk}") == ["Acme Systems"]
    assert names("stage=identification") == ["Acme Systems", "Globex GmbH"]
    assert names("stage=active") == []


@pytest.mark.parametrize("query", ["limit=0", "limit=100000", "offset=-1", "stage=retired", "manager=abc"])
def test_bad_list_parameters_are_422(acme, admin_api, query):
    response = admin_api.get(f"/api/v1/partners?{query}")
    assert response.status_code == 422
    assert response.json()["errors"]


def test_a_partner_user_sees_exactly_its_own_partner(acme, globex, acme_rep, globex_admin):
    body = api_client_for(acme_rep).get("/api/v1/partners").json()
    assert (body["count"], [p["id"] for p in body["items"]]) == (1, [acme.pk])
    assert api_client_for(acme_rep).get("/api/v1/partners?q=globex").json()["count"] == 0
    assert [p["id"] for p in api_client_for(globex_admin).get("/api/v1/partners").json()["items"]] == [globex.pk]


def test_a_channel_manager_sees_only_its_partners(acme, globex, channel_manager):
    client = api_client_for(channel_manager)
    assert [p["id"] for p in client.get("/api/v1/partners").json()["items"]] == [acme.pk]
    assert client.get(f"/api/v1/partners/{globex.pk}").status_code == 404
    assert post(client, f"/api/v1/partners/{globex.pk}/stage", {"stage": "qualification"}).status_code == 404
    globex.refresh_from_db()
    assert globex.stage == "identification"


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/partners/{id}", None),
    ("patch", "/api/v1/partners/{id}", {"name": "Owned"}),
    ("post", "/api/v1/partners/{id}/stage", {"stage": "qualification"}),
    ("get", "/api/v1/partners/{id}/stage-history", None),
    ("get", "/api/v1/partners/{id}/contacts", None),
    ("post", "/api/v1/partners/{id}/contacts", {"name": "Mole"}),
    ("get", "/api/v1/partners/{id}/scorecard", None),
    ("get", "/api/v1/partners/{id}/onboarding", None),
])
def test_another_partners_endpoints_are_404(acme, globex_admin, method, path, body):
    client = api_client_for(globex_admin)
    before = state()
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(path.format(id=acme.pk), **kwargs)
    assert response.status_code == 404
    assert "Acme" not in response.content.decode()
    assert state() == before


def names_field(errors, field):
    """Errors are keyed by field name; a list item's error may carry its index (`types.0`)."""
    return any(key == field or key.startswith(f"{field}.") for key in errors)


def test_anonymous_is_401_everywhere(acme, anon):
    before = state()
    assert anon.get("/api/v1/partners").status_code == 401
    assert anon.get(f"/api/v1/partners/{acme.pk}").status_code == 401
    assert post(anon, "/api/v1/partners", NEW).status_code == 401
    assert patch(anon, f"/api/v1/partners/{acme.pk}", {"name": "X"}).status_code == 401
    assert post(anon, f"/api/v1/partners/{acme.pk}/stage", {"stage": "qualification"}).status_code == 401
    assert state() == before


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep"])
def test_partner_users_cannot_create_partners(acme, who, request):
    client = api_client_for(request.getfixturevalue(who))
    before = state()
    response = post(client, "/api/v1/partners", NEW)
    assert response.status_code == 403
    assert state() == before


def test_a_sales_rep_cannot_patch_its_partner(acme, acme_rep):
    client = api_client_for(acme_rep)
    before = state()
    response = patch(client, f"/api/v1/partners/{acme.pk}", {"name": "Rep Corp"})
    assert response.status_code == 403
    assert state() == before


def test_a_partner_admin_edits_its_profile(acme, acme_admin):
    response = patch(api_client_for(acme_admin), f"/api/v1/partners/{acme.pk}",
                     {"website": "https://acme.test", "description": "Resellers since 1999", "languages": ["EN"]})
    assert response.status_code == 200, response.content
    acme.refresh_from_db()
    assert (acme.website, acme.description, acme.languages) == ("https://acme.test", "Resellers since 1999", ["en"])


@pytest.mark.parametrize("data", [{"manager": None}, {"types": ["oem"]}, {"name": "Fine", "types": ["oem"]},
                                  {"reference_checks": "all good"}])
def test_a_partner_admin_cannot_set_vendor_fields(acme, acme_admin, data):
    client = api_client_for(acme_admin)
    before = state()
    response = patch(client, f"/api/v1/partners/{acme.pk}", data)
    assert 400 <= response.status_code < 500
    assert state() == before


def test_stage_endpoint(acme, channel_manager):
    client = api_client_for(channel_manager)
    response = post(client, f"/api/v1/partners/{acme.pk}/stage", {"stage": "qualification", "note": "Met them"})
    assert response.status_code == 200 and response.json()["stage"] == "qualification"
    history = client.get(f"/api/v1/partners/{acme.pk}/stage-history").json()
    assert (history[0]["from_stage"], history[0]["to_stage"], history[0]["note"]) == (
        "identification", "qualification", "Met them")
    before = state()
    skip = post(client, f"/api/v1/partners/{acme.pk}/stage", {"stage": "active"})
    assert skip.status_code == 409
    assert skip.json()["code"] == "invalid_transition"
    no_reason = post(client, f"/api/v1/partners/{acme.pk}/stage", {"stage": "terminated"})
    assert no_reason.status_code == 422 and "note" in no_reason.json()["errors"]
    unknown = post(client, f"/api/v1/partners/{acme.pk}/stage", {"stage": "retired"})
    assert unknown.status_code == 422 and "stage" in unknown.json()["errors"]
    assert state() == before


def test_partner_users_cannot_move_their_own_stage(acme, acme_admin):
    client = api_client_for(acme_admin)
    before = state()
    response = post(client, f"/api/v1/partners/{acme.pk}/stage", {"stage": "qualification"})
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("body, field", [
    ({**NEW, "types": ["pirate"]}, "types"),
    ({**NEW, "types": []}, "types"),
    ({**NEW, "types": "msp"}, "types"),
    ({**NEW, "country": "XX"}, "country"),
    ({**NEW, "country": 12}, "country"),
    ({**NEW, "name": ""}, "name"),
    ({**NEW, "name": ["list"]}, "name"),
    ({**NEW, "manager": "boss"}, "manager"),
    ({**NEW, "locator_opt_in": "perhaps"}, "locator_opt_in"),
    ({k: v for k, v in NEW.items() if k != "name"}, "name"),
    ({k: v for k, v in NEW.items() if k != "types"}, "types"),
    ({k: v for k, v in NEW.items() if k != "country"}, "country"),
    ({**NEW, "domain": "not a domain"}, "domain"),
    ({**NEW, "website": "notaurl"}, "website"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(acme, admin_api, body, field):
    before = state()
    response = post(admin_api, "/api/v1/partners", body)
    assert response.status_code == 422, response.content
    assert names_field(response.json()["errors"], field), response.json()
    assert state() == before


def test_the_stage_cannot_be_patched(acme, admin_api):
    response = patch(admin_api, f"/api/v1/partners/{acme.pk}", {"stage": "active"})
    assert response.status_code in (200, 422)
    acme.refresh_from_db()
    assert acme.stage == "identification"


@pytest.mark.parametrize("body, field", [
    ({"country": "ZZ"}, "country"),
    ({"types": ["nope"]}, "types"),
    ({"name": None, "types": None}, None),
    ({"roi_projection": "lots"}, "roi_projection"),
])
def test_bad_patches_change_nothing(acme, admin_api, body, field):
    before = state()
    response = patch(admin_api, f"/api/v1/partners/{acme.pk}", body)
    if field is None:
        assert response.status_code in (200, 422)  # nulls mean "leave alone" or are refused; never a 500
        acme.refresh_from_db()
        assert acme.name == "Acme Systems" and acme.type_codes == ["reseller"]
        return
    assert response.status_code == 422, response.content
    assert names_field(response.json()["errors"], field)
    assert state() == before


@pytest.mark.parametrize("raw", ['{"name": "Initech",', "not json", "[1, 2", ""])
def test_malformed_json_is_400_and_writes_nothing(acme, admin_api, raw):
    before = state()
    response = admin_api.post("/api/v1/partners", raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    patched = admin_api.patch(f"/api/v1/partners/{acme.pk}", raw, content_type="application/json")
    assert patched.status_code in (400, 422)
    assert state() == before


def test_malformed_json_object_is_400(admin_api, db):
    response = admin_api.post("/api/v1/partners", '{"name": "Initech",', content_type="application/json")
    assert response.status_code == 400


def test_a_duplicate_domain_is_409(acme, admin_api):
    before = state()
    response = post(admin_api, "/api/v1/partners", {**NEW, "domain": "https://www.acme.test"})
    assert response.status_code == 409
    assert "domain" in response.json()["errors"]
    assert state() == before


def test_contacts_and_onboarding_through_the_api(acme, acme_admin, vendor_admin):
    client = api_client_for(acme_admin)
    created = post(client, f"/api/v1/partners/{acme.pk}/contacts", {"name": "Pat", "is_primary": True})
    assert created.status_code == 201 and created.json()["partner"] == acme.pk
    bad = post(client, f"/api/v1/partners/{acme.pk}/contacts", {"name": "", "email": "x"})
    assert bad.status_code == 422
    assert [c["name"] for c in client.get(f"/api/v1/partners/{acme.pk}/contacts").json()] == ["Pat"]
    assert client.get(f"/api/v1/partners/{acme.pk}/scorecard").status_code == 403  # internal to the vendor
    vendor = api_client_for(vendor_admin)
    scored = vendor.put(f"/api/v1/partners/{acme.pk}/scorecard",
                        json.dumps({"scores": [{"criterion": "market_reach", "score": 4}]}),
                        content_type="application/json")
    assert scored.status_code == 200 and scored.json()["weighted_score"] == "4.00"
    out_of_range = vendor.put(f"/api/v1/partners/{acme.pk}/scorecard",
                              json.dumps({"scores": [{"criterion": "market_reach", "score": 9}]}),
                              content_type="application/json")
    assert out_of_range.status_code == 422
