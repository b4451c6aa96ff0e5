"""Issue 2 end to end: a vendor admin adds a partner and invites its admin, who joins, edits the company
profile, and cannot reach another partner's pages."""

import re

import pytest
from playwright.sync_api import expect

from openprm.accounts import services as accounts
from openprm.accounts.models import Invitation, User
from openprm.partners import services as partners
from openprm.partners.models import Partner

from .support import emailed_path, flash, login, logout, screenshot

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Initech-staplers-2026"


def seed_program(admin, manager):
    """A few partners along the lifecycle, so the list and the board look like a program in use."""
    rows = [
        ("Northwind Traders", ["reseller"], "US", "northwind.example", "active"),
        ("Contoso Cloud", ["msp", "technology"], "GB", "contoso.example", "onboarding"),
        ("Umbrella Data", ["distributor"], "IN", "umbrella.example", "negotiation"),
        ("Stark Integrations", ["technology"], "JP", "stark.example", "qualification"),
        ("Wayne Analytics", ["referral"], "BR", "wayne.example", "identification"),
    ]
    path = ["qualification", "negotiation", "onboarding", "active"]
    for name, types, country, domain, stage in rows:
        partner = partners.create_partner(actor=admin, data={
            "name": name, "types": types, "country": country, "domain": domain, "manager": manager})
        for step in path[: path.index(stage) + 1] if stage != "identification" else []:
            partner = partners.change_stage(actor=admin, partner=partner, stage=step)


def test_admin_adds_partner_invites_its_admin_who_edits_the_profile(new_page, vendor_admin, channel_manager,
                                                                     globex):
    seed_program(vendor_admin, channel_manager)
    globex_contact = partners.save_contact(actor=vendor_admin, partner=globex, data={
        "name": "Hans Globex", "email": "hans@globex.test"})

    # The vendor admin signs in and adds the partner.
    console = new_page()
    login(console, "ada@vendor.test", lands_on="/console/")
    console.goto("/console/partners/new/")
    console.fill("#id_name", "Initech Solutions")
    console.fill("#id_legal_name", "Initech Solutions LLC")
    console.get_by_label("Reseller").check()
    console.select_option("#id_country", "US")
    console.fill("#id_domain", "initech.example")
    console.fill("#id_website", "initech.example")
    # The channel manager is picked by searching (lib/pickers.py): "Name (#id)".
    console.fill("#id_manager", f"{channel_manager.display_name} (#{channel_manager.pk})")
    console.get_by_role("button", name="Add partner").click()
    expect(flash(console)).to_contain_text("Initech Solutions added in Identification.")
    partner = Partner.objects.get(domain="initech.example")
    assert console.url.endswith(f"/console/partners/{partner.pk}/")
    assert (partner.stage, partner.manager, partner.country, partner.region) == (
        "identification", channel_manager, "US", "north_america")
    assert partner.type_codes == ["reseller"]
    expect(console.get_by_role("heading", name="Initech Solutions")).to_be_visible()
    screenshot(console, "console-partner-detail")

    # … and invites the partner's admin from the Users tab.
    console.get_by_role("link", name="Users", exact=True).click()
    console.fill("#id_email", "pat@initech.example")
    console.fill("#id_full_name", "Pat Initech")
    expect(console.locator("#id_role")).to_have_value("partner_admin")
    console.get_by_role("button", name="Send invitation").click()
    expect(flash(console)).to_contain_text("Invitation sent to pat@initech.example.")
    invitation = Invitation.objects.get(email="pat@initech.example")
    assert (invitation.partner, invitation.role, invitation.invited_by) == (partner, "partner_admin", vendor_admin)
    expect(console.locator("table").filter(has_text="pat@initech.example")).to_contain_text("Partner admin")

    console.goto("/console/partners/")
    expect(console.locator("main")).to_contain_text("7 partners")
    expect(console.locator("table")).to_contain_text("Initech Solutions")
    screenshot(console, "console-partners")
    console.goto("/console/board/")
    board = console.locator("main")
    expect(board).to_contain_text("Northwind Traders")
    expect(board).to_contain_text("Initech Solutions")
    screenshot(console, "console-lifecycle-board")

    # The invitee opens the e-mailed link, chooses a password …
    portal = new_page()
    portal.goto(emailed_path("pat@initech.example", "/invitations/"))
    expect(portal.locator("#id_full_name")).to_have_value("Pat Initech")
    portal.fill("#id_password", NEW_PASSWORD)
    portal.fill("#id_password_again", NEW_PASSWORD)
    portal.locator("form button[type=submit]").click()
    expect(flash(portal)).to_contain_text("Welcome to OpenPRM, Pat Initech.")
    pat = User.objects.get(email="pat@initech.example")
    assert (pat.partner, pat.role, pat.is_active) == (partner, "partner_admin", True)
    invitation.refresh_from_db()
    assert invitation.status == "accepted"

    # … and signs in with it.
    logout(portal)
    login(portal, "pat@initech.example", NEW_PASSWORD, lands_on="/portal/")
    expect(portal.get_by_role("heading", name="Initech Solutions", exact=True)).to_be_visible()
    screenshot(portal, "portal-home")

    # The partner admin edits the company profile.
    portal.goto("/portal/profile/edit/")
    portal.fill("#id_description", "Staplers, TPS reports and everything a growing office needs.")
    portal.fill("#id_languages", "en, es")
    portal.fill("#id_time_zone", "America/Chicago")  # a searchable time-zone picker
    screenshot(portal, "portal-profile-edit")
    portal.get_by_role("button", name="Save profile").click()
    expect(flash(portal)).to_contain_text("Your company profile is saved.")
    assert portal.url.endswith("/portal/profile/")
    expect(portal.locator("main")).to_contain_text("Staplers, TPS reports")
    partner.refresh_from_db()
    assert partner.description == "Staplers, TPS reports and everything a growing office needs."
    assert (partner.languages, partner.time_zone) == (["en", "es"], "America/Chicago")

    # Another partner's pages: the console is not for partners (403), Globex's contact does not exist (404).
    response = portal.goto(f"/console/partners/{globex.pk}/")
    assert response.status == 403
    response = portal.goto(f"/portal/profile/contacts/{globex_contact.pk}/")
    assert response.status == 404
    assert "Globex" not in portal.content()
    globex_contact.refresh_from_db()
    assert globex_contact.name == "Hans Globex"


def test_invitation_link_refuses_mismatched_passwords_and_works_once(new_page, vendor_admin):
    partner = partners.create_partner(actor=vendor_admin, data={
        "name": "Hooli", "types": ["technology"], "country": "US", "domain": "hooli.example"})
    _, path = accounts.invite(actor=vendor_admin, email="gavin@hooli.example", role="partner_admin",
                              partner=partner, full_name="Gavin Belson")
    page = new_page()
    page.goto(path)
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", "Something-else-2026")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".errorlist")).to_contain_text("The two passwords differ.")
    assert not User.objects.filter(email="gavin@hooli.example").exists()
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", NEW_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/$"))
    response = page.goto(path)
    assert response.status == 404
    expect(page.locator("body")).to_contain_text("invalid, used or expired")
