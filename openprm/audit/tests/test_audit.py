"""The audit trail: append-only, with actor, object and before/after values; readable by vendor staff."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from conftest import api_client_for
from openprm.audit import services as audit
from openprm.audit.models import Action, AuditEvent


@pytest.fixture
def event(acme, vendor_admin):
    return audit.record(actor=vendor_admin, action=Action.UPDATE, verb="partner.updated", obj=acme, partner=acme,
                        changes={"name": ["Old", "Acme Systems"]}, note="renamed")


def test_record_keeps_actor_object_partner_and_changes(event, acme, vendor_admin):
    event.refresh_from_db()
    assert event.actor == vendor_admin
    assert event.actor_label == "ada@vendor.test"
    assert (event.object_type, event.object_id, event.object_repr) == ("partners.partner", str(acme.pk), "Acme Systems")
    assert event.partner == acme
    assert event.changes == {"name": ["Old", "Acme Systems"]}
    assert event.note == "renamed"
    assert event in AuditEvent.objects.for_object(acme)


def test_system_and_public_actors_are_labelled(acme):
    system = audit.record(actor=None, action=Action.ACCESS, verb="x", obj=acme)
    public = audit.record(actor="public", action=Action.CREATE, verb="y", obj=acme)
    assert (system.actor, system.actor_label) == (None, "system")
    assert (public.actor, public.actor_label) == (None, "public")


def test_values_are_stored_json_ready(acme):
    event = audit.record(actor=None, action=Action.UPDATE, verb="x", obj=acme, changes={
        "amount": [Decimal("1.50"), Decimal("2.00")], "on": [None, date(2026, 1, 2)], "who": [None, acme]})
    event.refresh_from_db()
    assert event.changes == {"amount": ["1.50", "2.00"], "on": [None, "2026-01-02"], "who": [None, acme.pk]}


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}


def test_saving_an_event_again_is_refused(event):
    event.note = "rewritten"
    with pytest.raises(PermissionDenied):
        event.save()
    event.refresh_from_db()
    assert event.note == "renamed"


def test_bulk_update_is_refused(event):
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.update(note="rewritten")
    event.refresh_from_db()
    assert event.note == "renamed"


def test_delete_is_refused(event):
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count


# ---------------------------------------------------------------- API


def test_vendor_admin_lists_and_filters_events(acme, globex, vendor_admin):
    client = api_client_for(vendor_admin)
    body = client.get(f"/api/v1/audit-events?partner={acme.pk}&verb=partner.").json()
    assert body["count"] >= 1
    assert {e["partner"] for e in body["items"]} == {acme.pk}
    assert {e["verb"] for e in body["items"]} == {"partner.created"}
    created = body["items"][0]
    assert created["changes"]["name"] == [None, "Acme Systems"]
    assert created["actor"] == vendor_admin.pk
    everything = client.get("/api/v1/audit-events?limit=500").json()
    assert {acme.pk, globex.pk} <= {e["partner"] for e in everything["items"]}


def test_channel_manager_sees_only_its_partners_events(acme, globex, channel_manager):
    body = api_client_for(channel_manager).get("/api/v1/audit-events?limit=500").json()
    assert body["count"] >= 1
    assert {e["partner"] for e in body["items"]} == {acme.pk}
    assert api_client_for(channel_manager).get(f"/api/v1/audit-events?partner={globex.pk}").json()["count"] == 0


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep"])
def test_partner_users_cannot_read_the_audit_trail(who, request):
    response = api_client_for(request.getfixturevalue(who)).get("/api/v1/audit-events")
    assert response.status_code == 403
    assert "items" not in response.json()


def test_anonymous_cannot_read_the_audit_trail(anon, acme):
    assert anon.get("/api/v1/audit-events").status_code == 401
