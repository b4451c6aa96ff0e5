"""Issue 10, item 16, checked cheaply and broadly through Django's client: every page a role reaches from its
navigation, the public pages and the error pages have exactly one h1, a skip link to #main as the first thing a
keyboard reaches, and a label for every form field. The browser tests (tests/browser/test_layout.py) run axe-core
on the same navigation pages; this test covers what a browser run is too slow to sweep."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for, make_user
from openprm.console.navigation import sidebar
from openprm.portal.navigation import tabs

pytestmark = pytest.mark.django_db

VENDOR_ROLES = ["admin", "channel_manager", "finance", "marketing", "support"]
PARTNER_ROLES = ["partner_admin", "partner_sales", "partner_marketing", "partner_support"]
OTHER_LAYOUTS = ("/admin/", "/api/v1/docs")  # Django's admin and the API's Swagger page
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}  # named by their value or not shown


class Page(HTMLParser):
    """What the checks need from a page: its h1s, its first focusable element, its fields and their labels."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1s = 0
        self.first_focusable = None
        self.ids = set()
        self.label_for = set()
        self.fields = []  # (tag, attrs, inside a <label>)
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "h1":
            self.h1s += 1
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        focusable = ((tag == "a" and "href" in attrs) or tag in ("button", "select", "textarea", "summary")
                     or (tag == "input" and attrs.get("type") != "hidden") or "tabindex" in attrs)
        if focusable and self.first_focusable is None and attrs.get("tabindex") != "-1":
            self.first_focusable = (tag, attrs)
        if (tag in ("input", "select", "textarea") and attrs.get("type") not in UNLABELLED_TYPES
                and attrs.get("aria-hidden") != "true"):  # the public forms' bot trap is hidden from everyone
            self.fields.append((tag, attrs, self.open_labels > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)

    def unlabelled(self) -> list[str]:
        return [f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>" for tag, attrs, wrapped in self.fields
                if not (wrapped or attrs.get("aria-label") or attrs.get("aria-labelledby") or attrs.get("title")
                        or attrs.get("id") in self.label_for)]


def problems(html: str) -> list[str]:
    """What is wrong with a page's headings, skip link and labels (empty when nothing)."""
    page = Page()
    page.feed(html)
    found = []
    if page.h1s != 1:
        found.append(f"{page.h1s} h1 elements, not one")
    tag, attrs = page.first_focusable or ("nothing", {})
    if not (tag == "a" and attrs.get("href") == "#main" and "skip-link" in attrs.get("class", "")):
        found.append(f"the first focusable element is {tag} {attrs}, not the skip link to #main")
    if "main" not in page.ids:
        found.append("no element with id main for the skip link")
    if unlabelled := page.unlabelled():
        found.append(f"fields without a label: {', '.join(unlabelled)}")
    return found


def navigation_pages(user) -> list[str]:
    """The pages a person reaches from their navigation (console sidebar or portal tabs), as
    tests/test_navigation.py finds them, and their own account page."""
    if user.is_vendor:
        links = [link["href"] for section in sidebar(user, "") for link in section["links"]]
    else:
        links = [tab["href"] for tab in tabs(user, "")]
    links.append(reverse("accounts:account"))
    return [link.split("#")[0] for link in dict.fromkeys(links) if not link.startswith(OTHER_LAYOUTS)]


def check(client, paths, status=200) -> list[str]:
    found = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == status, f"{path}: {response.status_code}"
        found += [f"{path}: {problem}" for problem in problems(response.content.decode())]
    return found


@pytest.mark.parametrize("role", VENDOR_ROLES + PARTNER_ROLES)
def test_every_navigation_page_has_one_h1_a_skip_link_and_labelled_fields(role, acme):
    user = make_user(f"{role}@a11y.test", role, partner=None if role in VENDOR_ROLES else acme)
    paths = navigation_pages(user)
    if role == "admin":
        paths += [reverse("commissions:console_plan_new"), reverse("partners:console_detail", args=[acme.pk]),
                  reverse("partners:console_new")]
    found = check(client_for(user), paths)
    assert not found, "\n".join(found)


def test_public_and_sign_in_pages_have_one_h1_a_skip_link_and_labelled_fields(db):
    paths = [reverse("accounts:login"), reverse("accounts:password_reset"), reverse("partners:apply"),
             reverse("partners:locator"), reverse("partners:join")]
    found = check(Client(), paths)
    assert not found, "\n".join(found)


def test_error_pages_have_one_h1_and_a_skip_link(acme_admin, settings):
    settings.DEBUG = False
    found = check(Client(), ["/no-such-page/"], status=404)
    # A partner opening a console page: the 403 page.
    found += check(client_for(acme_admin), [reverse("console:home")], status=403)
    assert not found, "\n".join(found)


def test_the_checks_catch_what_they_are_for():
    """The checker itself: a page without a skip link, with two h1s and an unlabelled field is refused."""
    html = '<a href="/">Home</a><h1>A</h1><h1>B</h1><main id="main"><input name="q"><label>Name <input name="n">' \
           '</label><label for="x">X</label><input id="x" name="x"><select aria-label="S"></select></main>'
    found = problems(html)
    assert any("2 h1" in p for p in found)
    assert any("not the skip link" in p for p in found)
    assert any("fields without a label: <input name='q' id=None>" == p for p in found), found


def test_the_server_error_page_has_one_h1_and_a_skip_link(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert not problems(response.content.decode())


def test_flash_messages_are_status_regions_and_errors_alerts(rf):
    from django.contrib import messages
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.session, request.user = {}, AnonymousUser()
    request._messages = FallbackStorage(request)
    messages.success(request, "The agreement is sent.")
    messages.error(request, "The agreement could not be sent.")
    html = render_to_string("includes/messages.html", request=request)
    assert '<div class="message success" role="status">The agreement is sent.</div>' in html
    assert '<div class="message error" role="alert">The agreement could not be sent.</div>' in html
