"""Assets are served by the app itself; no page loads anything from another host (no CDN)."""

import re

from django.test import Client

from conftest import client_for

EXTERNAL = re.compile(r"""<(?:script|link|img)[^>]+(?:src|href)=["']https?://""", re.IGNORECASE)


def test_the_stylesheet_scripts_and_api_docs_assets_are_served_locally(db):
    client = Client()
    for path in ("/static/openprm/app.css", "/static/openprm/app.js", "/static/django_htmx/htmx-2.min.js",
                 "/static/ninja/swagger-ui-bundle.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_pages_reference_no_external_assets(vendor_admin, acme_admin):
    pages = [(Client(), "/login/"), (Client(), "/apply/"), (Client(), "/partners/"), (Client(), "/api/v1/docs"),
             (client_for(vendor_admin), "/console/"), (client_for(acme_admin), "/portal/")]
    for client, path in pages:
        html = client.get(path).content.decode()
        assert 'href="/static/openprm/app.css"' in html or path == "/api/v1/docs", path
        assert not EXTERNAL.search(html), f"{path} loads an asset from another host"


def test_every_side_links_the_favicon_the_app_serves(vendor_admin, acme_admin):
    """Issue 10, item 15: a favicon on the console, the portal and the sign-in page, served by the app."""
    icon = Client().get("/static/openprm/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])
    for client, path in ((Client(), "/login/"), (client_for(vendor_admin), "/console/"),
                         (client_for(acme_admin), "/portal/")):
        html = client.get(path).content.decode()
        assert '<link rel="icon" href="/static/openprm/favicon.svg"' in html, path
