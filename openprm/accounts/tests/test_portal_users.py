"""The portal's Users page: the partner's people and invitations, managed by its partner admins."""


import pytest
from django.core import mail
from django.urls import reverse

from conftest import client_for
from openprm.accounts import services as accounts
from openprm.accounts.models import Invitation

pytestmark = pytest.mark.django_db


def test_users_page_lists_own_people_and_invitations(acme_admin, acme_rep, globex_admin):
    accounts.invite(actor=acme_admin, email="ivy@acme.test", role="partner_marketing", partner=acme_admin.partner)
    html = client_for(acme_rep).get(reverse("accounts:portal_users")).content.decode()
    assert "alice@acme.test" in html and "rick@acme.test" in html and "ivy@acme.test" in html
    assert "gina@globex.test" not in html
    assert "Send invitation" not in html  # a sales rep sees the team but manages nothing


def test_partner_admin_invites_a_colleague(acme, acme_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(reverse("accounts:portal_users"), {
            "email": "Nina@Acme.test", "full_name": "Nina New", "role": "partner_support"}, follow=True)
    invitation = Invitation.objects.get(email="nina@acme.test")
    assert invitation.partner == acme and invitation.role == "partner_support"
    assert "Invitation sent to" in response.content.decode()
    assert mail.outbox[0].to == ["nina@acme.test"]


def test_partner_admin_cannot_invite_vendor_roles(acme_admin):
    response = client_for(acme_admin).post(reverse("accounts:portal_users"),
                                           {"email": "evil@acme.test", "role": "admin"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.filter(email="evil@acme.test").exists()


def test_inviting_an_existing_user_shows_the_error(acme_admin, acme_rep):
    response = client_for(acme_admin).post(reverse("accounts:portal_users"), {"email": "rick@acme.test",
                                                                     "role": "partner_sales"})
    assert "Already has an account." in response.content.decode()
    assert not Invitation.objects.exists()


def test_sales_rep_cannot_invite(acme_rep):
    response = client_for(acme_rep).post(reverse("accounts:portal_users"),
                                         {"email": "x@acme.test", "role": "partner_sales"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_partner_admin_revokes_an_invitation(acme_admin):
    invitation, _ = accounts.invite(actor=acme_admin, email="ivy@acme.test", role="partner_sales",
                                    partner=acme_admin.partner)
    client_for(acme_admin).post(reverse("accounts:portal_invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_another_partners_invitation_is_not_found(acme_admin, globex_admin):
    invitation, _ = accounts.invite(actor=globex_admin, email="gus@globex.test", role="partner_sales",
                                    partner=globex_admin.partner)
    url = reverse("accounts:portal_invitation_revoke", args=[invitation.pk])
    assert client_for(acme_admin).post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_partner_admin_changes_a_role_and_deactivates_and_reactivates(acme_admin, acme_rep):
    client = client_for(acme_admin)
    client.post(reverse("accounts:portal_user_update", args=[acme_rep.pk]), {"role": "partner_marketing"})
    acme_rep.refresh_from_db()
    assert acme_rep.role == "partner_marketing"
    client.post(reverse("accounts:portal_user_update", args=[acme_rep.pk]), {"is_active": "0"})
    acme_rep.refresh_from_db()
    assert not acme_rep.is_active
    assert client_for(acme_rep).get(reverse("portal:home")).status_code == 302  # signed out
    client.post(reverse("accounts:portal_user_update", args=[acme_rep.pk]), {"is_active": "1"})
    acme_rep.refresh_from_db()
    assert acme_rep.is_active


def test_partner_admin_cannot_grant_a_vendor_role(acme_admin, acme_rep):
    client_for(acme_admin).post(reverse("accounts:portal_user_update", args=[acme_rep.pk]), {"role": "admin"})
    acme_rep.refresh_from_db()
    assert acme_rep.role == "partner_sales"


def test_partner_admin_cannot_lock_themselves_out(acme_admin):
    response = client_for(acme_admin).post(reverse("accounts:portal_user_update", args=[acme_admin.pk]),
                                           {"is_active": "0", "role": "partner_sales"}, follow=True)
    assert "cannot change your own role" in response.content.decode()
    acme_admin.refresh_from_db()
    assert acme_admin.is_active and acme_admin.role == "partner_admin"


def test_sales_rep_cannot_manage_users(acme_admin, acme_rep):
    assert client_for(acme_rep).post(reverse("accounts:portal_user_update", args=[acme_admin.pk]),
                                     {"is_active": "0"}).status_code == 403
    acme_admin.refresh_from_db()
    assert acme_admin.is_active


def test_another_partners_user_is_not_found(acme_admin, globex_admin):
    response = client_for(acme_admin).post(reverse("accounts:portal_user_update", args=[globex_admin.pk]),
                                           {"is_active": "0"})
    assert response.status_code == 404
    globex_admin.refresh_from_db()
    assert globex_admin.is_active




def test_a_sales_rep_is_not_told_about_invitations_it_sends(acme_admin, acme_rep):
    """Issue 10, item 15: only partner admins invite, so the empty state does not promise others they can."""
    rep_html = client_for(acme_rep).get(reverse("accounts:portal_users")).content.decode()
    assert "Invitations you send" not in rep_html
    assert "Colleagues your partner admins invite appear here" in rep_html
    admin_html = client_for(acme_admin).get(reverse("accounts:portal_users")).content.decode()
    assert "Invitations you send appear here" in admin_html
