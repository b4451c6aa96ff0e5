"""The console's People page: listing, inviting, deactivating, and who may."""


import pytest

from conftest import client_for
from openprm.accounts import services as accounts
from openprm.accounts.models import Invitation
from openprm.partners import services as partners

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_revoke_does_not_redirect_off_site(acme, channel_manager):
    invitation, _ = accounts.invite(actor=channel_manager, email="x@acme.test", role="partner_sales", partner=acme)
    response = client_for(channel_manager).post(f"/console/invitations/{invitation.pk}/revoke/",
                                                {"next": "https://evil.example/"})
    assert response["Location"] == "/console/people/"


def test_admin_invites_vendor_staff_from_people(vendor_admin):
    response = client_for(vendor_admin).post("/console/people/", {"email": "fin2@vendor.test", "role": "finance"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="fin2@vendor.test")
    assert invitation.role == "finance" and invitation.partner is None


def test_people_invite_needs_a_partner_for_partner_roles(vendor_admin):
    response = client_for(vendor_admin).post("/console/people/", {"email": "p@x.test", "role": "partner_sales"})
    assert response.status_code == 200
    assert "Choose the partner this person works for." in html(response)
    assert not Invitation.objects.exists()


def test_channel_manager_cannot_invite_vendor_staff(acme, channel_manager):
    response = client_for(channel_manager).post("/console/people/", {"email": "boss@vendor.test", "role": "admin"})
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    response = client_for(channel_manager).post("/console/people/", {
        "email": "rep@acme.test", "role": "partner_sales", "partner": acme.pk})
    assert response.status_code == 302
    assert Invitation.objects.get(email="rep@acme.test").partner == acme


def test_people_list_filters_and_scope(acme, globex, acme_admin, globex_admin, vendor_admin, channel_manager):
    admin_client = client_for(vendor_admin)
    page = html(admin_client.get("/console/people/"))
    assert "alice@acme.test" in page and "gina@globex.test" in page and "cmo@vendor.test" in page
    page = html(admin_client.get(f"/console/people/?partner={globex.pk}"))
    assert "gina@globex.test" in page and "alice@acme.test" not in page
    page = html(admin_client.get("/console/people/?role=channel_manager"))
    assert "cmo@vendor.test" in page and "alice@acme.test" not in page
    page = html(admin_client.get("/console/people/?q=alice"))
    assert "alice@acme.test" in page and "gina@globex.test" not in page
    page = html(client_for(channel_manager).get("/console/people/"))
    assert "alice@acme.test" in page and "gina@globex.test" not in page and "ada@vendor.test" not in page


def test_deactivate_and_reactivate_a_user(acme_admin, channel_manager):
    client = client_for(channel_manager)
    client.post(f"/console/people/{acme_admin.pk}/access/", {"is_active": "0"})
    acme_admin.refresh_from_db()
    assert not acme_admin.is_active
    assert "Deactivated" in html(client.get("/console/people/?active=0"))
    client.post(f"/console/people/{acme_admin.pk}/access/", {"is_active": "1"})
    acme_admin.refresh_from_db()
    assert acme_admin.is_active


def test_another_manager_cannot_deactivate_acmes_user(acme_admin, other_manager):
    response = client_for(other_manager).post(f"/console/people/{acme_admin.pk}/access/", {"is_active": "0"})
    assert response.status_code == 404
    acme_admin.refresh_from_db()
    assert acme_admin.is_active


def test_people_partner_filter_is_a_searchable_picker(acme, globex, acme_admin, globex_admin, vendor_admin):
    """Issue 10, item 12: the partner filter searches (lib/pickers.py) instead of listing every partner in a
    <select>; a picked "Name (#id)" filters and stays in the box; vendor staff have their own filter."""
    partners.create_partner(actor=vendor_admin, data={"name": "Quiet Partner Oy", "types": ["referral"],
                                                      "country": "FI"})
    admin_client = client_for(vendor_admin)
    page = html(admin_client.get("/console/people/"))
    assert '<select id="f-partner"' not in page
    assert 'hx-get="/console/partners/pick/?field=partner"' in page
    assert "Quiet Partner Oy" not in page  # no option per partner: it has no users, so it is nowhere on the page

    picked = f"{globex.name} (#{globex.pk})"
    page = html(admin_client.get("/console/people/", {"partner": picked}))
    assert "gina@globex.test" in page and "alice@acme.test" not in page and "ada@vendor.test" not in page
    assert f'value="{picked}"' in page

    page = html(admin_client.get("/console/people/", {"side": "vendor"}))
    assert "ada@vendor.test" in page and "alice@acme.test" not in page and "gina@globex.test" not in page
    page = html(admin_client.get("/console/people/", {"side": "partners"}))
    assert "alice@acme.test" in page and "gina@globex.test" in page and "ada@vendor.test" not in page
    # Links and saved filters from before the picker (`?partner=vendor`) still pick vendor staff.
    page = html(admin_client.get("/console/people/", {"partner": "vendor"}))
    assert "ada@vendor.test" in page and "alice@acme.test" not in page


def test_people_partner_picker_of_a_manager_ignores_other_partners(acme, globex, acme_admin, globex_admin,
                                                                    channel_manager):
    """A channel manager who types another partner's id sees nobody from it (the list stays scoped), and the
    box does not reveal that partner's name."""
    page = html(client_for(channel_manager).get("/console/people/", {"partner": str(globex.pk)}))
    assert "gina@globex.test" not in page and "alice@acme.test" not in page
    assert globex.name not in page


def test_people_invite_picks_the_partner_by_search(acme, vendor_admin):
    """The invite form's partner is a picker too: "Name (#id)" is accepted, anything else is a form error."""
    page = html(client_for(vendor_admin).get("/console/people/"))
    assert 'list="id_partner-options"' in page
    response = client_for(vendor_admin).post("/console/people/", {
        "email": "nobody@acme.test", "role": "partner_sales", "partner": "Acme somewhere"})
    assert response.status_code == 200
    assert "Choose one of the suggestions." in html(response)
    assert not Invitation.objects.exists()
    response = client_for(vendor_admin).post("/console/people/", {
        "email": "rep2@acme.test", "role": "partner_sales", "partner": f"{acme.name} (#{acme.pk})"})
    assert response.status_code == 302
    assert Invitation.objects.get(email="rep2@acme.test").partner == acme
