"""The API's frame: authentication, one error shape, paging, the schema and the docs (served locally)."""

import json
import re

from django.test import Client

from conftest import api_client_for, client_for


def test_openapi_schema_is_public_and_lists_the_contract(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/me", "/api/v1/partners", "/api/v1/partners/{partner_id}",
                 "/api/v1/partners/{partner_id}/stage", "/api/v1/audit-events"):
        assert path in paths
    assert {"get", "post"} <= set(paths["/api/v1/partners"])
    assert {"get", "patch"} <= set(paths["/api/v1/partners/{partner_id}"])


def test_docs_are_served_without_any_cdn(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    sources = re.findall(r"""<(?:script|link)[^>]+(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert sources, "the docs page loads its viewer from somewhere"
    assert not [s for s in sources if s.startswith(("http://", "https://", "//"))], sources
    for source in sources:
        assert Client().get(source).status_code == 200, source


def test_errors_share_one_shape(acme, vendor_admin):
    client = api_client_for(vendor_admin)
    not_found = client.get("/api/v1/partners/987654")
    assert not_found.status_code == 404
    assert not_found.json() == {"detail": "Not found.", "code": "not_found", "errors": {}}
    invalid = client.post("/api/v1/partners", json.dumps({"name": "X"}), content_type="application/json")
    assert invalid.status_code == 422
    assert set(invalid.json()) >= {"detail", "code", "errors"}
    assert {"types", "country"} <= set(invalid.json()["errors"])
    malformed = client.post("/api/v1/partners", "{oops", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["detail"]


def test_a_body_that_is_not_an_object_is_refused(acme, vendor_admin):
    client = api_client_for(vendor_admin)
    for raw in ("[]", "42", '"text"', "null"):
        response = client.post("/api/v1/partners", raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (raw, response.status_code)


def test_session_authentication_works_for_the_web_uis(acme, acme_admin):
    assert client_for(acme_admin).get("/api/v1/me").json()["email"] == "alice@acme.test"


def test_inactive_sessions_are_refused(acme, acme_admin):
    client = client_for(acme_admin)
    acme_admin.is_active = False
    acme_admin.save()
    assert client.get("/api/v1/me").status_code == 401


def test_session_writes_need_the_csrf_token(acme, vendor_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(vendor_admin)
    response = client.patch(f"/api/v1/partners/{acme.pk}", json.dumps({"name": "Forged"}),
                            content_type="application/json")
    assert response.status_code in (401, 403)
    acme.refresh_from_db()
    assert acme.name == "Acme Systems"


def test_pages_are_limited(acme, globex, vendor_admin):
    client = api_client_for(vendor_admin)
    assert client.get("/api/v1/partners?limit=500").status_code == 200
    assert client.get("/api/v1/partners?limit=501").status_code == 422
    body = client.get("/api/v1/partners?offset=5").json()
    assert body == {"items": [], "count": 2}
    # An offset no database can hold is a field error, not a 500 (found by schemathesis on SQLite).
    for url in ("/api/v1/partners?offset=36893488147419103231", "/api/v1/audit-events?offset=99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 422 and "offset" in response.json()["errors"], url


def test_nul_characters_are_a_400_not_a_500(acme, vendor_admin):
    """PostgreSQL cannot store NUL characters; they are refused before reaching the database."""
    client = api_client_for(vendor_admin)
    body = json.dumps({"name": "Evil\u0000Corp", "types": ["msp"], "country": "US"})
    assert client.post("/api/v1/partners", body, content_type="application/json").status_code == 400
    patched = client.patch(f"/api/v1/partners/{acme.pk}", json.dumps({"specializations": ["a\u0000"]}),
                           content_type="application/json")
    assert patched.status_code == 400
    for url in ("/api/v1/partners?q=%00", "/api/v1/users?q=a%00b", "/api/v1/audit-events?verb=%00"):
        assert client.get(url).status_code == 400, url
    acme.refresh_from_db()
    assert acme.specializations.count() == 0
    assert client.get("/api/v1/partners?q=acme").json()["count"] == 1


def test_huge_ids_are_not_found(acme, vendor_admin):
    client = api_client_for(vendor_admin)
    assert client.get("/api/v1/partners/99999999999999999999").status_code == 404
    # SQLite cannot even compare it: the filter's type (lib.params.DbInt) refuses it, naming the parameter.
    filtered = client.get("/api/v1/partners?manager=99999999999999999999")
    assert filtered.status_code == 422
    assert "manager" in filtered.json()["errors"]
    assert client.get("/api/v1/users?partner=99999999999999999999").status_code == 422
