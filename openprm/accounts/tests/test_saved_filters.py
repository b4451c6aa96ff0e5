"""Saved filters on the console's main lists (issue 10, item 14): a user saves the current query string under a
name and sees his own saved filters as links on that list."""

import pytest
from django.urls import reverse

from conftest import client_for, make_user
from openprm.accounts import services
from openprm.accounts.models import SavedFilter
from openprm.audit.models import AuditEvent
from openprm.lib.errors import ValidationFailed

pytestmark = pytest.mark.django_db

LISTS = [("partners", "/console/partners/"), ("deals", "/console/deals/"), ("agreements", "/console/agreements/"),
         ("ledger", "/console/commissions/ledger/")]


@pytest.mark.parametrize("list_name, path", LISTS)
def test_save_the_current_filters_and_see_them_as_a_link(list_name, path, vendor_admin):
    client = client_for(vendor_admin)
    page = client.get(path, {"q": "acme", "page": "2"}).content.decode()
    assert 'action="/console/saved-filters/"' in page and 'name="query" value="q=acme"' in page
    response = client.post("/console/saved-filters/", {"list_name": list_name, "name": "Acme only",
                                                       "query": "q=acme&page=2&format=csv", "next": path + "?q=acme"})
    assert response.status_code == 302 and response["Location"] == path + "?q=acme"
    saved = SavedFilter.objects.get()
    assert (saved.user, saved.query, saved.url) == (vendor_admin, "q=acme", f"{path}?q=acme")
    listing = client.get(path).content.decode()
    assert f'href="{path}?q=acme">Acme only</a>' in listing
    assert AuditEvent.objects.filter(verb="saved_filter.created").count() == 1


def test_saved_filters_are_personal_and_only_their_owner_removes_them(vendor_admin, channel_manager):
    mine = services.save_filter(actor=channel_manager, list_name="partners", name="Late", query="late=1")
    assert "Late</a>" not in client_for(vendor_admin).get("/console/partners/").content.decode()
    assert "Late</a>" in client_for(channel_manager).get("/console/partners/").content.decode()
    assert client_for(vendor_admin).post(f"/console/saved-filters/{mine.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=mine.pk).exists()
    response = client_for(channel_manager).post(f"/console/saved-filters/{mine.pk}/delete/")
    assert response.status_code == 302 and not SavedFilter.objects.exists()


def test_bad_input_is_refused_and_saves_nothing(vendor_admin):
    client = client_for(vendor_admin)
    page = client.post("/console/saved-filters/", {"list_name": "partners", "name": "", "query": "q=x",
                                                   "next": "/console/partners/"}, follow=True).content.decode()
    assert "Name the filter to save it." in page
    assert client.post("/console/saved-filters/", {"list_name": "nope", "name": "X"}).status_code == 302
    with pytest.raises(ValidationFailed):
        services.save_filter(actor=vendor_admin, list_name="partners", name="Long", query="q=" + "x" * 1200)
    assert not SavedFilter.objects.exists()


def test_the_same_name_replaces_the_query_and_read_only_roles_only_read(vendor_admin):
    services.save_filter(actor=vendor_admin, list_name="deals", name="Mine", query="status=approved")
    services.save_filter(actor=vendor_admin, list_name="deals", name="Mine", query="status=won")
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["status=won"]
    support = make_user("sam@vendor.test", "support")
    page = client_for(support).get("/console/deals/", {"q": "x"}).content.decode()
    assert 'action="/console/saved-filters/"' not in page
    assert client_for(support).post(reverse("accounts:console_filter_save"), {
        "list_name": "deals", "name": "S", "query": "q=x"}).status_code == 403
