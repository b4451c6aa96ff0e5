"""The console's audit trail page: filters, scope and the CSV export."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from openprm.partners import services as partners

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def csv_rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_audit_trail_filters_and_scope(acme, globex, vendor_admin, channel_manager):
    partners.change_stage(actor=channel_manager, partner=acme, stage="qualification", note="Screened")
    admin_client = client_for(vendor_admin)
    page = html(admin_client.get("/console/audit/?verb=partner.stage"))
    assert "Carl Manager moved Acme Systems from identification to qualification" in page, page
    assert "added the partner" not in page
    page = html(admin_client.get(f"/console/audit/?partner={globex.pk}"))
    assert "Globex GmbH" in page and "Screened" not in page
    page = html(admin_client.get("/console/audit/?actor=cmo@"))
    assert "Screened" in page
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "No events" in html(admin_client.get(f"/console/audit/?date_from={tomorrow}"))
    manager_page = html(client_for(channel_manager).get("/console/audit/"))
    assert "Acme Systems" in manager_page and "Globex GmbH" not in manager_page


def test_audit_trail_csv(acme, vendor_admin):
    rows = csv_rows(client_for(vendor_admin).get("/console/audit/?format=csv&object_type=partners.partner"))
    assert rows and all(r["object_type"] == "partners.partner" for r in rows)
    created = next(r for r in rows if r["verb"] == "partner.created" and r["partner"] == "Acme Systems")
    assert json.loads(created["changes"])["name"] == [None, "Acme Systems"]


def test_times_are_in_the_users_zone_said_once_per_page(acme, vendor_admin):
    """Issue 10, item 11: the zone is named once (under the content), not after every time."""
    vendor_admin.time_zone = "Europe/Berlin"
    vendor_admin.save(update_fields=["time_zone"])
    page = html(client_for(vendor_admin).get("/console/audit/"))
    assert page.count("Times are in Europe/Berlin") == 1
    zone = "CEST" if "(CEST)" in page else "CET"
    assert page.count(zone) == 1  # in the note only, not on each row
