"""A ticket's way through the levels and statuses: escalation, de-escalation, status, assignment."""

from django.db import transaction

from openprm.accounts.models import Role, User
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock

from ..exceptions import InvalidTicketTransition, ValidationFailed
from ..models import DONE_STATUSES, Comment, Level, Ticket, TicketStatus
from .common import (
    AUDIT_FIELDS,
    LEVEL_WORKERS,
    PARTNER_WORKERS,
    can_work,
    is_partner_worker,
    level_workers,
    locked,
    notify_ticket,
    partner_workers,
    pause,
    require,
    resume,
    start_clock,
)


def _save(*, actor, ticket: Ticket, before: dict, verb: str, note: str = "", partner_note: bool = True) -> None:
    ticket.updated_at = clock.moment()
    ticket.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=ticket, partner=ticket.partner,
                 changes=audit.diff(before, audit.snapshot(ticket, AUDIT_FIELDS)),
                 note=note if partner_note else "")


@transaction.atomic
def escalate(*, actor, ticket: Ticket, to: str, notes: str = "", defect_reference: str = "") -> Ticket:
    """Move a ticket between levels.

    L1 → L2 (the partner's L1 people or a program admin) needs the L1 troubleshooting notes, and starts the
    vendor's clock the first time; L2 → L3 (vendor support) needs a defect reference; L3 → L2 (engineering)
    is a de-escalation and needs a note, kept as an internal note for the vendor.
    """
    ticket = locked(ticket)
    notes = (notes or "").strip()
    defect_reference = (defect_reference or "").strip()
    moves = {(Level.L1, Level.L2), (Level.L2, Level.L3), (Level.L3, Level.L2)}
    if to not in Level.values:
        raise ValidationFailed("Unknown level.", errors={"to": ["Choose L2 or L3."]})
    if (ticket.level, to) not in moves:
        raise ValidationFailed("This move is not possible.",
                               errors={"to": [f"A ticket at {ticket.level} cannot move to {to}."]})
    require(can_work(actor, ticket), f"Only the {ticket.level} team may move this ticket.")
    if ticket.status in DONE_STATUSES:
        raise InvalidTicketTransition("A resolved or closed ticket is not escalated; re-open it first.")
    before = audit.snapshot(ticket, AUDIT_FIELDS)
    now = clock.moment()
    if (ticket.level, to) == (Level.L1, Level.L2):
        if not notes:
            raise ValidationFailed("Add the L1 troubleshooting notes.",
                                   errors={"notes": ["Say what L1 tried before escalating."]})
        if len(notes) > 20000:
            raise ValidationFailed("The notes are too long.", errors={"notes": ["At most 20000 characters."]})
        ticket.troubleshooting_notes = notes
        start_clock(ticket, now)
        verb, audience, note = "ticket.escalated", level_workers(Level.L2), "L1 → L2"
    elif to == Level.L3:
        if not defect_reference:
            raise ValidationFailed("Give the defect reference.",
                                   errors={"defect_reference": ["Give the issue-tracker key of the defect."]})
        if len(defect_reference) > 120:
            raise ValidationFailed("Too long.", errors={"defect_reference": ["At most 120 characters."]})
        ticket.defect_reference = defect_reference
        verb, audience, note = "ticket.escalated", level_workers(Level.L3), f"L2 → L3 ({defect_reference})"
    else:
        if not notes:
            raise ValidationFailed("Add a note for L2.", errors={"notes": ["Say why the ticket goes back to L2."]})
        Comment.objects.create(ticket=ticket, author=actor, by_vendor=True, internal=True, created_at=now,
                               body=f"De-escalated to L2: {notes}")
        verb, audience, note = "ticket.de_escalated", level_workers(Level.L2), "L3 → L2"
    ticket.level = to
    # An escalated ticket goes to the new team's queue as unassigned, unless its assignee works there.
    if ticket.assignee is not None and not (ticket.assignee.role == Role.ADMIN
                                            or ticket.assignee.role in LEVEL_WORKERS[to]):
        ticket.assignee = None
    if ticket.status == TicketStatus.WAITING_ON_PARTNER:
        resume(ticket, now)
        ticket.status = TicketStatus.OPEN
    _save(actor=actor, ticket=ticket, before=before, verb=verb, note=note)
    notify_ticket(ticket, audience + partner_workers(ticket), "escalated", text=note)
    return ticket


