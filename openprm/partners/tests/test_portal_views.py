"""The portal's partner pages: onboarding steps, company profile, branding, contacts, domains, requests to join."""

import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from conftest import PASSWORD, client_for
from openprm.accounts.models import User
from openprm.audit.models import AuditEvent
from openprm.conftest import activate_partner
from openprm.partners import services as partners
from openprm.partners.models import Contact, JoinRequest, OnboardingTask, PartnerDomain

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_contact(acme, vendor_admin):
    return partners.save_contact(actor=vendor_admin, partner=acme,
                                 data={"name": "Paula Primary", "email": "paula@acme.test", "is_primary": True})


def test_partner_admin_ticks_a_partner_step(acme_onboarding, acme_admin):
    task = OnboardingTask.objects.filter(partner=acme_onboarding, owner_side="partner").first()
    response = client_for(acme_admin).post(reverse("partners:portal_task_done", args=[task.pk]), {"done": "1"},
                                           follow=True)
    task.refresh_from_db()
    assert task.is_done and task.completed_by == acme_admin
    assert "marked done" in response.content.decode()
    assert AuditEvent.objects.filter(verb="onboarding.task_done", object_id=str(task.pk)).exists()


def test_sales_rep_cannot_tick_steps(acme_onboarding, acme_rep):
    task = OnboardingTask.objects.filter(partner=acme_onboarding, owner_side="partner").first()
    html = client_for(acme_rep).get(reverse("portal:home")).content.decode()
    assert "Mark done" not in html
    assert client_for(acme_rep).post(reverse("partners:portal_task_done", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert not task.is_done


def test_partner_admin_cannot_tick_a_vendor_step(acme_onboarding, acme_admin):
    task = OnboardingTask.objects.filter(partner=acme_onboarding, owner_side="vendor").first()
    assert client_for(acme_admin).post(reverse("partners:portal_task_done", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert not task.is_done


def test_another_partners_onboarding_step_is_not_found(globex, other_manager, acme_admin):
    for stage in ("qualification", "negotiation", "onboarding"):
        partners.change_stage(actor=other_manager, partner=globex, stage=stage)
    task = OnboardingTask.objects.filter(partner=globex, owner_side="partner").first()
    assert client_for(acme_admin).post(reverse("partners:portal_task_done", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert not task.is_done


def test_profile_shows_details_branding_and_contacts(acme, acme_rep, acme_contact, vendor_admin):
    partners.update_partner(actor=vendor_admin, partner=acme, data={
        "brand_name": "Acme Cloud", "brand_primary_color": "#112233", "legal_name": "Acme Systems Inc."})
    html = client_for(acme_rep).get(reverse("partners:portal_profile")).content.decode()
    assert "Acme Systems Inc." in html and "Acme Cloud" in html
    assert "background: #112233" in html  # the colour swatch
    assert "Paula Primary" in html
    assert "Read-only" in html
    assert reverse("partners:portal_profile_edit") not in html


def test_partner_admin_edits_the_profile(acme, acme_admin):
    response = client_for(acme_admin).post(reverse("partners:portal_profile_edit"), {
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
    response = client_for(acme_admin).post(reverse("partners:portal_profile_edit"), {
        "name": "Acme Renamed", "country": "US", "time_zone": "UTC", "domain": "globex.test",
    })
    assert response.status_code == 200
    assert "Already used" in response.content.decode()
    acme.refresh_from_db()
    assert acme.name == "Acme Systems" and acme.domain == "acme.test"


def test_sales_rep_cannot_edit_the_profile(acme, acme_rep):
    client = client_for(acme_rep)
    response = client.post(reverse("partners:portal_profile_edit"),
                           {"name": "Hacked", "country": "US", "time_zone": "UTC"})
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.name == "Acme Systems"
    assert not AuditEvent.objects.filter(verb="partner.updated", partner=acme).exists()


def test_partner_admin_sets_branding_with_a_logo(acme, acme_admin, settings, tmp_path, vendor_admin):
    settings.MEDIA_ROOT = tmp_path
    partners.update_partner(actor=vendor_admin, partner=acme, data={"website": "https://acme.test"})
    page = client_for(acme_admin).get(reverse("partners:portal_branding_edit")).content.decode()
    assert 'name="brand_logo"' in page and 'name="website"' not in page
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (170, 0, 0)).save(buffer, format="PNG")
    logo = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    response = client_for(acme_admin).post(reverse("partners:portal_branding_edit"), {
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
    response = client_for(acme_admin).post(reverse("partners:portal_branding_edit"), {
        "brand_name": "Changed", "brand_logo": bad})
    assert response.status_code == 200
    assert "Use a PNG, JPEG or WebP image." in response.content.decode()
    acme.refresh_from_db()
    assert acme.brand_name == "" and not acme.brand_logo


def test_partner_admin_adds_edits_and_deletes_contacts(acme, acme_admin):
    client = client_for(acme_admin)
    client.post(reverse("partners:portal_contact_add"), {"name": "Bea Billing", "email": "bea@acme.test",
                                                "job_title": "Billing"})
    contact = Contact.objects.get(partner=acme, name="Bea Billing")
    client.post(reverse("partners:portal_contact_edit", args=[contact.pk]), {"name": "Bea Billing", "phone": "+1 555",
                                                                    "is_primary": "on"})
    contact.refresh_from_db()
    assert contact.phone == "+1 555" and contact.is_primary
    response = client.post(reverse("partners:portal_contact_delete", args=[contact.pk]), follow=True)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert "Bea Billing removed" in response.content.decode()


def test_contact_form_errors_are_inline(acme_admin, acme):
    response = client_for(acme_admin).post(reverse("partners:portal_contact_add"), {"name": "", "email": "nope"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Contact.objects.filter(partner=acme).exists()


def test_another_partners_contact_is_not_found(acme_admin, globex_contact):
    client = client_for(acme_admin)
    assert client.get(reverse("partners:portal_contact_edit", args=[globex_contact.pk])).status_code == 404
    url = reverse("partners:portal_contact_edit", args=[globex_contact.pk])
    assert client.post(url, {"name": "Mine"}).status_code == 404
    assert client.post(reverse("partners:portal_contact_delete", args=[globex_contact.pk])).status_code == 404
    globex_contact.refresh_from_db()
    assert globex_contact.name == "Gustav Geheim"


def test_sales_rep_cannot_change_contacts(acme_rep, acme_contact):
    client = client_for(acme_rep)
    url = reverse("partners:portal_contact_edit", args=[acme_contact.pk])
    assert client.post(url, {"name": "X"}).status_code == 403
    assert client.post(reverse("partners:portal_contact_delete", args=[acme_contact.pk])).status_code == 403
    acme_contact.refresh_from_db()
    assert acme_contact.name == "Paula Primary"


def test_partner_admin_adds_a_domain_that_waits_for_verification(acme, acme_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(reverse("partners:portal_domain_add"),
                                               {"domain": "https://www.Acme-EU.test/"}, follow=True)
    domain = PartnerDomain.objects.get(partner=acme)
    assert domain.domain == "acme-eu.test" and not domain.verified
    assert "Awaiting verification" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["cmo@vendor.test"]]  # the channel manager is asked to verify


def test_domains_of_webmail_or_other_partners_are_refused(acme, acme_admin, globex, vendor_admin):
    partners.add_domain(actor=vendor_admin, partner=globex, domain="globex.test")
    client = client_for(acme_admin)
    response = client.post(reverse("partners:portal_domain_add"), {"domain": "gmail.com"}, follow=True)
    assert "public e-mail provider" in response.content.decode()
    response = client.post(reverse("partners:portal_domain_add"), {"domain": "globex.test"}, follow=True)
    assert "already claimed by another partner" in response.content.decode()
    assert not PartnerDomain.objects.filter(partner=acme).exists()


def test_sales_rep_cannot_add_domains_and_another_partners_domain_is_not_found(acme_rep, acme_admin, globex,
                                                                               vendor_admin):
    theirs = partners.add_domain(actor=vendor_admin, partner=globex, domain="globex.test")
    assert client_for(acme_rep).post(reverse("partners:portal_domain_add"), {"domain": "acme.test"}).status_code == 403
    assert client_for(acme_admin).post(reverse("partners:portal_domain_remove", args=[theirs.pk])).status_code == 404
    assert PartnerDomain.objects.filter(pk=theirs.pk).exists()
    assert not PartnerDomain.objects.filter(domain="acme.test").exists()


@pytest.fixture
def acme_join(acme, acme_admin, channel_manager, vendor_admin):
    activate_partner(acme, channel_manager)
    domain = partners.add_domain(actor=vendor_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=channel_manager, domain=domain)
    join = partners.request_to_join(email="jo@acme.test", full_name="Jo Joiner", password=PASSWORD)
    # Only a confirmed address reaches the partner admins.
    return partners.confirm_join_request(token=partners.join_confirmation_token(join))


def test_partner_admin_sees_and_approves_a_join_request(acme_join, acme_admin, django_capture_on_commit_callbacks):
    client = client_for(acme_admin)
    assert "Jo Joiner" in client.get(reverse("accounts:portal_users")).content.decode()
    assert "1 request to join" in client.get(reverse("portal:home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partners:portal_join_approve", args=[acme_join.pk]), {"role": "partner_marketing"})
    user = User.objects.get(email="jo@acme.test")
    assert user.partner == acme_admin.partner and user.role == "partner_marketing" and user.is_active
    assert check_password(PASSWORD, user.password)  # the password chosen at /join/
    assert mail.outbox[-1].to == ["jo@acme.test"]
    acme_join.refresh_from_db()
    assert acme_join.status == "approved"
    assert "Requests to join" not in client.get(reverse("accounts:portal_users")).content.decode()


def test_partner_admin_declines_a_join_request(acme_join, acme_admin):
    client_for(acme_admin).post(reverse("partners:portal_join_decline", args=[acme_join.pk]))
    acme_join.refresh_from_db()
    assert acme_join.status == "declined"
    assert not User.objects.filter(email="jo@acme.test").exists()


def test_sales_rep_and_other_partners_cannot_decide_join_requests(acme_join, acme_rep, globex_admin):
    assert client_for(acme_rep).get(reverse("accounts:portal_users")).content.decode().count("Jo Joiner") == 0
    assert client_for(acme_rep).post(reverse("partners:portal_join_approve", args=[acme_join.pk]),
                                     {"role": "partner_sales"}).status_code == 403
    assert client_for(globex_admin).post(reverse("partners:portal_join_approve", args=[acme_join.pk]),
                                         {"role": "partner_sales"}).status_code == 404
    acme_join.refresh_from_db()
    assert acme_join.status == "pending"
    assert not JoinRequest.objects.exclude(status="pending").exists()
    assert not User.objects.filter(email="jo@acme.test").exists()
