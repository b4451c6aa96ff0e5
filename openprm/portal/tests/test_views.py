"""The partner portal: each page for its own partner's people, nothing of other partners, roles enforced."""

import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from conftest import PASSWORD, client_for
from openprm.accounts import services as accounts
from openprm.accounts.models import Invitation, User
from openprm.audit.models import AuditEvent
from openprm.partners import services as partners
from openprm.partners.models import Contact, JoinRequest, OnboardingTask, PartnerDomain

PAGES = ["portal:home", "portal:profile", "portal:users"]
ADMIN_PAGES = ["portal:profile_edit", "portal:branding_edit", "portal:contact_add"]


@pytest.fixture
def globex_contact(globex, vendor_admin):
    return partners.save_contact(actor=vendor_admin, partner=globex,
                                 data={"name": "Gustav Geheim", "email": "gustav@globex.test"})


@pytest.fixture
def acme_contact(acme, vendor_admin):
    return partners.save_contact(actor=vendor_admin, partner=acme,
                                 data={"name": "Paula Primary", "email": "paula@acme.test", "is_primary": True})


@pytest.fixture
def acme_onboarding(acme, channel_manager):
    """Acme in onboarding with its default checklist (from the seeded template)."""
    partners.change_stage(actor=channel_manager, partner=acme, stage="qualification")
    partners.change_stage(actor=channel_manager, partner=acme, stage="negotiation")
    partners.change_stage(actor=channel_manager, partner=acme, stage="onboarding")
    acme.refresh_from_db()
    return acme


def _activate(partner, manager):
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=manager, partner=partner, stage=stage)
    partner.refresh_from_db()
    return partner


# ---------------------------------------------------------------- access to every page

@pytest.mark.parametrize("name", PAGES + ADMIN_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, name, acme):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES + ADMIN_PAGES)
def test_it_refuses_vendor_staff(name, vendor_admin, channel_manager):
    for user in (vendor_admin, channel_manager):
        assert client_for(user).get(reverse(name)).status_code == 403


POST_ROUTES = [("portal:task_done", [1]), ("portal:contact_delete", [1]), ("portal:domain_add", []),
               ("portal:domain_remove", [1]), ("portal:user_update", [1]), ("portal:invitation_revoke", [1]),
               ("portal:join_approve", [1]), ("portal:join_decline", [1]), ("portal:users", []),
               ("portal:profile_edit", []), ("portal:branding_edit", []), ("portal:contact_add", [])]


@pytest.mark.parametrize("name, args", POST_ROUTES)
def test_every_action_refuses_vendor_staff_and_anonymous(client, name, args, vendor_admin):
    url = reverse(name, args=args)
    assert client_for(vendor_admin).post(url, {"name": "x", "domain": "x.test"}).status_code == 403
    assert client.post(url).status_code == 302


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_for_each_partner_user(name, acme_admin, acme_rep):
    for user in (acme_admin, acme_rep):
        response = client_for(user).get(reverse(name))
        assert response.status_code == 200
        assert "Acme Systems" in response.content.decode()


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_open_for_the_partner_admin_only(name, acme_admin, acme_rep):
    assert client_for(acme_admin).get(reverse(name)).status_code == 200
    assert client_for(acme_rep).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES + ADMIN_PAGES)
def test_no_page_shows_anything_of_another_partner(name, acme_admin, globex_admin, globex_contact):
    accounts.invite(actor=globex_admin, email="new@globex.test", role="partner_sales", partner=globex_admin.partner)
    html = client_for(acme_admin).get(reverse(name)).content.decode()
    for secret in ("Globex", "gina@globex.test", "Gustav", "new@globex.test"):
        assert secret not in html


# ---------------------------------------------------------------- home

