"""The console shell: who gets in, the home dashboard and the program settings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for, make_user
from openprm.partners import services as partners
from openprm.partners.models import (
    Partner,
    Stage,
)

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def backdate(partner, days):
    """Put the partner `days` days into its current stage."""
    Partner.objects.filter(pk=partner.pk).update(stage_entered_at=timezone.now() - timedelta(days=days))


CONSOLE_PAGES = ["/console/", "/console/partners/", "/console/partners/new/", "/console/board/", "/console/people/",
                 "/console/audit/", "/console/settings/"]


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_partner_users_are_refused_the_console(acme_admin, url):
    response = client_for(acme_admin).get(url)
    assert response.status_code == 403
    assert "Acme Systems" not in html(response)


def test_home_counts_partners_and_lists_late_ones(acme, globex, vendor_admin):
    backdate(acme, 30)  # identification's target is 14 days
    partners.submit_application(data={"name": "Initech", "types": ["referral"], "country": "IN"},
                                contact={"name": "Peter", "email": "peter@initech.test"})
    page = html(client_for(vendor_admin).get("/console/"))
    assert "Applications waiting" in page
    assert "Late in stage" in page
    late_section = page.split("<h2>Late in stage</h2>")[1].split("Recent activity")[0]
    assert "Acme Systems" in late_section and "Globex" not in late_section
    assert "India" in page and "Europe" in page  # bars by region


def test_applications_waiting_lead_to_the_applications(acme, vendor_admin):
    partners.change_stage(actor=vendor_admin, partner=acme, stage="qualification")
    partners.submit_application(data={"name": "Initech", "types": ["referral"], "country": "IN"},
                                contact={"name": "Peter", "email": "peter@initech.test"})
    client = client_for(vendor_admin)
    assert "?stage=qualification&amp;source=application" in html(client.get("/console/"))
    page = html(client.get("/console/partners/?stage=qualification&source=application"))
    assert "Initech" in page and "Acme Systems" not in page


def test_home_shows_a_channel_manager_only_their_partners(acme, globex, channel_manager):
    page = html(client_for(channel_manager).get("/console/"))
    assert "My partners" in page
    assert "Acme Systems" in page
    assert "Globex" not in page








@pytest.mark.parametrize("role", ["admin", "channel_manager", "finance", "marketing", "support"])
def test_home_kpis_count_what_the_role_sees_and_every_card_opens(role, acme, globex, acme_rep, vendor_admin):
    """The deal and agreement cards on the home page: counts over the user's own scope, links that open."""
    import re

    from openprm.deals import services as deals

    acme.stage = Stage.ACTIVE
    Partner.objects.filter(pk=acme.pk).update(stage=Stage.ACTIVE)
    deals.register(actor=acme_rep, partner=acme, data={
        "customer_name": "Initech", "customer_domain": "initech.example", "customer_country": "US",
        "amount": "1000", "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat()})
    user = make_user(f"{role}@vendor.test", role)
    client = client_for(user)
    page = html(client.get("/console/"))
    waiting = re.search(r"Deals waiting for review</div><div class=\"value\">(\d+)<", page)
    # Staff who see all partners count Acme's deal; a manager of nobody counts nothing.
    assert waiting and int(waiting.group(1)) == (0 if role == "channel_manager" else 1)
    for href in re.findall(r'<a class="stat stat-link" href="([^"]+)"', page):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, (role, href)


def test_finance_home_shows_commission_liability_by_currency(acme, globex, finance_user, vendor_admin):
    """Issue 10, item 15: finance sees what is owed (pending, approved, paid this quarter, per currency)
    rather than lifecycle counts; other roles keep the lifecycle overview."""
    from decimal import Decimal

    from openprm.commissions.models import LedgerLine
    from openprm.lib import clock

    today = clock.today()
    now = clock.moment()

    def line(partner, amount, currency, status, key, paid_at=None):
        LedgerLine.objects.create(partner=partner, kind="adjustment", amount=Decimal(amount), currency=currency,
                                  period="x", accrued_on=today, available_on=today, status=status,
                                  explanation="test", source_key=key, paid_at=paid_at)

    line(acme, "100.50", "USD", "pending", "a")
    line(globex, "20", "USD", "pending", "b")
    line(acme, "300", "USD", "approved", "c")
    line(globex, "5000", "JPY", "approved", "d")
    line(acme, "70", "USD", "paid", "e", paid_at=now)
    line(acme, "999", "USD", "paid", "f", paid_at=now - timedelta(days=200))  # an earlier quarter
    line(acme, "44", "USD", "canceled", "g")
    page = html(client_for(finance_user).get("/console/"))
    assert "Commission liability" in page
    assert "<td>USD</td><td class=\"num\">120.50 USD</td><td class=\"num\">300.00 USD</td>" in page
    assert "<td class=\"num\">70.00 USD</td>" in page and "999" not in page
    assert "<td>JPY</td><td class=\"num\">—</td><td class=\"num\">5,000 JPY</td>" in page
    assert "Partners by stage" not in page and "stage-strip" not in page
    admin_page = html(client_for(vendor_admin).get("/console/"))
    assert "Commission liability" not in admin_page and "Partners by stage" in admin_page


def test_finance_home_without_commissions_has_an_empty_state(finance_user):
    page = html(client_for(finance_user).get("/console/"))
    assert "Nothing owed yet" in page


# ---------------------------------------------------------------- global search (issue 10, item 14)

def test_global_search_groups_results_by_type_and_links_each(acme, globex, acme_rep, vendor_admin):
    from openprm.agreements import services as agreements
    from openprm.deals import services as deals

    Partner.objects.filter(pk__in=[acme.pk, globex.pk]).update(stage=Stage.ACTIVE)
    acme.refresh_from_db()
    partners.save_contact(actor=vendor_admin, partner=acme, data={"name": "Wile Coyote", "email": "wile@acme.test"})
    reg = deals.register(actor=acme_rep, partner=acme, data={
        "customer_name": "Acme Rockets", "customer_domain": "rockets.example", "customer_country": "US",
        "amount": "1000", "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat()})
    agreement = agreements.create_agreement(actor=vendor_admin, partner=acme, data={
        "kind": "reseller", "starts_on": timezone.localdate().isoformat(), "territories": ["US"]})
    client = client_for(vendor_admin)
    assert 'action="/console/search/"' in html(client.get("/console/"))  # the header's search box
    page = html(client.get("/console/search/", {"q": "acme"}))
    for key in ("partners", "contacts", "registrations", "agreements", "people"):
        assert f'id="results-{key}"' in page, key
    assert f'href="/console/partners/{acme.pk}/"' in page
    assert f'href="/console/partners/{acme.pk}/?tab=contacts"' in page and "Wile Coyote" in page
    assert f'href="/console/deals/{reg.pk}/"' in page and f'href="/console/agreements/{agreement.pk}/"' in page
    assert "rick@acme.test" in page and "Globex" not in page
    by_number = html(client.get("/console/search/", {"q": f"#{reg.pk}"}))
    assert f'href="/console/deals/{reg.pk}/"' in by_number
    assert "Nothing found" in html(client.get("/console/search/", {"q": "zzzz-nothing"}))


def test_global_search_is_scoped_like_everything_else(acme, globex, globex_admin, channel_manager, acme_admin):
    """Carl manages Acme only: Globex's partner, people and contacts are not found by him."""
    page = html(client_for(channel_manager).get("/console/search/", {"q": "globex"}))
    assert "Globex GmbH" not in page and "gina@globex.test" not in page and "Nothing found" in page
    assert "Acme Systems" in html(client_for(channel_manager).get("/console/search/", {"q": "acme"}))
    assert client_for(acme_admin).get("/console/search/", {"q": "acme"}).status_code == 403
