"""Issue 10, items 5, 6 and 16 in a real browser, on the demo program (real data fills the tables):

- at phone width (390 px) no page of either side scrolls sideways, and the menu button opens the navigation;
- at 1440 px the pipeline board shows its last column and a conflict case's co-sell split box fits its card;
- axe-core finds no serious or critical violation on any page a role reaches from its navigation.

The pages are every navigation link each role sees (console/navigation.py, portal/navigation.py, as
tests/test_navigation.py finds them) plus the detail pages reported overflowing.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import make_user
from openprm.accounts.models import Role, User
from openprm.accounts.scoping import vendor_scope
from openprm.console.demo_data import load_program
from openprm.console.navigation import sidebar
from openprm.deals.models import ConflictCase, Registration
from openprm.partners import demo_data as partners_demo
from openprm.partners.models import Partner, Stage
from openprm.portal.navigation import tabs

from .accessibility import axe_violations, horizontal_overflow, widest_elements
from .support import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
VENDOR_ROLES = [Role.ADMIN, Role.CHANNEL_MANAGER, Role.FINANCE, Role.MARKETING, Role.SUPPORT]
PARTNER_ROLES = [Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.PARTNER_MARKETING, Role.PARTNER_SUPPORT]
# Not our layout: Django's admin and the API's Swagger page.
OTHER_LAYOUTS = ("/admin/", "/api/v1/docs")


@pytest.fixture
def program(db):
    """The demo program (8 partners: every stage, region and type, with deals, conflicts, plans and a payout)."""
    load_program(partners=8, seed=1)
    return partners_demo


def vendor_user(role) -> User:
    """A demo vendor person of `role`, signed in with the demo password."""
    return User.objects.filter(role=role, partner=None).order_by("pk").first()


def partner_user(role) -> User:
    """A person of `role` at the busiest active demo partner (most registrations), with the tests' password."""
    partner = max(Partner.objects.filter(stage=Stage.ACTIVE), key=lambda p: p.registrations.count())
    return make_user(f"{role}@layout.test", role, partner=partner, full_name=f"Layout {role}")


def pages_for(user) -> list[str]:
    """The paths a person reaches from their navigation, and the detail pages reported overflowing."""
    if user.is_vendor:
        links = [link["href"] for section in sidebar(user, "") for link in section["links"]]
        links.append(reverse("accounts:account"))
        registration = Registration.objects.for_user(user).filter(participants__isnull=False).order_by("pk").first()
        if registration:
            links.append(reverse("deals:console_detail", args=[registration.pk]))
        partner = vendor_scope(Partner.objects.order_by("pk"), user, "").first()
        if partner:
            links.append(reverse("partners:console_detail", args=[partner.pk]))
        if user.role == Role.ADMIN:
            links.append(reverse("commissions:console_plan_new"))
            case = ConflictCase.objects.filter(closed_at=None).order_by("pk").first()
            if case:
                links.append(reverse("deals:console_conflict", args=[case.pk]))
    else:
        links = [tab["href"] for tab in tabs(user, "")]
        registration = Registration.objects.for_user(user).order_by("pk").first()
        if registration:
            links.append(reverse("deals:portal_detail", args=[registration.pk]))
    return [link.split("#")[0] for link in dict.fromkeys(links) if not link.startswith(OTHER_LAYOUTS)]


def sign_in(new_page, user, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    password = partners_demo.DEMO_PASSWORD if user.email.endswith(partners_demo.DEMO_DOMAIN) else None
    kwargs = {"password": password} if password else {}
    login(page, user.email, lands_on="/console/" if user.is_vendor else "/portal/", **kwargs)
    return page


def walk(page, paths, check) -> list[str]:
    """Open every path and collect what `check(page)` finds wrong there."""
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        problems += [f"{path}: {problem}" for problem in check(page)]
    return problems


def overflow(page) -> list[str]:
    extra = horizontal_overflow(page)
    return [f"{extra}px wider than the phone; reaching past it: {widest_elements(page)}"] if extra else []


@pytest.mark.parametrize("role", VENDOR_ROLES + PARTNER_ROLES)
def test_every_page_fits_a_phone_and_has_no_serious_accessibility_violation(role, program, new_page):
    user = vendor_user(role) if role in VENDOR_ROLES else partner_user(role)
    paths = pages_for(user)
    assert len(paths) >= (5 if user.is_vendor else 9)
    page = sign_in(new_page, user, PHONE)
    assert not walk(page, paths, overflow), "\n".join(walk(page, paths, overflow))
    page.set_viewport_size(WIDE)
    problems = walk(page, paths, axe_violations)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PARTNER_ADMIN])