def test_home_shows_stage_tier_manager_and_team(acme_admin, acme_rep, channel_manager):
    html = client_for(acme_rep).get(reverse("portal:home")).content.decode()
    assert "Identification" in html
    assert "Not yet tiered" in html
    assert "Carl Manager" in html and "cmo@vendor.test" in html
    assert "No onboarding checklist yet" in html
    assert '<div class="value">2</div>' in html  # Alice and Rick


def test_home_shows_the_tier_when_set(acme, acme_rep):
    type(acme).objects.filter(pk=acme.pk).update(tier="gold")
    html = client_for(acme_rep).get(reverse("portal:home")).content.decode()
    assert "Gold tier" in html
    assert "Not yet tiered" not in html


def test_home_shows_onboarding_progress_and_partner_steps(acme_onboarding, acme_admin):
    tasks = list(OnboardingTask.objects.filter(partner=acme_onboarding))
    partner_steps = [t for t in tasks if t.owner_side == "partner"]
    assert tasks and partner_steps, "the seeded default template has vendor and partner steps"
    html = client_for(acme_admin).get(reverse("portal:home")).content.decode()
    assert f"0 of {len(tasks)} steps done" in html
    for task in partner_steps:
        assert task.title in html
    assert "Mark done" in html


def test_partner_admin_ticks_a_partner_step(acme_onboarding, acme_admin):
    task = OnboardingTask.objects.filter(partner=acme_onboarding, owner_side="partner").first()
    response = client_for(acme_admin).post(reverse("portal:task_done", args=[task.pk]), {"done": "1"}, follow=True)
    task.refresh_from_db()
    assert task.is_done and task.completed_by == acme_admin
    assert "marked done" in response.content.decode()
    assert AuditEvent.objects.filter(verb="onboarding.task_done", object_id=str(task.pk)).exists()


