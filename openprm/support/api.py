"""API: support tickets (L1 partner, L2 vendor support, L3 engineering), comments, attachments, SLA policy."""

from django.http import Http404
from ninja import Router, Status
from ninja.pagination import paginate

from openprm.accounts.models import Role
from openprm.accounts.scoping import get_scoped_or_404
from openprm.api.auth import auth_allowing
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt
from openprm.partners.models import Partner

from . import configuration, queries, services
from .exceptions import NotAllowed, ValidationFailed
from .files import attachment_response
from .models import Attachment, Level, Priority, Source, TicketStatus
from .schemas import (
    AssignIn,
    CommentIn,
    CommentOut,
    EscalateIn,
    SlaPolicyIn,
    SlaPolicyOut,
    StatusIn,
    TicketIn,
    TicketOut,
)

router = Router(tags=["support"])
# Support and engineering are read-only vendor roles elsewhere; here they work their queues.
WORKERS = auth_allowing(Role.SUPPORT, Role.ENGINEERING)


def _tickets(request):
    if not services.may_use_support(request.user):
        raise NotAllowed("Support tickets are for the partner's support people and vendor support staff.")
    return services.tickets_for(request.user)


def _ticket(request, ticket_id: int):
    return get_scoped_or_404(_tickets(request), request.user, pk=ticket_id)


@router.get("/tickets", response=list[TicketOut])
@paginate(Page)
def list_tickets(request, partner: DbInt | None = None, level: Level | None = None,
                 status: TicketStatus | None = None, priority: Priority | None = None, breached: bool | None = None):
    """Tickets the caller may see, newest first; filters `partner`, `level`, `status`, `priority`, `breached`."""
    return queries.filter_tickets(_tickets(request), partner=partner, level=level, status=status,
                                  priority=priority, breached=breached)


@router.post("/tickets", response={201: TicketOut}, auth=WORKERS)
def create_ticket(request, payload: TicketIn):
    """Open a ticket at L1, or at L2 with `notes` (the L1 troubleshooting; the vendor's clock starts)."""
    user = request.user
    if user.is_partner_user:
        if payload.partner not in (None, user.partner_id):
            raise ValidationFailed("Wrong partner.", errors={"partner": ["You open tickets for your own partner."]})
        partner = user.partner
    else:
        if payload.partner is None:
            raise ValidationFailed("Choose the partner.", errors={"partner": ["This field is required."]})
        partner = get_scoped_or_404(Partner, user, pk=payload.partner)
    customer = payload.end_customer
    data = {"subject": payload.subject, "description": payload.description, "priority": payload.priority,
            "level": payload.level, "product": payload.product, "notes": payload.notes,
            "customer_name": customer.name if customer else "", "customer_email": customer.email if customer else "",
            "customer_company": customer.company if customer else ""}
    return Status(201, services.open_ticket(actor=user, partner=partner, data=data, source=Source.API))


@router.get("/tickets/{ticket_id}", response=TicketOut)
def get_ticket(request, ticket_id: int):
    return _ticket(request, ticket_id)


@router.post("/tickets/{ticket_id}/escalate", response=TicketOut, auth=WORKERS)
def escalate_ticket(request, ticket_id: int, payload: EscalateIn):
    """`{"to": "L2", "notes"}` (from L1, or back from L3) or `{"to": "L3", "defect_reference"}`."""
    return services.escalate(actor=request.user, ticket=_ticket(request, ticket_id), to=payload.to,
                             notes=payload.notes, defect_reference=payload.defect_reference)


@router.post("/tickets/{ticket_id}/status", response=TicketOut, auth=WORKERS)
def set_ticket_status(request, ticket_id: int, payload: StatusIn):
    """Change the status; `waiting_on_partner` pauses the resolution clock until the partner replies."""
    return services.set_status(actor=request.user, ticket=_ticket(request, ticket_id), status=payload.status,
                               note=payload.note)


@router.post("/tickets/{ticket_id}/assign", response=TicketOut, auth=WORKERS)
def assign_ticket(request, ticket_id: int, payload: AssignIn):
    """Give the ticket to someone of its level's team (`null` = nobody)."""
    ticket = _ticket(request, ticket_id)
    assignee = None
    if payload.assignee is not None:
        assignee = services.assignable(ticket).filter(pk=payload.assignee).first()
        if assignee is None:
            raise ValidationFailed("Not assignable.",
                                   errors={"assignee": [f"Choose someone of the {ticket.level} team."]})
    return services.assign(actor=request.user, ticket=ticket, assignee=assignee)


@router.get("/tickets/{ticket_id}/comments", response=list[CommentOut])
@paginate(Page)
def list_comments(request, ticket_id: int):
    """The ticket's thread, oldest first; internal notes only for vendor staff."""
    return services.visible_comments(request.user, _ticket(request, ticket_id))


@router.post("/tickets/{ticket_id}/comments", response={201: CommentOut}, auth=WORKERS)
def add_comment(request, ticket_id: int, payload: CommentIn):
    """A public comment, or an internal note (vendor staff only)."""
    return Status(201, services.add_comment(actor=request.user, ticket=_ticket(request, ticket_id),
                                            body=payload.body, internal=payload.internal))


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
def download_attachment(request, ticket_id: int, attachment_id: int):
    """An attachment of a comment the caller may read, always as a download."""
    ticket = _ticket(request, ticket_id)
    visible = services.visible_comments(request.user, ticket)
    attachment = Attachment.objects.for_user(request.user).filter(comment__in=visible, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No attachment matches the given query.")
    return attachment_response(attachment)


# ---------------------------------------------------------------- SLA policy

@router.get("/sla-policy", response=SlaPolicyOut)
def get_sla_policy(request):
    """First-response and resolution targets in minutes per priority (before the tier multiplier)."""
    if not request.user.is_vendor:
        raise NotAllowed("The SLA policy is the vendor's.")
    return configuration.sla_policy()


@router.put("/sla-policy", response=SlaPolicyOut)
def put_sla_policy(request, payload: SlaPolicyIn):
    """Set the targets of the priorities given (program admins; audited)."""
    return configuration.update_sla_policy(actor=request.user, policy=payload.dict(exclude_none=True))

