"""The support API contract: tickets, escalation, comments (internal ones hidden from partners), status,
attachments, SLA policy; isolation and roles."""

import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import api_client_for
from openprm.lib import clock
from openprm.support import services
from openprm.support.models import Comment, Ticket


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


NEW = {"subject": "Dashboard blank", "description": "Since the update the dashboard is blank.", "priority": "P1",
       "level": "L2", "product": "Analytics", "notes": "Cleared the cache, tried two browsers.",
       "end_customer": {"name": "Carla", "email": "carla@customer.test", "company": "Cust Co"}}


def test_partner_opens_at_l2_and_gets_the_contract_shape(acme, acme_support):
    response = post(api_client_for(acme_support), "/api/v1/tickets", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["partner"] == acme.pk and body["level"] == "L2" and body["status"] == "new"
    for key in ("id", "assignee", "sla_started_at", "first_response_due", "resolution_due", "first_responded_at",
                "resolved_at", "paused_seconds", "first_response_breached", "resolution_breached", "created_at"):
        assert key in body
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["first_response_due"] == ticket.first_response_due.isoformat(timespec="seconds")
    assert body["first_response_due"].endswith("+00:00") and len(body["created_at"]) == 25
    assert body["end_customer"] == {"name": "Carla", "email": "carla@customer.test", "company": "Cust Co"}


def test_l1_ticket_has_null_due_times(acme_support):
    body = post(api_client_for(acme_support), "/api/v1/tickets", {**NEW, "level": "L1", "notes": ""}).json()
    assert body["sla_started_at"] is None and body["first_response_due"] is None and body["resolution_due"] is None


def test_bad_input_is_422_naming_the_field_and_writes_nothing(acme_support):
    client = api_client_for(acme_support)
    response = post(client, "/api/v1/tickets", {**NEW, "notes": ""})
    assert response.status_code == 422 and "notes" in response.json()["errors"]
    response = post(client, "/api/v1/tickets", {**NEW, "priority": "P7"})
    assert response.status_code == 422
    response = post(client, "/api/v1/tickets", {**NEW, "colour": "red"})
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_vendor_staff_name_the_partner(vendor_support, acme, globex):
    client = api_client_for(vendor_support)
    response = post(client, "/api/v1/tickets", NEW)
    assert response.status_code == 422 and "partner" in response.json()["errors"]
    assert post(client, "/api/v1/tickets", {**NEW, "partner": globex.pk}).status_code == 201


def test_partner_cannot_open_for_another_partner(acme_support, globex):
    response = post(api_client_for(acme_support), "/api/v1/tickets", {**NEW, "partner": globex.pk})
    assert response.status_code == 422


def test_escalation_contract(l1_ticket, acme_support, vendor_support):
    client = api_client_for(acme_support)
    response = post(client, f"/api/v1/tickets/{l1_ticket.pk}/escalate", {"to": "L2", "notes": ""})
    assert response.status_code == 422 and "notes" in response.json()["errors"]
    response = post(client, f"/api/v1/tickets/{l1_ticket.pk}/escalate", {"to": "L2", "notes": "Tried X."})
    assert response.status_code == 200 and response.json()["level"] == "L2"
    assert response.json()["sla_started_at"] is not None
    staff = api_client_for(vendor_support)
    response = post(staff, f"/api/v1/tickets/{l1_ticket.pk}/escalate", {"to": "L3"})
    assert response.status_code == 422 and "defect_reference" in response.json()["errors"]
    response = post(staff, f"/api/v1/tickets/{l1_ticket.pk}/escalate", {"to": "L3", "defect_reference": "BUG-9"})
    assert response.status_code == 200 and response.json()["level"] == "L3"


def test_internal_comments_are_vendor_only(l2_ticket, acme_support, vendor_support):
    partner = api_client_for(acme_support)
    response = post(partner, f"/api/v1/tickets/{l2_ticket.pk}/comments", {"body": "psst", "internal": True})
    assert response.status_code == 403
    staff = api_client_for(vendor_support)
    assert post(staff, f"/api/v1/tickets/{l2_ticket.pk}/comments",
                {"body": "root cause: build 7", "internal": True}).status_code == 201
    assert post(staff, f"/api/v1/tickets/{l2_ticket.pk}/comments", {"body": "Please update."}).status_code == 201
    seen = partner.get(f"/api/v1/tickets/{l2_ticket.pk}/comments").json()
    assert [c["body"] for c in seen["items"]] == ["Please update."]
    assert "build 7" not in partner.get(f"/api/v1/tickets/{l2_ticket.pk}").content.decode()
    assert len(staff.get(f"/api/v1/tickets/{l2_ticket.pk}/comments").json()["items"]) == 2


def test_status_pauses_and_partner_reply_resumes(l2_ticket, acme_support, vendor_support, t0):
    staff = api_client_for(vendor_support)
    with clock.pinned(t0 + timedelta(hours=1)):
        response = post(staff, f"/api/v1/tickets/{l2_ticket.pk}/status",
                        {"status": "waiting_on_partner", "note": "Send logs"})
    assert response.status_code == 200 and response.json()["paused"] is True
    with clock.pinned(t0 + timedelta(hours=2)):
        post(api_client_for(acme_support), f"/api/v1/tickets/{l2_ticket.pk}/comments", {"body": "Logs sent"})
        body = staff.get(f"/api/v1/tickets/{l2_ticket.pk}").json()
    assert body["status"] == "open" and body["paused_seconds"] == 3600
    assert body["resolution_due"] == (t0 + timedelta(hours=25)).isoformat(timespec="seconds")
    assert post(staff, f"/api/v1/tickets/{l2_ticket.pk}/status", {"status": "nonsense"}).status_code == 422


def test_list_filters_and_isolation(l2_ticket, l1_ticket, globex_admin, globex_support, other_manager,
                                    channel_manager, acme_rep, vendor_support):
    staff = api_client_for(vendor_support)
    assert staff.get("/api/v1/tickets").json()["count"] == 2
    assert staff.get("/api/v1/tickets?level=L2").json()["count"] == 1
    assert staff.get("/api/v1/tickets?breached=true").json()["count"] == 0
    assert staff.get("/api/v1/tickets?priority=P9").status_code == 422
    assert api_client_for(channel_manager).get("/api/v1/tickets").json()["count"] == 2
    for outsider in (globex_admin, globex_support, other_manager):
        client = api_client_for(outsider)
        assert client.get("/api/v1/tickets").json()["count"] == 0
        assert client.get(f"/api/v1/tickets/{l2_ticket.pk}").status_code == 404
        assert client.get(f"/api/v1/tickets/{l2_ticket.pk}/comments").status_code == 404
    assert api_client_for(acme_rep).get("/api/v1/tickets").status_code == 403


def test_channel_manager_reads_but_does_not_write(l2_ticket, channel_manager):
    client = api_client_for(channel_manager)
    assert client.get(f"/api/v1/tickets/{l2_ticket.pk}").status_code == 200
    assert post(client, f"/api/v1/tickets/{l2_ticket.pk}/comments", {"body": "hi"}).status_code == 403
    assert not Comment.objects.exists()


def test_attachment_download_is_checked_and_never_inline(l2_ticket, acme_support, vendor_support, globex_admin):
    comment = services.add_comment(actor=acme_support, ticket=l2_ticket, body="log",
                                   files=[SimpleUploadedFile("agent.log", b"error 42\n")])
    internal = services.add_comment(actor=vendor_support, ticket=l2_ticket, body="trace", internal=True,
                                    files=[SimpleUploadedFile("trace.txt", b"internal trace\n")])
    url = f"/api/v1/tickets/{l2_ticket.pk}/attachments/{comment.attachments.get().pk}"
    response = api_client_for(acme_support).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"error 42\n"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert api_client_for(globex_admin).get(url).status_code == 404
    hidden = f"/api/v1/tickets/{l2_ticket.pk}/attachments/{internal.attachments.get().pk}"
    assert api_client_for(acme_support).get(hidden).status_code == 404
    assert api_client_for(vendor_support).get(hidden).status_code == 200


def test_sla_policy_get_and_put(vendor_admin, vendor_support, acme_admin):
    admin = api_client_for(vendor_admin)
    assert admin.get("/api/v1/sla-policy").json()["P1"] == {"first_response_minutes": 60, "resolution_minutes": 480}
    response = admin.put("/api/v1/sla-policy", data=json.dumps({"P4": {"first_response_minutes": 600,
                                                                       "resolution_minutes": 6000}}),
                         content_type="application/json")
    assert response.status_code == 200 and response.json()["P4"]["resolution_minutes"] == 6000
    bad = admin.put("/api/v1/sla-policy", data=json.dumps({"P1": {"first_response_minutes": 90,
                                                                  "resolution_minutes": 60}}),
                    content_type="application/json")
    assert bad.status_code == 422
    assert api_client_for(vendor_support).put("/api/v1/sla-policy", data="{}",
                                              content_type="application/json").status_code == 403
    assert api_client_for(acme_admin).get("/api/v1/sla-policy").status_code == 403
