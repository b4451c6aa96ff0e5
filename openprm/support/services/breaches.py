"""The SLA breach job: flags first-response and resolution breaches at the due minute and tells people."""

from datetime import datetime

from django.db import transaction

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock

from ..models import OPEN_STATUSES, Ticket
from .common import notify_ticket, support_leads


def flag_breaches(*, now: datetime | None = None) -> dict[str, int]:
    """Flag every open ticket whose first-response or resolution due time has come by `now` (due ≤ now).

    A paused ticket is never flagged for resolution (its due time keeps moving while it waits). The flag
    holds the due time itself, so it is exact whenever the job runs; each flag is set once, and the assignee
    and vendor support hear of it in the app and by e-mail.
    """
    now = now or clock.moment()
    counts = {"first_response": 0, "resolution": 0}
    candidates = (Ticket.objects.filter(status__in=OPEN_STATUSES, sla_started_at__isnull=False)
                  .filter(first_response_breached_at__isnull=True, first_responded_at__isnull=True)
                  | Ticket.objects.filter(status__in=OPEN_STATUSES, sla_started_at__isnull=False,
                                          resolution_breached_at__isnull=True, resolved_at__isnull=True))
    for pk in candidates.values_list("pk", flat=True).distinct():
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            kinds = []
            if ticket.first_response_breached_at is None and ticket.first_response_overdue(now):
                ticket.first_response_breached_at = ticket.first_response_due
                kinds.append("first_response")
            if ticket.resolution_breached_at is None and ticket.resolution_overdue(now):
                ticket.resolution_breached_at = ticket.resolution_due_at(now)
                kinds.append("resolution")
            if not kinds:
                continue
            ticket.save(update_fields=["first_response_breached_at", "resolution_breached_at"])
            for kind in kinds:
                counts[kind] += 1
                due = getattr(ticket, f"{kind}_breached_at")
                audit.record(actor="system", action=Action.UPDATE, verb=f"ticket.{kind}_breached", obj=ticket,
                             partner=ticket.partner, note=f"due {due:%Y-%m-%d %H:%M} UTC")
                notify_ticket(ticket, [ticket.assignee] + support_leads(), f"{kind}_breach")
    return counts
