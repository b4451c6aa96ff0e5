"""Issue 8 #12: a request body over the limit is a 413 — JSON from the API, a page with a message for
people — never a traceback or Django's bare 400 (openprm.lib.errorpages, handler400 and the API's handler)."""

import json

from django.conf import settings
from django.test import Client

from conftest import api_client_for, client_for
from openprm.partners.models import Partner


def _oversized(**fields):
    filler = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    return {**fields, "description": filler}


def test_api_answers_a_json_413_and_writes_nothing(vendor_admin):
    body = json.dumps(_oversized(name="Huge", types=["reseller"], country="US"))
    response = api_client_for(vendor_admin).post("/api/v1/partners", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large"
    assert "MB" in response.json()["detail"]
    assert not Partner.objects.filter(name="Huge").exists()


def test_api_with_a_session_answers_a_json_413(acme_admin):
    body = json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client_for(acme_admin).post("/api/v1/tokens", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_form_answers_a_page_that_says_why(acme, acme_admin):
    response = client_for(acme_admin).post("/portal/profile/edit/", _oversized(name="Acme"))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "too large" in page and "Nothing was saved" in page
    acme.refresh_from_db()
    assert acme.name == "Acme Systems"


def test_a_public_form_read_by_the_csrf_check_first_answers_413(db):
    # The CSRF middleware reads the body before any view: the 413 must come from there too.
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32  # with a cookie the check goes on to read the posted token
    response = client.post("/login/", _oversized(username="a@b.test"))
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_too_many_fields_is_a_413_too(acme, acme_admin):
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}
    response = client_for(acme_admin).post("/portal/profile/edit/", fields)
    assert response.status_code == 413


def test_other_bad_requests_stay_400(db):
    # A disallowed host is a SuspiciousOperation too, but not about size.
    response = Client(HTTP_HOST="evil.invalid").get("/login/")
    assert response.status_code == 400
