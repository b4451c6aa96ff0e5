"""Ticket clocks read time through lib.clock: a pinned moment moves a paused ticket's due time."""

from datetime import timedelta

from openprm.lib import clock
from openprm.support import services


def test_paused_resolution_due_follows_the_pinned_clock(l2_ticket, vendor_support, t0):
    with clock.pinned(t0 + timedelta(hours=1)):
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="waiting_on_partner")
    l2_ticket.refresh_from_db()
    with clock.pinned(t0 + timedelta(hours=4)):
        assert l2_ticket.resolution_due == t0 + timedelta(hours=24 + 3)


def test_sla_state_for_the_pages(l2_ticket, t0):
    state = l2_ticket.sla_state(t0 + timedelta(hours=3))
    assert state["kind"] == "first response" and state["seconds_left"] == 3600 and not state["overdue"]
    assert l2_ticket.sla_state(t0 + timedelta(hours=4))["overdue"]
