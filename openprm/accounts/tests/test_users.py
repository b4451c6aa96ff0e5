"""Users and roles: one partner at most, consistent roles, who may change whom; the people API."""

import pytest
from django.db import IntegrityError

from conftest import api_client_for
from openprm.accounts import services
from openprm.accounts.exceptions import Conflict, NotAllowed, ValidationFailed
from openprm.accounts.models import User
from openprm.audit.models import AuditEvent


def test_create_user_normalizes_email_and_audits(acme, vendor_admin):
    user = services.create_user(actor=vendor_admin, email="  Pat@ACME.test ", role="partner_support", partner=acme)
    assert user.email == "pat@acme.test"
    event = AuditEvent.objects.get(verb="user.created", object_id=str(user.pk))
    assert event.actor == vendor_admin
    assert event.changes["role"] == [None, "partner_support"]
    assert event.changes["partner_id"] == [None, acme.pk]
    assert event.partner == acme


@pytest.mark.parametrize("role, partner, field", [
    ("partner_admin", None, "partner"),
    ("finance", "acme", "partner"),
    ("overlord", None, "role"),
])
def test_roles_and_partners_must_agree(acme, vendor_admin, role, partner, field):
    with pytest.raises(ValidationFailed) as exc:
        services.create_user(actor=vendor_admin, email="x@x.test", role=role, partner=acme if partner else None)
    assert field in exc.value.errors
    assert not User.objects.filter(email="x@x.test").exists()


def test_the_database_refuses_a_partner_role_without_partner(db):
    with pytest.raises(IntegrityError):
        User.objects.create_user("raw@x.test", role="partner_admin")


def test_duplicate_and_invalid_emails(acme_admin, vendor_admin):
    with pytest.raises(Conflict):
        services.create_user(actor=vendor_admin, email="ALICE@acme.test", role="admin")
    with pytest.raises(ValidationFailed):
        services.create_user(actor=vendor_admin, email="not-an-email", role="admin")


def test_partner_admin_manages_its_own_people_only(acme, acme_admin, acme_rep, globex_admin):
    services.update_user(actor=acme_admin, user=acme_rep, role="partner_marketing")
    acme_rep.refresh_from_db()
    assert acme_rep.role == "partner_marketing"
    assert AuditEvent.objects.get(verb="user.updated").changes == {"role": ["partner_sales", "partner_marketing"]}
    with pytest.raises((NotAllowed, ValidationFailed)):
        services.update_user(actor=acme_admin, user=acme_rep, role="admin")
    with pytest.raises(NotAllowed):
        services.update_user(actor=globex_admin, user=acme_rep, is_active=False)
    with pytest.raises(NotAllowed):
        services.update_user(actor=acme_rep, user=acme_admin, full_name="Renamed")
    acme_rep.refresh_from_db()
    assert (acme_rep.role, acme_rep.is_active) == ("partner_marketing", True)


def test_people_change_their_own_name_but_not_their_role(acme_rep, acme_admin):
    services.update_user(actor=acme_rep, user=acme_rep, full_name="Richard Rep")
    with pytest.raises(NotAllowed):
        services.update_user(actor=acme_rep, user=acme_rep, role="partner_admin")
    with pytest.raises(ValidationFailed):
        services.update_user(actor=acme_admin, user=acme_admin, is_active=False)
    acme_rep.refresh_from_db()
    assert (acme_rep.full_name, acme_rep.role) == ("Richard Rep", "partner_sales")


def test_program_admins_are_staff_and_others_are_not(vendor_admin, channel_manager, acme_admin):
    assert vendor_admin.is_staff and vendor_admin.is_superuser
    assert not channel_manager.is_staff
    assert not acme_admin.is_staff


# ---------------------------------------------------------------- API


def test_me_returns_the_contract(acme, acme_admin, vendor_admin):
    body = api_client_for(acme_admin).get("/api/v1/me").json()
    assert {"id", "email", "role", "partner"} <= set(body)
    assert (body["id"], body["email"], body["role"], body["partner"]) == (
        acme_admin.pk, "alice@acme.test", "partner_admin", acme.pk)
    assert api_client_for(vendor_admin).get("/api/v1/me").json()["partner"] is None


def test_me_needs_authentication(anon, db):
    response = anon.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_users_api_is_scoped(acme_admin, acme_rep, globex_admin, channel_manager, vendor_admin):
    emails = {u["email"] for u in api_client_for(acme_admin).get("/api/v1/users").json()["items"]}
    assert emails == {"alice@acme.test", "rick@acme.test"}
    assert {u["email"] for u in api_client_for(globex_admin).get("/api/v1/users").json()["items"]} == {
        "gina@globex.test"}
    assert {u["email"] for u in api_client_for(channel_manager).get("/api/v1/users").json()["items"]} == emails
    everyone = api_client_for(vendor_admin).get("/api/v1/users?limit=500").json()
    assert everyone["count"] == User.objects.count()
    assert api_client_for(globex_admin).get(f"/api/v1/users/{acme_rep.pk}").status_code == 404


def test_users_api_patch(acme_admin, acme_rep, globex_admin):
    client = api_client_for(acme_admin)
    response = client.patch(f"/api/v1/users/{acme_rep.pk}", {"role": "partner_support"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "partner_support"
    bad = client.patch(f"/api/v1/users/{acme_rep.pk}", {"role": "czar"}, content_type="application/json")
    assert bad.status_code == 422 and "role" in bad.json()["errors"]
    vendor = client.patch(f"/api/v1/users/{acme_rep.pk}", {"role": "admin"}, content_type="application/json")
    assert vendor.status_code in (403, 422)
    foreign = api_client_for(globex_admin).patch(f"/api/v1/users/{acme_rep.pk}", {"is_active": False},
                                                 content_type="application/json")
    assert foreign.status_code == 404
    acme_rep.refresh_from_db()
    assert (acme_rep.role, acme_rep.is_active) == ("partner_support", True)
