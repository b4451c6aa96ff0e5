"""The portal shell: every portal page for its own partner's people only, and the home dashboard."""


import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, client_for
from openprm.accounts import services as accounts
from openprm.conftest import activate_partner
from openprm.partners.models import OnboardingTask

pytestmark = pytest.mark.django_db


PAGES = ["portal:home", "partners:portal_profile", "accounts:portal_users"]


ADMIN_PAGES = ["partners:portal_profile_edit", "partners:portal_branding_edit", "partners:portal_contact_add"]


@pytest.mark.parametrize("name", PAGES + ADMIN_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, name, acme):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES + ADMIN_PAGES)
def test_it_refuses_vendor_staff(name, vendor_admin, channel_manager):
    for user in (vendor_admin, channel_manager):
        assert client_for(user).get(reverse(name)).status_code == 403


POST_ROUTES = [("partners:portal_task_done", [1]), ("partners:portal_contact_delete", [1]),
               ("partners:portal_domain_add", []), ("partners:portal_domain_remove", [1]),
               ("accounts:portal_user_update", [1]), ("accounts:portal_invitation_revoke", [1]),
               ("partners:portal_join_approve", [1]), ("partners:portal_join_decline", [1]),
               ("accounts:portal_users", []), ("partners:portal_profile_edit", []),
               ("partners:portal_branding_edit", []), ("partners:portal_contact_add", [])]


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

    activate_partner(acme, channel_manager)
    activate_partner(globex, other_manager)
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


def test_the_first_sign_in_says_welcome_and_the_next_welcome_back(acme_rep):
    """Issue 10, item 11: "Welcome back" only to someone who has been here before."""
    def sign_in_and_read_home():
        client = Client()
        response = client.post(reverse("accounts:login"), {"email": acme_rep.email, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:2000]
        return client.get(reverse("portal:home")).content.decode()

    first = sign_in_and_read_home()
    assert f"Welcome, {acme_rep.display_name}" in first and "Welcome back" not in first
    assert f"Welcome back, {acme_rep.display_name}" in sign_in_and_read_home()
