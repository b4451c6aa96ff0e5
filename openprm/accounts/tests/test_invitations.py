"""Invitations: e-mailed link, accepted once, expiring, revocable; who may invite whom."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for
from openprm.accounts import services
from openprm.accounts.exceptions import Conflict, InvitationInvalid, NotAllowed, ValidationFailed
from openprm.accounts.models import Invitation, User
from openprm.audit.models import AuditEvent

NEW_PASSWORD = "Brand-new-passphrase-42"


def invite(actor, email="newbie@acme.test", role="partner_sales", partner=None, capture=None):
    if capture is None:
        return services.invite(actor=actor, email=email, role=role, partner=partner)
    with capture(execute=True):
        return services.invite(actor=actor, email=email, role=role, partner=partner)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_an_invitation_emails_a_link_that_signs_the_new_user_in(
        acme, acme_admin, client, mailoutbox, django_capture_on_commit_callbacks):
    invitation, path = invite(acme_admin, partner=acme, capture=django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["newbie@acme.test"]]
    link = link_in(mailoutbox[0])
    assert link.endswith(path)
    assert "Acme Systems" in mailoutbox[0].subject
    assert AuditEvent.objects.filter(verb="invitation.sent", partner=acme, object_id=str(invitation.pk)).exists()
    # The secret travels only in the link; the database keeps its hash.
    secret = path.rstrip("/").rsplit("/", 1)[-1]
    assert secret not in invitation.token_hash

    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, {"full_name": "New Bie", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="newbie@acme.test")
    assert (user.role, user.partner, user.full_name) == ("partner_sales", acme, "New Bie")
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/api/v1/me").json()["email"] == "newbie@acme.test"  # signed in by the acceptance
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_user == user


def test_the_link_works_once(acme, acme_admin, client):
    _, path = invite(acme_admin, partner=acme)
    client.post(path, {"full_name": "New Bie", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    other = type(client)()
    response = other.get(path)
    assert response.status_code == 404
    response = other.post(path, {"full_name": "Evil", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 404
    assert User.objects.filter(email="newbie@acme.test").count() == 1
    assert User.objects.get(email="newbie@acme.test").full_name == "New Bie"


def test_expired_and_revoked_invitations_are_refused(acme, acme_admin, client):
    expired, expired_path = invite(acme_admin, email="late@acme.test", partner=acme)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked, revoked_path = invite(acme_admin, email="gone@acme.test", partner=acme)
    services.revoke_invitation(actor=acme_admin, invitation=revoked)
    for path in (expired_path, revoked_path, "/invitations/not-a-real-secret/"):
        response = client.post(path, {"full_name": "X", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        assert response.status_code == 404
        assert "invalid, used or expired" in response.content.decode()
    assert not User.objects.filter(email__in=["late@acme.test", "gone@acme.test"]).exists()
    with pytest.raises(InvitationInvalid):
        services.accept_invitation(secret=revoked_path.rstrip("/").rsplit("/", 1)[-1], full_name="X",
                                   password=NEW_PASSWORD)


def test_a_weak_password_or_mismatch_keeps_the_invitation_open(acme, acme_admin, client):
    invitation, path = invite(acme_admin, partner=acme)
    for data in ({"full_name": "New", "password": "short", "password_again": "short"},
                 {"full_name": "New", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"}):
        response = client.post(path, data)
        assert response.status_code == 200
    assert not User.objects.filter(email="newbie@acme.test").exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_partner_admin_invites_only_partner_roles_to_its_own_partner(acme, globex, acme_admin):
    with pytest.raises(NotAllowed):
        invite(acme_admin, role="admin", partner=None)
    with pytest.raises(ValidationFailed):
        invite(acme_admin, role="channel_manager", partner=acme)  # a vendor role carries no partner
    with pytest.raises(NotAllowed):
        invite(acme_admin, email="spy@globex.test", partner=globex)
    assert not Invitation.objects.exists()
    invitation, _ = invite(acme_admin, role="partner_admin", partner=acme)
    assert invitation.partner == acme


def test_sales_reps_cannot_invite(acme, acme_rep):
    with pytest.raises(NotAllowed):
        invite(acme_rep, partner=acme)
    assert not Invitation.objects.exists()


def test_channel_manager_invites_only_to_its_own_partners(acme, globex, channel_manager):
    invite(channel_manager, partner=acme)
    with pytest.raises(NotAllowed):
        invite(channel_manager, email="x@globex.test", partner=globex)
    with pytest.raises(NotAllowed):
        invite(channel_manager, email="colleague@vendor.test", role="finance")
    assert Invitation.objects.count() == 1


def test_program_admin_invites_vendor_staff(vendor_admin, client):
    invitation, path = invite(vendor_admin, email="Mo@Vendor.test", role="marketing")
    assert invitation.email == "mo@vendor.test"
    client.post(path, {"full_name": "Mo", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    user = User.objects.get(email="mo@vendor.test")
    assert (user.role, user.partner) == ("marketing", None)


def test_duplicate_emails_are_a_conflict(acme, acme_admin, acme_rep):
    with pytest.raises(Conflict):
        invite(acme_admin, email="RICK@acme.test", partner=acme)  # already a user
    invite(acme_admin, partner=acme)
    with pytest.raises(Conflict):
        invite(acme_admin, partner=acme)  # already pending
    assert Invitation.objects.count() == 1


def test_invitations_api(acme, acme_admin, globex_admin, mailoutbox):
    client = api_client_for(acme_admin)
    response = client.post("/api/v1/invitations", {"email": "api@acme.test", "role": "partner_marketing"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["role"], body["partner"], body["status"]) == (
        "api@acme.test", "partner_marketing", acme.pk, "pending")
    again = client.post("/api/v1/invitations", {"email": "api@acme.test", "role": "partner_marketing"},
                        content_type="application/json")
    assert again.status_code == 409
    assert "email" in again.json()["errors"]
    bad_role = client.post("/api/v1/invitations", {"email": "x@acme.test", "role": "emperor"},
                           content_type="application/json")
    assert bad_role.status_code == 422 and "role" in bad_role.json()["errors"]
    assert client.get("/api/v1/invitations").json()["count"] == 1
    assert api_client_for(globex_admin).get("/api/v1/invitations").json()["count"] == 0
    foreign = api_client_for(globex_admin).post(f"/api/v1/invitations/{body['id']}/revoke")
    assert foreign.status_code == 404
    assert client.post(f"/api/v1/invitations/{body['id']}/revoke").json()["status"] == "revoked"
    assert client.post(f"/api/v1/invitations/{body['id']}/revoke").status_code == 409


def test_accepting_signs_out_whoever_was_signed_in(acme, acme_admin, globex_admin):
    from conftest import client_for

    _, path = invite(acme_admin, partner=acme)
    client = client_for(globex_admin)
    client.post(path, {"full_name": "New Bie", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert client.get("/api/v1/me").json()["email"] == "newbie@acme.test"


def test_a_partners_new_user_starts_in_the_partners_time_zone(acme, acme_admin):
    # The walk of issue 10 found an Oslo partner's admin reading "Times are in UTC" after accepting.
    type(acme).objects.filter(pk=acme.pk).update(time_zone="Europe/Oslo")
    acme.refresh_from_db()
    _, path = invite(acme_admin, email="oslo@acme.test", partner=acme)
    user = services.accept_invitation(secret=path.rstrip("/").rsplit("/", 1)[-1], full_name="Ola Nordmann",
                                      password="a long pass phrase 4711")
    assert user.time_zone == "Europe/Oslo"
