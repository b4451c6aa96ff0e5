"""Support services: opening, escalation rules, status and pauses, comments, attachments, breaches."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from openprm.accounts.models import Notification
from openprm.audit.models import AuditEvent
from openprm.lib import clock
from openprm.lib.errors import NotAllowed, ValidationFailed
from openprm.support import services
from openprm.support.configuration import sla_policy, update_sla_policy
from openprm.support.exceptions import InvalidTicketTransition
from openprm.support.models import Attachment, Comment, Ticket

from .conftest import ticket_data

H = 3600
# priority → (first response, resolution) seconds before the multiplier; tier → multiplier (the defaults).
TARGETS = {"P1": (1 * H, 8 * H), "P2": (4 * H, 24 * H), "P3": (8 * H, 72 * H), "P4": (24 * H, 120 * H)}
TIERS = {"platinum": 0.5, "gold": 0.75, "silver": 1, "bronze": 2}


def set_tier(partner, code):
    type(partner).objects.filter(pk=partner.pk).update(tier=code)
    partner.refresh_from_db()


# ---------------------------------------------------------------- clocks: every priority × tier

@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("priority", TARGETS)
def test_due_times_for_every_priority_and_tier(acme, acme_support, t0, priority, tier):
    set_tier(acme, tier)
    with clock.pinned(t0):
        ticket = services.open_ticket(actor=acme_support, partner=acme,
                                      data=ticket_data(priority=priority, level="L2", notes="Tried a restart."))
    first, resolution = TARGETS[priority]
    assert ticket.sla_started_at == t0
    assert ticket.sla_tier == tier
    assert ticket.first_response_due == t0 + timedelta(seconds=first * TIERS[tier])
    assert ticket.resolution_due_at(t0) == t0 + timedelta(seconds=resolution * TIERS[tier])


def test_no_due_times_before_the_clock_starts(l1_ticket):
    assert l1_ticket.sla_started_at is None
    assert l1_ticket.first_response_due is None and l1_ticket.resolution_due_at(clock.moment()) is None


def test_clock_starts_on_escalation_with_the_tier_at_that_moment(acme, acme_support, l1_ticket, t0):
    set_tier(acme, "gold")
    with clock.pinned(t0 + timedelta(hours=3)):
        ticket = services.escalate(actor=acme_support, ticket=l1_ticket, to="L2", notes="Reinstalled, no change.")
    set_tier(acme, "bronze")  # a later tier change does not move a running clock
    ticket.refresh_from_db()
    assert ticket.sla_started_at == t0 + timedelta(hours=3)
    assert ticket.first_response_due == t0 + timedelta(hours=3, minutes=180)   # P2 4 h × 0.75
    assert ticket.resolution_due_at(t0) == t0 + timedelta(hours=3 + 18)         # P2 24 h × 0.75


def test_pause_moves_the_resolution_due_time_by_exactly_the_paused_time(acme, l2_ticket, vendor_support,
                                                                        acme_support, t0):
    set_tier(acme, "silver")
    due = t0 + timedelta(hours=24)  # P2 silver, the ticket's clock started at t0 with no tier (×1)
    assert l2_ticket.resolution_due_at(t0) == due
    with clock.pinned(t0 + timedelta(hours=1)):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="waiting_on_partner", note="Need logs")
    with clock.pinned(t0 + timedelta(hours=2, minutes=30)):
        services.add_comment(actor=acme_support, ticket=l2_ticket, body="Logs attached.")
    ticket = Ticket.objects.get(pk=l2_ticket.pk)
    assert ticket.status == "open" and ticket.paused_seconds == 90 * 60
    assert ticket.resolution_due_at(t0 + timedelta(hours=5)) == due + timedelta(minutes=90)
    # a second pause, ended by staff re-opening it
    with clock.pinned(t0 + timedelta(hours=6)):
        services.set_status(actor=vendor_support, ticket=ticket, status="waiting_on_partner")
    with clock.pinned(t0 + timedelta(hours=6, minutes=45)):
        services.set_status(actor=vendor_support, ticket=ticket, status="open")
    ticket.refresh_from_db()
    assert ticket.paused_seconds == 90 * 60 + 45 * 60
    assert ticket.resolution_due_at(t0 + timedelta(hours=7)) == due + timedelta(minutes=135)


def test_breach_at_the_due_minute_not_one_minute_before(l2_ticket, vendor_support, t0):
    first_due = t0 + timedelta(hours=4)
    assert services.flag_breaches(now=first_due - timedelta(minutes=1)) == {"first_response": 0, "resolution": 0}
    assert services.flag_breaches(now=first_due) == {"first_response": 1, "resolution": 0}
    ticket = Ticket.objects.get(pk=l2_ticket.pk)
    assert ticket.first_response_breached_at == first_due
    assert services.flag_breaches(now=first_due + timedelta(hours=1))["first_response"] == 0  # flagged once
    resolution_due = t0 + timedelta(hours=24)
    assert services.flag_breaches(now=resolution_due - timedelta(minutes=1))["resolution"] == 0
    assert services.flag_breaches(now=resolution_due)["resolution"] == 1
    ticket.refresh_from_db()
    assert ticket.resolution_breached_at == resolution_due
    # the assignee-less ticket told vendor support, in the app and by e-mail
    assert Notification.objects.filter(user=vendor_support, title__contains="breached").count() == 2


def test_a_paused_ticket_is_never_flagged_and_a_pause_spanning_the_due_time_moves_it(l2_ticket, vendor_support,
                                                                                    acme_support, t0):
    with clock.pinned(t0 + timedelta(minutes=10)):
        services.add_comment(actor=vendor_support, ticket=l2_ticket, body="Looking into it.")
    with clock.pinned(t0 + timedelta(hours=20)):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="waiting_on_partner")
    # the original due time (t0 + 24 h) passes while paused: no breach
    assert services.flag_breaches(now=t0 + timedelta(hours=30))["resolution"] == 0
    with clock.pinned(t0 + timedelta(hours=30)):
        services.add_comment(actor=acme_support, ticket=l2_ticket, body="Here you go.")
    new_due = t0 + timedelta(hours=34)  # 10 h paused
    assert services.flag_breaches(now=new_due - timedelta(minutes=1))["resolution"] == 0
    assert services.flag_breaches(now=new_due)["resolution"] == 1
    assert Ticket.objects.get(pk=l2_ticket.pk).resolution_breached_at == new_due


def test_first_public_vendor_comment_is_the_first_response_internal_is_not(l2_ticket, vendor_support, t0):
    with clock.pinned(t0 + timedelta(minutes=5)):
        services.add_comment(actor=vendor_support, ticket=l2_ticket, body="Internal: check build 7", internal=True)
    assert Ticket.objects.get(pk=l2_ticket.pk).first_responded_at is None
    with clock.pinned(t0 + timedelta(minutes=20)):
        services.add_comment(actor=vendor_support, ticket=l2_ticket, body="We are on it.")
    ticket = Ticket.objects.get(pk=l2_ticket.pk)
    assert ticket.first_responded_at == t0 + timedelta(minutes=20) and ticket.status == "open"
    assert services.flag_breaches(now=t0 + timedelta(hours=5))["first_response"] == 0


def test_late_resolution_is_flagged_at_the_due_time(l2_ticket, vendor_support, t0):
    with clock.pinned(t0 + timedelta(hours=30)):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="resolved")
    ticket = Ticket.objects.get(pk=l2_ticket.pk)
    assert ticket.resolution_breached_at == t0 + timedelta(hours=24)


# ---------------------------------------------------------------- opening and escalation rules

def test_opening_at_l2_needs_notes_and_writes_nothing(acme, acme_support):
    with pytest.raises(ValidationFailed) as error:
        services.open_ticket(actor=acme_support, partner=acme, data=ticket_data(level="L2", notes="  "))
    assert "notes" in error.value.errors
    assert not Ticket.objects.exists()


def test_unknown_priority_and_missing_subject_are_refused(acme, acme_support):
    with pytest.raises(ValidationFailed) as error:
        services.open_ticket(actor=acme_support, partner=acme, data=ticket_data(priority="P9", subject=""))
    assert set(error.value.errors) == {"priority", "subject"}
    assert not Ticket.objects.exists()


def test_cannot_open_at_l3_or_for_another_partner(acme, globex, acme_support):
    with pytest.raises(ValidationFailed):
        services.open_ticket(actor=acme_support, partner=acme, data=ticket_data(level="L3"))
    with pytest.raises(NotAllowed):
        services.open_ticket(actor=acme_support, partner=globex, data=ticket_data())


def test_sales_rep_cannot_open_tickets(acme, acme_rep):
    with pytest.raises(NotAllowed):
        services.open_ticket(actor=acme_rep, partner=acme, data=ticket_data())


def test_escalation_rules(l1_ticket, acme_support, vendor_support, engineer):
    with pytest.raises(ValidationFailed) as error:
        services.escalate(actor=acme_support, ticket=l1_ticket, to="L2", notes="")
    assert "notes" in error.value.errors
    with pytest.raises(ValidationFailed):
        services.escalate(actor=acme_support, ticket=l1_ticket, to="L3", defect_reference="BUG-1")
    with pytest.raises(NotAllowed):
        services.escalate(actor=vendor_support, ticket=l1_ticket, to="L2", notes="x")
    ticket = services.escalate(actor=acme_support, ticket=l1_ticket, to="L2", notes="Cleared cache.")
    assert ticket.level == "L2" and ticket.troubleshooting_notes == "Cleared cache."
    with pytest.raises(ValidationFailed) as error:
        services.escalate(actor=vendor_support, ticket=ticket, to="L3", defect_reference=" ")
    assert "defect_reference" in error.value.errors
    with pytest.raises(NotAllowed):
        services.escalate(actor=acme_support, ticket=ticket, to="L3", defect_reference="BUG-7")
    ticket = services.escalate(actor=vendor_support, ticket=ticket, to="L3", defect_reference="BUG-7")
    assert ticket.level == "L3" and ticket.defect_reference == "BUG-7"
    with pytest.raises(ValidationFailed):
        services.escalate(actor=engineer, ticket=ticket, to="L2", notes="")
    ticket = services.escalate(actor=engineer, ticket=ticket, to="L2", notes="Not a defect: configuration.")
    assert ticket.level == "L2"
    assert ticket.comments.get(internal=True).body.endswith("Not a defect: configuration.")
    verbs = list(AuditEvent.objects.filter(object_id=str(ticket.pk), object_type="support.ticket")
                 .values_list("verb", flat=True))
    assert verbs.count("ticket.escalated") == 2 and "ticket.de_escalated" in verbs


def test_closed_ticket_is_not_escalated(l1_ticket, acme_support):
    services.set_status(actor=acme_support, ticket=l1_ticket, status="closed")
    with pytest.raises(InvalidTicketTransition):
        services.escalate(actor=acme_support, ticket=l1_ticket, to="L2", notes="x")


def test_status_rules(l2_ticket, vendor_support, acme_support, channel_manager):
    with pytest.raises(NotAllowed):
        services.set_status(actor=acme_support, ticket=l2_ticket, status="resolved")
    with pytest.raises(NotAllowed):
        services.set_status(actor=channel_manager, ticket=l2_ticket, status="open")
    with pytest.raises(ValidationFailed):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="done")
    services.set_status(actor=vendor_support, ticket=l2_ticket, status="closed")
    with pytest.raises(InvalidTicketTransition):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="open")


def test_assignment_only_to_the_levels_team(l2_ticket, vendor_support, engineer, acme_support):
    with pytest.raises(ValidationFailed):
        services.assign(actor=vendor_support, ticket=l2_ticket, assignee=engineer)
    ticket = services.assign(actor=vendor_support, ticket=l2_ticket, assignee=vendor_support)
    assert ticket.assignee == vendor_support


# ---------------------------------------------------------------- comments and attachments

def test_partner_users_cannot_write_internal_notes(l2_ticket, acme_support):
    with pytest.raises(NotAllowed):
        services.add_comment(actor=acme_support, ticket=l2_ticket, body="secret", internal=True)
    assert not Comment.objects.exists()


def test_internal_notes_never_reach_partner_users(l2_ticket, vendor_support, acme_support, acme_admin):
    mail.outbox.clear()
    services.add_comment(actor=vendor_support, ticket=l2_ticket, body="INTERNAL-ONLY root cause", internal=True)
    assert list(services.visible_comments(acme_support, l2_ticket)) == []
    assert len(services.visible_comments(vendor_support, l2_ticket)) == 1
    partner_texts = [n.title + n.summary for n in Notification.objects.filter(user__partner=l2_ticket.partner)]
    assert not any("INTERNAL-ONLY" in text for text in partner_texts)
    assert not any("INTERNAL-ONLY" in (m.subject + m.body) for m in mail.outbox)
    events = AuditEvent.objects.filter(verb="ticket.internal_note")
    assert events.count() == 1 and events.get().partner is None and "INTERNAL-ONLY" not in events.get().note


def test_public_vendor_reply_notifies_the_partner(l2_ticket, vendor_support, acme_support):
    services.add_comment(actor=vendor_support, ticket=l2_ticket, body="Try version 2.1.")
    assert Notification.objects.filter(user=acme_support, summary__contains="Try version 2.1.").exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_attachments_are_checked_by_content(l2_ticket, acme_support):
    good = SimpleUploadedFile("screen.png", PNG, content_type="image/png")
    log = SimpleUploadedFile("agent.log", b"line 1\nerror 42\n", content_type="application/octet-stream")
    comment = services.add_comment(actor=acme_support, ticket=l2_ticket, body="See files", files=[good, log])
    kinds = sorted(comment.attachments.values_list("content_type", flat=True))
    assert kinds == ["image/png", "text/plain"]
    stored = comment.attachments.get(content_type="image/png")
    assert stored.file.name.startswith("support/") and stored.file.name.endswith(".bin")
    assert stored.file.read() == PNG


@pytest.mark.parametrize("name,content", [
    ("fake.png", b"MZ\x90\x00 an executable"),
    ("page.txt", b"<html><script>alert(1)</script></html>"),
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
])
def test_forbidden_types_are_refused_and_nothing_is_written(l2_ticket, acme_support, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    with pytest.raises(ValidationFailed) as error:
        services.add_comment(actor=acme_support, ticket=l2_ticket, body="file", files=[upload])
    assert "attachments" in error.value.errors
    assert not Comment.objects.exists() and not Attachment.objects.exists()


def test_too_large_attachment_is_refused(l2_ticket, acme_support):
    upload = SimpleUploadedFile("big.log", b"a" * (services.ATTACHMENT_MAX_BYTES + 1))
    with pytest.raises(ValidationFailed) as error:
        services.add_comment(actor=acme_support, ticket=l2_ticket, body="file", files=[upload])
    assert "10 MB" in error.value.errors["attachments"][0]
    assert not Comment.objects.exists()


# ---------------------------------------------------------------- policy

def test_policy_changes_apply_to_new_clocks_only(acme, acme_support, vendor_admin, l2_ticket, t0):
    update_sla_policy(actor=vendor_admin, policy={"P2": {"first_response_minutes": 30, "resolution_minutes": 600}})
    assert sla_policy()["P2"] == {"first_response_minutes": 30, "resolution_minutes": 600}
    assert Ticket.objects.get(pk=l2_ticket.pk).first_response_due == t0 + timedelta(hours=4)
    with clock.pinned(t0):
        fresh = services.open_ticket(actor=acme_support, partner=acme, data=ticket_data(level="L2", notes="n"))
    assert fresh.first_response_due == t0 + timedelta(minutes=30)
    assert AuditEvent.objects.filter(verb="support.sla_policy_changed").count() == 1


def test_policy_bad_input_and_roles(vendor_support, vendor_admin):
    with pytest.raises(NotAllowed):
        update_sla_policy(actor=vendor_support, policy={"P1": {"first_response_minutes": 1, "resolution_minutes": 2}})
    with pytest.raises(ValidationFailed) as error:
        update_sla_policy(actor=vendor_admin, policy={"P1": {"first_response_minutes": 90, "resolution_minutes": 60},
                                                      "P7": {}})
    assert set(error.value.errors) == {"P1", "P7"}
    assert sla_policy()["P1"] == {"first_response_minutes": 60, "resolution_minutes": 480}