def test_the_menu_button_opens_the_navigation_on_a_phone(role, program, new_page):
    user = vendor_user(role) if role == Role.ADMIN else partner_user(role)
    page = sign_in(new_page, user, PHONE)
    nav = page.get_by_role("navigation", name="Console" if user.is_vendor else "Portal")
    expect(nav).to_be_hidden()
    button = page.get_by_role("button", name="Menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(nav).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    if user.is_vendor:  # the sidebar comes before the button: the keyboard is taken into it
        assert page.evaluate("() => document.activeElement.closest('nav') !== null")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    target = "Agreements"
    nav.get_by_role("link", name=target, exact=True).click()
    page.wait_for_url("**/agreements/")
    # The search box keeps its width on a phone (it collapsed to an empty square).
    if user.is_vendor:
        assert page.get_by_role("searchbox", name="Search partners").bounding_box()["width"] >= 150
    # Pressing the button again closes the menu.
    button.click()
    expect(nav).to_be_visible()
    button.click()
    expect(nav).to_be_hidden()
    # Wide windows show the navigation without the button.
    page.set_viewport_size(WIDE)
    expect(nav).to_be_visible()
    expect(button).to_be_hidden()


def test_the_pipeline_board_and_the_co_sell_box_fit_at_1440(program, new_page):
    page = sign_in(new_page, vendor_user(Role.ADMIN), WIDE)
    page.goto(reverse("deals:console_board"))
    board = page.locator(".deal-board")
    last = board.locator("section.column").last
    expect(last).to_be_visible()
    board_box, last_box = board.bounding_box(), last.bounding_box()
    assert last_box["x"] + last_box["width"] <= board_box["x"] + board_box["width"] + 1, "last column cut off"
    assert board.evaluate("el => el.scrollWidth <= el.clientWidth"), "the board scrolls sideways"
    assert horizontal_overflow(page) == 0
    page.goto(reverse("partners:console_board"))  # the lifecycle board's seven columns fit too
    assert page.locator(".board").evaluate("el => el.scrollWidth <= el.clientWidth"), "the lifecycle board scrolls"
    case = ConflictCase.objects.filter(closed_at=None, decision="").order_by("pk").first()
    assert case is not None, "the demo has an undecided conflict case"
    # Real partner names can be long and hardly breakable; the box must still fit its card.
    for n, registration in enumerate(case.registrations.all()):
        Partner.objects.filter(pk=registration.partner_id).update(
            name=f"Northwind Infrastructure-Consolidated-Services {n} GmbH & Co. KG")
    page.goto(reverse("deals:console_conflict", args=[case.pk]))
    box = page.locator("fieldset.cosell")
    expect(box).to_be_visible()
    card = box.locator("xpath=ancestor::div[contains(@class, 'card')][1]")
    box_right = box.evaluate("el => { const r = el.getBoundingClientRect(); return r.right; }")
    card_right = card.evaluate("el => el.getBoundingClientRect().right")
    assert box_right <= card_right + 0.5, f"co-sell box ends at {box_right}, its card at {card_right}"
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the co-sell box's content overflows it"
    assert horizontal_overflow(page) == 0


def test_public_and_error_pages_fit_a_phone_and_have_no_serious_accessibility_violation(program, new_page):
    page = new_page()  # nobody signed in
    page.set_viewport_size(PHONE)
    paths = [reverse("accounts:login"), reverse("accounts:password_reset"), reverse("partners:apply"),
             reverse("partners:locator"), reverse("partners:join")]
    assert not walk(page, paths, overflow), "\n".join(walk(page, paths, overflow))
    response = page.goto("/no-such-page/")
    assert response.status == 404 and not overflow(page)
    page.set_viewport_size(WIDE)
    problems = walk(page, paths, axe_violations)
    page.goto("/no-such-page/")
    problems += [f"404: {problem}" for problem in axe_violations(page)]
    assert not problems, "\n".join(problems)


def linked_pages(page, paths) -> list[str]:
    """One page of every kind (URL name) linked from `paths` and not among them: the detail pages."""
    from django.urls import Resolver404, resolve

    seen, found = set(), []
    for path in paths:
        page.goto(path)
        for href in page.eval_on_selector_all("main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"):
            href = href.split("#")[0].split("?")[0]
            try:
                match = resolve(href)
            except Resolver404:
                continue
            name = f"{match.namespace}:{match.url_name}"
            if href in paths or name in seen or href.startswith(OTHER_LAYOUTS) or "export" in href \
                    or href.endswith((".csv", ".pdf", ".xlsx")) or "download" in href:
                continue
            seen.add(name)
            found.append(href)
    return found


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PARTNER_ADMIN])
def test_the_pages_linked_from_the_navigation_pages_fit_a_phone_too(role, program, new_page):
    user = vendor_user(role) if role == Role.ADMIN else partner_user(role)
    page = sign_in(new_page, user, PHONE)
    paths = linked_pages(page, pages_for(user))
    assert len(paths) >= 5
    problems = []
    for path in paths:
        response = page.goto(path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        problems += [f"{path}: {problem}" for problem in overflow(page)]
    page.set_viewport_size(WIDE)
    for path in paths:
        response = page.goto(path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        problems += [f"{path}: {problem}" for problem in axe_violations(page)]
    assert not problems, "\n".join(problems)