# Which status may follow which (closed is final).
TRANSITIONS = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.WAITING_ON_PARTNER, TicketStatus.RESOLVED,
                       TicketStatus.CLOSED},
    TicketStatus.OPEN: {TicketStatus.WAITING_ON_PARTNER, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.WAITING_ON_PARTNER: {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}


@transaction.atomic
def set_status(*, actor, ticket: Ticket, status: str, note: str = "") -> Ticket:
    """Change the status. Waiting on the partner pauses the resolution clock; leaving that status resumes it
    and the due time moves by exactly the paused time. Resolving stops the clock (a breach is flagged at the
    due time when it came late); re-opening a resolved ticket starts it again."""
    ticket = locked(ticket)
    if status not in TicketStatus.values:
        raise ValidationFailed("Unknown status.",
                               errors={"status": [f"Choose one of {', '.join(TicketStatus.values)}."]})
    require(can_work(actor, ticket), f"Only the {ticket.level} team may change this ticket's status.")
    note = (note or "").strip()
    if len(note) > 5000:
        raise ValidationFailed("The note is too long.", errors={"note": ["At most 5000 characters."]})
    if status == ticket.status:
        raise InvalidTicketTransition(f"The ticket is already {ticket.get_status_display().lower()}.")
    if status not in TRANSITIONS[ticket.status]:
        raise InvalidTicketTransition(
            f"A {ticket.get_status_display().lower()} ticket cannot become {TicketStatus(status).label.lower()}.")
    now = clock.moment()
    before = audit.snapshot(ticket, AUDIT_FIELDS)
    if ticket.status == TicketStatus.WAITING_ON_PARTNER:
        resume(ticket, now)
    if status == TicketStatus.WAITING_ON_PARTNER:
        pause(ticket, now)
    if status in DONE_STATUSES and ticket.resolved_at is None:
        ticket.resolved_at = now
        due = ticket.resolution_due_at(now)
        if due is not None and now >= due and ticket.resolution_breached_at is None:
            ticket.resolution_breached_at = due
    if status == TicketStatus.CLOSED:
        ticket.closed_at = now
    if status == TicketStatus.OPEN and ticket.status == TicketStatus.RESOLVED:
        ticket.resolved_at = None
    ticket.status = status
    _save(actor=actor, ticket=ticket, before=before, verb="ticket.status_changed", note=note)
    audience = partner_workers(ticket) if not is_partner_worker(actor, ticket) else []
    if ticket.assignee is not None and ticket.assignee != actor:
        audience.append(ticket.assignee)
    notify_ticket(ticket, audience, "status", text=f"Now {ticket.get_status_display().lower()}."
                  + (f" {note}" if note else ""))
    return ticket


def assignable(ticket: Ticket):
    """Who may be assigned the ticket at its level: the partner's L1 people at L1, support at L2,
    engineering at L3 (program admins at L2 and L3 too)."""
    if ticket.level == Level.L1:
        return User.objects.filter(partner_id=ticket.partner_id, role__in=PARTNER_WORKERS, is_active=True)
    return User.objects.filter(role__in=LEVEL_WORKERS[ticket.level], is_active=True)


@transaction.atomic
def assign(*, actor, ticket: Ticket, assignee: User | None) -> Ticket:
    """Give the ticket to someone of its level's team (or to nobody)."""
    ticket = locked(ticket)
    require(can_work(actor, ticket), f"Only the {ticket.level} team may assign this ticket.")
    if assignee is not None and not assignable(ticket).filter(pk=assignee.pk).exists():
        raise ValidationFailed("Not assignable.",
                               errors={"assignee": [f"Choose someone of the {ticket.level} team."]})
    before = audit.snapshot(ticket, AUDIT_FIELDS)
    ticket.assignee = assignee
    _save(actor=actor, ticket=ticket, before=before, verb="ticket.assigned")
    if assignee is not None and assignee != actor:
        notify_ticket(ticket, [assignee], "assigned")
    return ticket
