"""Navigation: the console sidebar and the portal tabs link every area a role may open, and nothing it may not;
the bell shows the unread notifications."""

import re
from html import unescape

import pytest
from django.urls import reverse

from conftest import client_for, make_user
from openprm.accounts.services import notify
from openprm.console.navigation import SECTIONS
from openprm.portal.navigation import TABS

pytestmark = pytest.mark.django_db

VENDOR_ROLES = ["admin", "channel_manager", "finance", "marketing", "support"]
PARTNER_ROLES = ["partner_admin", "partner_sales", "partner_marketing", "partner_support"]


def sidebar(client) -> dict[str, str]:
    html = client.get(reverse("console:home")).content.decode()
    block = html[html.index('<nav aria-label="Console">'):]
    block = block[:block.index("</nav>")]
    return {label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block)}


def tabs(client) -> dict[str, str]:
    html = client.get(reverse("portal:home")).content.decode()
    block = html[html.index('<header class="portal-nav">'):]
    block = block[:block.index("</header>")]
    return {unescape(label): href
            for href, label in re.findall(r'<a class="tab[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', block)}


@pytest.mark.parametrize("role", VENDOR_ROLES)
def test_the_sidebar_links_what_the_role_opens_and_hides_what_it_cannot(role, acme):
    user = make_user(f"{role}@vendor.test", role)
    client = client_for(user)
    shown = sidebar(client)
    for label, href in shown.items():
        assert client.get(href).status_code == 200, f"{role} sees {label} but cannot open {href}"
    every = {link.label: link.href for _, links in SECTIONS for link in links}
    for label in set(every) - set(shown):
        status = client.get(every[label]).status_code
        assert status in (302, 403), f"{role} does not see {label} but opens it ({status})"


def test_the_program_admin_sees_every_area(vendor_admin):
    assert set(sidebar(client_for(vendor_admin))) == {
        "Home", "All partners", "Lifecycle board", "Review queue", "Pipeline board", "Conflicts", "Leads", "Tiers",
        "Tier reviews", "Agreements", "FX rates", "Products", "Plans", "Ledger", "Statements", "Incentives", "Payouts",
        "Won without a plan", "Recalculation", "People", "Audit trail", "Program settings", "Django admin", "API docs"}


def test_finance_sees_the_deals_won_without_a_plan_and_the_recalculation(finance_user):
    # Issue 10, item 1: finance finds what earned nothing and books it from the console.
    assert {"Won without a plan", "Recalculation", "Plans", "Payouts"} <= set(sidebar(client_for(finance_user)))


def test_money_pages_are_hidden_from_people_outside_finance(channel_manager, acme):
    labels = set(sidebar(client_for(channel_manager)))
    assert {"Ledger", "Statements", "Incentives", "Conflicts"} <= labels
    assert not {"Plans", "Payouts", "Won without a plan", "Recalculation", "Program settings", "Django admin"} & labels
    marketer = set(sidebar(client_for(make_user("mo@vendor.test", "marketing"))))
    assert not {"Plans", "Ledger", "Statements", "Incentives", "Payouts", "Conflicts"} & marketer
    assert "Leads" in marketer


@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_the_portal_tabs_open_for_every_partner_role(role, acme):
    client = client_for(make_user(f"{role}@acme.test", role, partner=acme))
    shown = tabs(client)
    assert list(shown) == [tab.label for tab in TABS] == [
        "Home", "Deals", "Leads", "My tier", "Agreements", "Earnings", "Profile", "Users", "API tokens"]
    for label, href in shown.items():
        assert client.get(href).status_code == 200, f"{role} cannot open {label} ({href})"


def test_the_current_area_is_highlighted(vendor_admin, acme_admin):
    html = client_for(vendor_admin).get(reverse("deals:console_leads")).content.decode()
    assert re.search(r'class="active" aria-current="page">Leads<', html)
    assert html.count('aria-current="page"') == 1
    html = client_for(acme_admin).get(reverse("agreements:portal_list")).content.decode()
    assert re.search(r'class="tab active" href="/portal/agreements/" aria-current="page">Agreements<', html)


def test_the_bell_counts_unread_notifications(acme_admin, vendor_admin):
    portal, console = client_for(acme_admin), client_for(vendor_admin)
    assert 'aria-label="Notifications"' in portal.get(reverse("portal:home")).content.decode()
    for user in (acme_admin, vendor_admin):
        for n in range(3):
            notify(users=[user], subject=f"News {n}", summary="", template="accounts/email/generic.txt",
                   context={"text": ""})
    for client, page in ((portal, "portal:home"), (console, "console:home")):
        html = client.get(reverse(page)).content.decode()
        assert 'aria-label="Notifications, 3 unread"' in html and '<span class="count">3</span>' in html
        assert f'href="{reverse("accounts:notifications")}"' in html
    portal.post(reverse("accounts:notifications_read"))
    assert 'aria-label="Notifications"' in portal.get(reverse("portal:home")).content.decode()
    assert "3 unread" in console.get(reverse("console:home")).content.decode()  # only one's own are read


def test_the_bell_caps_large_counts(acme_admin):
    for n in range(100):
        notify(users=[acme_admin], subject=f"News {n}", summary="", template="accounts/email/generic.txt",
               context={"text": ""})
    assert '<span class="count">99+</span>' in client_for(acme_admin).get(reverse("portal:home")).content.decode()
