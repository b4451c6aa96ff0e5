"""Support pages: queues per role, the workspace, forms with inline errors, internal notes hidden in the portal."""

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import client_for
from openprm.support import services
from openprm.support.models import Comment, Ticket


def test_portal_new_ticket_and_inline_errors(acme_support):
    client = client_for(acme_support)
    assert client.get("/portal/support/new/").status_code == 200
    response = client.post("/portal/support/new/", {"subject": "Login loop", "description": "Users loop.",
                                                    "priority": "P2", "level": "L2", "notes": ""})
    assert response.status_code == 200 and b"L1 troubleshooting notes" in response.content
    assert b"errorlist" in response.content and not Ticket.objects.exists()
    response = client.post("/portal/support/new/", {"subject": "Login loop", "description": "Users loop.",
                                                    "priority": "P2", "level": "L1"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/support/{ticket.pk}/"


def test_portal_escalates_to_l2_and_queue_lists_it(l1_ticket, acme_support):
    client = client_for(acme_support)
    assert b"Sync fails" in client.get("/portal/support/").content
    response = client.post(f"/portal/support/{l1_ticket.pk}/escalate/", {"to": "L2", "notes": ""})
    assert response.status_code == 200 and b"Say what L1 tried" in response.content
    client.post(f"/portal/support/{l1_ticket.pk}/escalate/", {"to": "L2", "notes": "Reinstalled."})
    assert Ticket.objects.get(pk=l1_ticket.pk).level == "L2"


def test_portal_never_shows_internal_notes(l2_ticket, acme_support, vendor_support):
    services.add_comment(actor=vendor_support, ticket=l2_ticket, body="SECRET-NOTE", internal=True)
    services.add_comment(actor=vendor_support, ticket=l2_ticket, body="Public answer")
    page = client_for(acme_support).get(f"/portal/support/{l2_ticket.pk}/").content.decode()
    assert "Public answer" in page and "SECRET-NOTE" not in page
    assert "SECRET-NOTE" in client_for(vendor_support).get(f"/console/support/{l2_ticket.pk}/").content.decode()


def test_portal_cannot_post_internal_notes(l2_ticket, acme_support):
    client_for(acme_support).post(f"/portal/support/{l2_ticket.pk}/comment/", {"body": "hi", "internal": "on"})
    assert not Comment.objects.filter(internal=True).exists()


def test_sales_rep_gets_no_support_pages(acme_rep):
    assert client_for(acme_rep).get("/portal/support/").status_code == 403


def test_console_queue_defaults_by_role(l1_ticket, l2_ticket, vendor_support, engineer, vendor_admin):
    page = client_for(vendor_support).get("/console/support/").content.decode()
    assert f"#{l2_ticket.pk}<" in page and f"#{l1_ticket.pk}<" not in page
    services.escalate(actor=vendor_support, ticket=l2_ticket, to="L3", defect_reference="BUG-1")
    assert f"#{l2_ticket.pk}<" in client_for(engineer).get("/console/support/").content.decode()
    admin_page = client_for(vendor_admin).get("/console/support/?level=&status=").content.decode()
    assert f"#{l1_ticket.pk}<" in admin_page and f"#{l2_ticket.pk}<" in admin_page
    assert b"No tickets" in client_for(vendor_support).get("/console/support/?q=nothing-like-this").content


def test_console_workspace_answer_pause_and_attachment(l2_ticket, vendor_support, acme_support):
    client = client_for(vendor_support)
    response = client.post(f"/console/support/{l2_ticket.pk}/comment/", {
        "body": "Please send the agent log.",
        "attachments": SimpleUploadedFile("howto.txt", b"Run: agent --log\n")})
    assert response.status_code == 302
    client.post(f"/console/support/{l2_ticket.pk}/status/", {"status": "waiting_on_partner", "note": ""})
    ticket = Ticket.objects.get(pk=l2_ticket.pk)
    assert ticket.first_responded_at is not None and ticket.is_paused
    attachment = ticket.comments.get().attachments.get()
    response = client_for(acme_support).get(f"/portal/support/{ticket.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    bad = client.post(f"/console/support/{l2_ticket.pk}/comment/", {
        "body": "x", "attachments": SimpleUploadedFile("x.html", b"<html><script>1</script></html>")})
    assert bad.status_code == 200 and b"plain-text" in bad.content


def test_channel_manager_reads_only(l2_ticket, channel_manager):
    client = client_for(channel_manager)
    page = client.get(f"/console/support/{l2_ticket.pk}/").content.decode()
    assert "the L2 team works it" in page
    assert client.post(f"/console/support/{l2_ticket.pk}/status/", {"status": "open"}).status_code == 403


def test_sla_policy_page(vendor_admin, vendor_support):
    client = client_for(vendor_admin)
    assert client.get("/console/support/sla-policy/").status_code == 200
    data = {f"{p}_{k}": v for p, (f, r) in {"P1": (30, 240), "P2": (240, 1440), "P3": (480, 4320),
                                            "P4": (1440, 7200)}.items()
            for k, v in (("first_response_minutes", f), ("resolution_minutes", r))}
    assert client.post("/console/support/sla-policy/", data).status_code == 302
    data["P2_resolution_minutes"] = 10
    response = client.post("/console/support/sla-policy/", data)
    assert response.status_code == 200 and b"cannot be shorter" in response.content
    assert client_for(vendor_support).get("/console/support/sla-policy/").status_code == 403


def test_overview_counts_open_tickets_breaches_and_median_times(l2_ticket, l1_ticket, vendor_support, t0):
    from datetime import timedelta

    from openprm.lib import clock

    with clock.pinned(t0 + timedelta(minutes=30)):
        services.add_comment(actor=vendor_support, ticket=l2_ticket, body="On it.")
    with clock.pinned(t0 + timedelta(hours=2)):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="resolved")
    page = client_for(vendor_support).get("/console/support/overview/").content.decode()
    assert "30 min" in page and "2 h 00 min" in page


def test_program_admin_turns_the_powered_by_line_off(vendor_admin, vendor_support):
    from openprm.audit.models import AuditEvent
    from openprm.support.models import SupportSettings

    assert client_for(vendor_support).post("/console/support/settings/", {}).status_code == 403
    assert client_for(vendor_admin).post("/console/support/settings/", {}).status_code == 302
    assert SupportSettings.current().show_powered_by is False
    assert AuditEvent.objects.filter(verb="support.settings_changed").count() == 1


def test_console_queue_filters_by_a_searched_partner_not_a_list_of_all(l2_ticket, vendor_admin, globex):
    # Choosers of partners are searchable pickers (issue 10, item 12): no <select> of every partner.
    client = client_for(vendor_admin)
    page = client.get("/console/support/?level=&status=").content.decode()
    assert '<select id="f-partner"' not in page and 'list="f-partner-options"' in page
    acme = l2_ticket.partner
    picked = client.get(f"/console/support/?level=&status=&partner={acme.name} (%23{acme.pk})").content.decode()
    assert f'value="{acme.name} (#{acme.pk})"' in picked and l2_ticket.subject in picked
    other = client.get(f"/console/support/?level=&status=&partner={globex.pk}").content.decode()
    assert l2_ticket.subject not in other
