"""What every support module shares: who may do what, locking, clocks, and notifications."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse

from openprm.accounts.models import Role, User
from openprm.accounts.services import notify

from ..exceptions import NotAllowed
from ..models import Level, SlaTarget, Ticket

# Partner people who work their partner's L1 queue.
PARTNER_WORKERS = frozenset({Role.PARTNER_SUPPORT, Role.PARTNER_ADMIN})
# Vendor people who work tickets: L2 is support's queue, L3 engineering's; program admins may do anything.
STAFF_WORKERS = frozenset({Role.ADMIN, Role.SUPPORT, Role.ENGINEERING})
# Vendor roles that open tickets at all (channel managers read their partners' tickets).
VENDOR_READERS = STAFF_WORKERS | {Role.CHANNEL_MANAGER}
LEVEL_WORKERS = {Level.L2: frozenset({Role.ADMIN, Role.SUPPORT}), Level.L3: frozenset({Role.ADMIN, Role.ENGINEERING})}

AUDIT_FIELDS = ["subject", "priority", "level", "status", "assignee", "product", "customer_name", "customer_email",
                "customer_company", "troubleshooting_notes", "defect_reference", "sla_started_at",
                "first_responded_at", "resolved_at", "paused_seconds"]


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def may_use_support(user) -> bool:
    """Whether `user` sees support tickets at all: the partner's L1 people, vendor support, engineering,
    channel managers (their partners, read-only) and program admins."""
    if not _authenticated(user):
        return False
    return user.role in PARTNER_WORKERS or user.role in VENDOR_READERS


def tickets_for(user):
    """The tickets `user` may see (the isolation rule of `for_user` plus the support roles)."""
    if not may_use_support(user):
        return Ticket.objects.none()
    return Ticket.objects.for_user(user).select_related("partner", "assignee")


def is_partner_worker(user, ticket: Ticket) -> bool:
    return _authenticated(user) and user.role in PARTNER_WORKERS and user.partner_id == ticket.partner_id


def is_staff_worker(user) -> bool:
    return _authenticated(user) and user.role in STAFF_WORKERS


def can_work(user, ticket: Ticket) -> bool:
    """Who changes a ticket (status, assignee, escalation from its level): the partner's L1 people at L1,
    vendor support at L2, engineering at L3, program admins anywhere."""
    if not _authenticated(user):
        return False
    if user.role == Role.ADMIN:
        return True
    if ticket.level == Level.L1:
        return is_partner_worker(user, ticket)
    return user.role in LEVEL_WORKERS[ticket.level]


def can_comment(user, ticket: Ticket, *, internal: bool = False) -> bool:
    """Partner L1 people answer in public on their own tickets at any level; vendor support and engineering
    write on tickets that reached the vendor (public or internal); program admins anywhere."""
    if not _authenticated(user):
        return False
    if is_partner_worker(user, ticket):
        return not internal
    if user.role == Role.ADMIN:
        return True
    return user.role in (Role.SUPPORT, Role.ENGINEERING) and ticket.level != Level.L1


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def locked(ticket: Ticket) -> Ticket:
    """The ticket row locked for this transaction, so two changes to one ticket run one after the other."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


# ---------------------------------------------------------------- SLA clock

def tier_multiplier(partner) -> tuple[str, Decimal]:
    """The partner's tier code and its support multiplier now (1 without a tier)."""
    from openprm.programs.models import Tier

    tier = Tier.objects.filter(code=partner.tier).first() if partner.tier else None
    return (tier.code, tier.sla_multiplier) if tier else ("", Decimal("1"))


def scaled_seconds(minutes: int, multiplier: Decimal) -> int:
    """`minutes` × multiplier in whole seconds, rounded half-up once."""
    return int((Decimal(minutes) * 60 * multiplier).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def start_clock(ticket: Ticket, now: datetime) -> None:
    """The vendor's clock starts the first time a ticket reaches L2: the targets of its priority, scaled by the
    partner's tier at this moment, are fixed on the ticket."""
    if ticket.sla_started_at is not None:
        return
    first, resolution = SlaTarget.targets()[ticket.priority]
    tier, multiplier = tier_multiplier(ticket.partner)
    ticket.sla_started_at = now
    ticket.sla_tier = tier
    ticket.sla_multiplier = multiplier
    ticket.first_response_target_seconds = scaled_seconds(first, multiplier)
    ticket.resolution_target_seconds = scaled_seconds(resolution, multiplier)


def pause(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_started_at is not None and ticket.paused_at is None:
        ticket.paused_at = now


def resume(ticket: Ticket, now: datetime) -> None:
    """End a pause: the due time moves by exactly the paused time."""
    if ticket.paused_at is not None:
        ticket.paused_seconds += max(0, int((now - ticket.paused_at).total_seconds()))
        ticket.paused_at = None


# ---------------------------------------------------------------- notifications

def partner_workers(ticket: Ticket) -> list[User]:
    return list(User.objects.filter(partner_id=ticket.partner_id, role__in=PARTNER_WORKERS, is_active=True))


def level_workers(level: str) -> list[User]:
    """The vendor people of a queue: support for L2, engineering for L3."""
    role = Role.SUPPORT if level == Level.L2 else Role.ENGINEERING
    return list(User.objects.filter(role=role, is_active=True))


def support_leads() -> list[User]:
    """Who hears about breaches besides the assignee: vendor support (there is no separate lead role)."""
    return list(User.objects.filter(role=Role.SUPPORT, is_active=True))


def notify_ticket(ticket: Ticket, users, event: str, *, text: str = "") -> None:
    """Tell `users` about an event on the ticket. Callers pass only people who may see the ticket, and `text`
    is only ever public (never an internal note), because partner people get the same notice."""
    seen = set()
    recipients = []
    for user in users:
        if user is not None and user.pk not in seen and user.is_active:
            seen.add(user.pk)
            recipients.append(user)
    for side in ("partner", "vendor"):
        group = [u for u in recipients if (u.is_partner_user if side == "partner" else u.is_vendor)]
        if not group:
            continue
        url = reverse("support:portal_detail" if side == "partner" else "support:console_detail", args=[ticket.pk])
        summary = f"{_EVENTS[event]} on ticket #{ticket.pk}" + (f": {' '.join(text.split())}" if text else ".")
        notify(users=group, subject=f"[Ticket #{ticket.pk}] {_EVENTS[event]}: {ticket.subject}"[:200],
               template="support/email/ticket_event.txt",
               context={"ticket": ticket, "event": _EVENTS[event], "text": text}, url=url,
               summary=summary[:300], link_label="Open the ticket")


_EVENTS = {
    "created": "New ticket",
    "escalated": "Escalated",
    "comment": "New reply",
    "status": "Status changed",
    "assigned": "Assigned to you",
    "first_response_breach": "First-response SLA breached",
    "resolution_breach": "Resolution SLA breached",
}