def test_sales_rep_cannot_tick_steps(acme_onboarding, acme_rep):
    task = OnboardingTask.objects.filter(partner=acme_onboarding, owner_side="partner").first()
    html = client_for(acme_rep).get(reverse("portal:home")).content.decode()
    assert "Mark done" not in html
    assert client_for(acme_rep).post(reverse("portal:task_done", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert not task.is_done


def test_partner_admin_cannot_tick_a_vendor_step(acme_onboarding, acme_admin):
    task = OnboardingTask.objects.filter(partner=acme_onboarding, owner_side="vendor").first()
    assert client_for(acme_admin).post(reverse("portal:task_done", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert not task.is_done


def test_another_partners_onboarding_step_is_not_found(globex, other_manager, acme_admin):
    for stage in ("qualification", "negotiation", "onboarding"):
        partners.change_stage(actor=other_manager, partner=globex, stage=stage)
    task = OnboardingTask.objects.filter(partner=globex, owner_side="partner").first()
    assert client_for(acme_admin).post(reverse("portal:task_done", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert not task.is_done


# ---------------------------------------------------------------- company profile

def test_profile_shows_details_branding_and_contacts(acme, acme_rep, acme_contact, vendor_admin):
    partners.update_partner(actor=vendor_admin, partner=acme, data={
        "brand_name": "Acme Cloud", "brand_primary_color": "#112233", "legal_name": "Acme Systems Inc."})
    html = client_for(acme_rep).get(reverse("portal:profile")).content.decode()
    assert "Acme Systems Inc." in html and "Acme Cloud" in html
    assert "background: #112233" in html  # the colour swatch
    assert "Paula Primary" in html
    assert "Read-only" in html
    assert reverse("portal:profile_edit") not in html


def test_partner_admin_edits_the_profile(acme, acme_admin):
    response = client_for(acme_admin).post(reverse("portal:profile_edit"), {
        "name": "Acme Systems", "legal_name": "Acme Systems LLC", "country": "CA", "time_zone": "America/Toronto",
        "languages": "en, fr", "website": "https://acme.test", "domain": "acme.test", "description": "We sell.",
        "locator_opt_in": "on",
    }, follow=True)
    acme.refresh_from_db()
    assert acme.legal_name == "Acme Systems LLC"
    assert acme.country == "CA" and acme.region == "north_america"
    assert acme.languages == ["en", "fr"] and acme.locator_opt_in
    assert "profile is saved" in response.content.decode()
    assert AuditEvent.objects.filter(verb="partner.updated", partner=acme, actor=acme_admin).exists()


def test_profile_errors_show_on_the_form_and_change_nothing(acme, acme_admin, globex):
    response = client_for(acme_admin).post(reverse("portal:profile_edit"), {
        "name": "Acme Renamed", "country": "US", "time_zone": "UTC", "domain": "globex.test",
    })
    assert response.status_code == 200
    assert "Already used" in response.content.decode()
    acme.refresh_from_db()
    assert acme.name == "Acme Systems" and acme.domain == "acme.test"


def test_sales_rep_cannot_edit_the_profile(acme, acme_rep):
    client = client_for(acme_rep)
    response = client.post(reverse("portal:profile_edit"), {"name": "Hacked", "country": "US", "time_zone": "UTC"})
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.name == "Acme Systems"
    assert not AuditEvent.objects.filter(verb="partner.updated", partner=acme).exists()


def test_partner_admin_sets_branding_with_a_logo(acme, acme_admin, settings, tmp_path, vendor_admin):
    settings.MEDIA_ROOT = tmp_path
    partners.update_partner(actor=vendor_admin, partner=acme, data={"website": "https://acme.test"})
    page = client_for(acme_admin).get(reverse("portal:branding_edit")).content.decode()
    assert 'name="brand_logo"' in page and 'name="website"' not in page
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (170, 0, 0)).save(buffer, format="PNG")
    logo = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    response = client_for(acme_admin).post(reverse("portal:branding_edit"), {
        "brand_name": "Acme Cloud", "brand_primary_color": "#aa0000", "brand_secondary_color": "",
        "support_email": "help@acme.test", "brand_domain": "partners.acme.test", "brand_logo": logo,
    })
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.brand_name == "Acme Cloud" and acme.brand_primary_color == "#aa0000"
    assert acme.brand_logo.name.endswith(".png")
    assert acme.website == "https://acme.test"  # the branding page leaves the rest of the profile alone
    html = client_for(acme_admin).get(reverse("portal:home")).content.decode()
    assert acme.brand_logo.url in html
    assert AuditEvent.objects.filter(verb="partner.logo_changed", partner=acme).exists()


def test_a_bad_logo_is_refused_and_nothing_changes(acme, acme_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("logo.exe", b"MZ" * 50)
    response = client_for(acme_admin).post(reverse("portal:branding_edit"), {
        "brand_name": "Changed", "brand_logo": bad})
    assert response.status_code == 200
    assert "Use a PNG, JPEG or WebP image." in response.content.decode()
    acme.refresh_from_db()
    assert acme.brand_name == "" and not acme.brand_logo


def test_partner_admin_adds_edits_and_deletes_contacts(acme, acme_admin):
    client = client_for(acme_admin)
    client.post(reverse("portal:contact_add"), {"name": "Bea Billing", "email": "bea@acme.test",
                                                "job_title": "Billing"})
    contact = Contact.objects.get(partner=acme, name="Bea Billing")
    client.post(reverse("portal:contact_edit", args=[contact.pk]), {"name": "Bea Billing", "phone": "+1 555",
                                                                    "is_primary": "on"})
    contact.refresh_from_db()
    assert contact.phone == "+1 555" and contact.is_primary
    response = client.post(reverse("portal:contact_delete", args=[contact.pk]), follow=True)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert "Bea Billing removed" in response.content.decode()


def test_contact_form_errors_are_inline(acme_admin, acme):
    response = client_for(acme_admin).post(reverse("portal:contact_add"), {"name": "", "email": "nope"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Contact.objects.filter(partner=acme).exists()


def test_another_partners_contact_is_not_found(acme_admin, globex_contact):
    client = client_for(acme_admin)
    assert client.get(reverse("portal:contact_edit", args=[globex_contact.pk])).status_code == 404
    assert client.post(reverse("portal:contact_edit", args=[globex_contact.pk]), {"name": "Mine"}).status_code == 404
    assert client.post(reverse("portal:contact_delete", args=[globex_contact.pk])).status_code == 404
    globex_contact.refresh_from_db()
    assert globex_contact.name == "Gustav Geheim"


def test_sales_rep_cannot_change_contacts(acme_rep, acme_contact):
    client = client_for(acme_rep)
    assert client.post(reverse("portal:contact_edit", args=[acme_contact.pk]), {"name": "X"}).status_code == 403
    assert client.post(reverse("portal:contact_delete", args=[acme_contact.pk])).status_code == 403
    acme_contact.refresh_from_db()
    assert acme_contact.name == "Paula Primary"


def test_partner_admin_adds_a_domain_that_waits_for_verification(acme, acme_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(reverse("portal:domain_add"), {"domain": "https://www.Acme-EU.test/"},
                                               follow=True)
    domain = PartnerDomain.objects.get(partner=acme)
    assert domain.domain == "acme-eu.test" and not domain.verified
    assert "Awaiting verification" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["cmo@vendor.test"]]  # the channel manager is asked to verify


def test_domains_of_webmail_or_other_partners_are_refused(acme, acme_admin, globex, vendor_admin):
    partners.add_domain(actor=vendor_admin, partner=globex, domain="globex.test")
    client = client_for(acme_admin)
    response = client.post(reverse("portal:domain_add"), {"domain": "gmail.com"}, follow=True)
    assert "public e-mail provider" in response.content.decode()
    response = client.post(reverse("portal:domain_add"), {"domain": "globex.test"}, follow=True)
    assert "already claimed by another partner" in response.content.decode()
    assert not PartnerDomain.objects.filter(partner=acme).exists()


def test_sales_rep_cannot_add_domains_and_another_partners_domain_is_not_found(acme_rep, acme_admin, globex,
                                                                               vendor_admin):
    theirs = partners.add_domain(actor=vendor_admin, partner=globex, domain="globex.test")
    assert client_for(acme_rep).post(reverse("portal:domain_add"), {"domain": "acme.test"}).status_code == 403
    assert client_for(acme_admin).post(reverse("portal:domain_remove", args=[theirs.pk])).status_code == 404
    assert PartnerDomain.objects.filter(pk=theirs.pk).exists()
    assert not PartnerDomain.objects.filter(domain="acme.test").exists()


# ---------------------------------------------------------------- users and invitations

def test_users_page_lists_own_people_and_invitations(acme_admin, acme_rep, globex_admin):
    accounts.invite(actor=acme_admin, email="ivy@acme.test", role="partner_marketing", partner=acme_admin.partner)
    html = client_for(acme_rep).get(reverse("portal:users")).content.decode()
    assert "alice@acme.test" in html and "rick@acme.test" in html and "ivy@acme.test" in html
    assert "gina@globex.test" not in html
    assert "Send invitation" not in html  # a sales rep sees the team but manages nothing


def test_partner_admin_invites_a_colleague(acme, acme_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(reverse("portal:users"), {
            "email": "Nina@Acme.test", "full_name": "Nina New", "role": "partner_support"}, follow=True)
    invitation = Invitation.objects.get(email="nina@acme.test")
    assert invitation.partner == acme and invitation.role == "partner_support"
    assert "Invitation sent to" in response.content.decode()
    assert mail.outbox[0].to == ["nina@acme.test"]


def test_partner_admin_cannot_invite_vendor_roles(acme_admin):
    response = client_for(acme_admin).post(reverse("portal:users"), {"email": "evil@acme.test", "role": "admin"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.filter(email="evil@acme.test").exists()


def test_inviting_an_existing_user_shows_the_error(acme_admin, acme_rep):
    response = client_for(acme_admin).post(reverse("portal:users"), {"email": "rick@acme.test",
                                                                     "role": "partner_sales"})
    assert "Already has an account." in response.content.decode()
    assert not Invitation.objects.exists()


def test_sales_rep_cannot_invite(acme_rep):
    response = client_for(acme_rep).post(reverse("portal:users"), {"email": "x@acme.test", "role": "partner_sales"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_partner_admin_revokes_an_invitation(acme_admin):
    invitation, _ = accounts.invite(actor=acme_admin, email="ivy@acme.test", role="partner_sales",
                                    partner=acme_admin.partner)
    client_for(acme_admin).post(reverse("portal:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_another_partners_invitation_is_not_found(acme_admin, globex_admin):
    invitation, _ = accounts.invite(actor=globex_admin, email="gus@globex.test", role="partner_sales",
                                    partner=globex_admin.partner)
    assert client_for(acme_admin).post(reverse("portal:invitation_revoke", args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_partner_admin_changes_a_role_and_deactivates_and_reactivates(acme_admin, acme_rep):
    client = client_for(acme_admin)
    client.post(reverse("portal:user_update", args=[acme_rep.pk]), {"role": "partner_marketing"})
    acme_rep.refresh_from_db()
    assert acme_rep.role == "partner_marketing"
    client.post(reverse("portal:user_update", args=[acme_rep.pk]), {"is_active": "0"})
    acme_rep.refresh_from_db()
    assert not acme_rep.is_active
    assert client_for(acme_rep).get(reverse("portal:home")).status_code == 302  # signed out
    client.post(reverse("portal:user_update", args=[acme_rep.pk]), {"is_active": "1"})
    acme_rep.refresh_from_db()
    assert acme_rep.is_active


def test_partner_admin_cannot_grant_a_vendor_role(acme_admin, acme_rep):
    client_for(acme_admin).post(reverse("portal:user_update", args=[acme_rep.pk]), {"role": "admin"})
    acme_rep.refresh_from_db()
    assert acme_rep.role == "partner_sales"


def test_partner_admin_cannot_lock_themselves_out(acme_admin):
    response = client_for(acme_admin).post(reverse("portal:user_update", args=[acme_admin.pk]),
                                           {"is_active": "0", "role": "partner_sales"}, follow=True)
    assert "cannot change your own role" in response.content.decode()
    acme_admin.refresh_from_db()
    assert acme_admin.is_active and acme_admin.role == "partner_admin"


def test_sales_rep_cannot_manage_users(acme_admin, acme_rep):
    assert client_for(acme_rep).post(reverse("portal:user_update", args=[acme_admin.pk]),
                                     {"is_active": "0"}).status_code == 403
    acme_admin.refresh_from_db()
    assert acme_admin.is_active


def test_another_partners_user_is_not_found(acme_admin, globex_admin):
    response = client_for(acme_admin).post(reverse("portal:user_update", args=[globex_admin.pk]), {"is_active": "0"})
    assert response.status_code == 404
    globex_admin.refresh_from_db()
    assert globex_admin.is_active


# ---------------------------------------------------------------- join requests

@pytest.fixture
def acme_join(acme, acme_admin, channel_manager, vendor_admin):
    _activate(acme, channel_manager)
    domain = partners.add_domain(actor=vendor_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=channel_manager, domain=domain)
    join = partners.request_to_join(email="jo@acme.test", full_name="Jo Joiner", password=PASSWORD)
    # Only a confirmed address reaches the partner admins.
    return partners.confirm_join_request(token=partners.join_confirmation_token(join))


def test_partner_admin_sees_and_approves_a_join_request(acme_join, acme_admin, django_capture_on_commit_callbacks):
    client = client_for(acme_admin)
    assert "Jo Joiner" in client.get(reverse("portal:users")).content.decode()
    assert "1 request to join" in client.get(reverse("portal:home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:join_approve", args=[acme_join.pk]), {"role": "partner_marketing"})
    user = User.objects.get(email="jo@acme.test")
    assert user.partner == acme_admin.partner and user.role == "partner_marketing" and user.is_active
    assert check_password(PASSWORD, user.password)  # the password chosen at /join/
    assert mail.outbox[-1].to == ["jo@acme.test"]
    acme_join.refresh_from_db()
    assert acme_join.status == "approved"
    assert "Requests to join" not in client.get(reverse("portal:users")).content.decode()


def test_partner_admin_declines_a_join_request(acme_join, acme_admin):
    client_for(acme_admin).post(reverse("portal:join_decline", args=[acme_join.pk]))
    acme_join.refresh_from_db()
    assert acme_join.status == "declined"
    assert not User.objects.filter(email="jo@acme.test").exists()


def test_sales_rep_and_other_partners_cannot_decide_join_requests(acme_join, acme_rep, globex_admin):
    assert client_for(acme_rep).get(reverse("portal:users")).content.decode().count("Jo Joiner") == 0
    assert client_for(acme_rep).post(reverse("portal:join_approve", args=[acme_join.pk]),
                                     {"role": "partner_sales"}).status_code == 403
    assert client_for(globex_admin).post(reverse("portal:join_approve", args=[acme_join.pk]),
                                         {"role": "partner_sales"}).status_code == 404
    acme_join.refresh_from_db()
    assert acme_join.status == "pending"
    assert not JoinRequest.objects.exclude(status="pending").exists()
    assert not User.objects.filter(email="jo@acme.test").exists()


def test_home_shows_the_partners_business_and_what_waits_on_it(acme, globex, acme_admin, acme_rep, globex_admin,
                                                               channel_manager, other_manager, vendor_admin):
    """Open deals, protection ending, leads, earnings and an agreement to sign — Acme's only, every card opens."""
    import re
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from openprm.agreements import services as agreements
    from openprm.commissions import services as commissions
    from openprm.deals import services as deals
    from openprm.deals.models import Registration

    _activate(acme, channel_manager)
    _activate(globex, other_manager)
    today = timezone.localdate()

    def register(user, partner, name):
        return deals.register(actor=user, partner=partner, data={
            "customer_name": name, "customer_domain": f"{name.lower()}.example", "customer_country": partner.country,
            "amount": "1000", "currency": "USD", "expected_close_date": (today + timedelta(days=30)).isoformat()})

    ending = register(acme_rep, acme, "Initech")
    deals.approve(actor=channel_manager, registration=ending)
    Registration.objects.filter(pk=ending.pk).update(protected_until=today + timedelta(days=5))
    register(globex_admin, globex, "Hooli")
    commissions.award_reward(actor=vendor_admin, partner=acme, amount=Decimal("750.00"), currency="EUR",
                             reason="Best newcomer")
    draft = agreements.create_agreement(actor=channel_manager, partner=acme, data={
        "kind": "reseller", "starts_on": today.isoformat()})
    agreements.send(actor=channel_manager, agreement=draft)

    admin_page = client_for(acme_admin).get(reverse("portal:home")).content.decode()
    assert "Register a deal" in admin_page
    assert re.search(r"Open registrations</div><div class=\"value\">1<", admin_page)
    assert "Protection ending within 14 days" in admin_page and "Initech" in admin_page
    assert "waiting for your signature" in admin_page
    assert "Hooli" not in admin_page and "Globex" not in admin_page
    rep = client_for(acme_rep)
    rep_page = rep.get(reverse("portal:home")).content.decode()
    assert "waiting for your signature" not in rep_page  # only admins sign
    assert "750.00 EUR" in rep_page  # the reward, in its own currency
    for href in re.findall(r'<a class="stat stat-link" href="([^"]+)"', rep_page):
        assert rep.get(href.replace("&amp;", "&")).status_code == 200, href
