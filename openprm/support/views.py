"""Support pages: the vendor's queues and workspace under /console/support/, the partner's L1 queue under
/portal/support/.

Thin: tickets are read through `services.tickets_for` / `get_scoped_or_404` and changed through the services.
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openprm.accounts.access import partner_required, program_admin_required, vendor_required
from openprm.accounts.models import Role
from openprm.accounts.scoping import get_scoped_or_404
from openprm.audit.models import AuditEvent
from openprm.lib import clock
from openprm.lib.pages import page_action, refusal_on_form
from openprm.lib.params import int_param, querystring
from openprm.lib.pickers import picked_id, picked_text
from openprm.partners.models import Partner
from openprm.programs.models import Tier

from . import configuration, queries, services
from .files import attachment_response
from .forms import (
    AssignForm,
    CommentForm,
    EscalateForm,
    SlaPolicyForm,
    StatusForm,
    SupportSettingsForm,
    TicketForm,
)
from .models import Attachment, Level, Priority, Source, SupportSettings, TicketStatus

PER_PAGE = 25
WORKERS = {Role.SUPPORT, Role.ENGINEERING}
# The queue each vendor role opens on.
HOME_LEVEL = {Role.SUPPORT: Level.L2, Role.ENGINEERING: Level.L3}


def _require_support(user):
    if not services.may_use_support(user):
        raise PermissionDenied("Support tickets are for support people.")


def _ticket(request, ticket_id):
    _require_support(request.user)
    return get_scoped_or_404(services.tickets_for(request.user), request.user, pk=ticket_id)


def _timeline(ticket, user):
    events = AuditEvent.objects.for_object(ticket).order_by("created_at", "id")
    if not user.is_vendor:
        events = events.exclude(verb="ticket.internal_note")
    return events


def _sorted_by_time_left(tickets, now):
    """Open tickets with a running clock first, the least time left first; then the rest, newest first."""
    def key(ticket):
        state = ticket.sla_state(now)
        if state.get("running") and not state.get("paused"):
            return (0, state["seconds_left"], 0)
        return (1, 0, -ticket.created_at.timestamp())
    return sorted(tickets, key=key)


def _queue(request, *, side):
    user = request.user
    _require_support(user)
    default_level = HOME_LEVEL.get(user.role, "") if side == "console" else ""
    filters = {name: request.GET.get(name, "") for name in
               ("level", "priority", "status", "partner", "tier", "breached", "assignee", "q")}
    if "level" not in request.GET:
        filters["level"] = default_level
    if "status" not in request.GET:
        filters["status"] = "active"
    tickets = services.tickets_for(user)
    status = filters["status"]
    if status == "active":
        tickets = tickets.open()
        status = ""
    tickets = queries.filter_tickets(
        tickets, partner=picked_id(filters["partner"]) if side == "console" else None,
        level=filters["level"] if filters["level"] in Level.values else None,
        status=status if status in TicketStatus.values else None,
        priority=filters["priority"] if filters["priority"] in Priority.values else None,
        tier=filters["tier"] if side == "console" and filters["tier"] else None,
        breached={"yes": True, "no": False}.get(filters["breached"]),
        assignee="none" if filters["assignee"] == "none" else int_param(filters["assignee"]),
        q=filters["q"][:100])
    now = clock.moment()
    page = Paginator(_sorted_by_time_left(tickets[:2000], now), PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"ticket": t, "sla": t.sla_state(now)} for t in page.object_list]
    context = {"page": page, "rows": rows, "filters": filters, "querystring": querystring(request.GET),
               "levels": Level.choices, "priorities": Priority.choices, "statuses": TicketStatus.choices,
               "side": side}
    if side == "console":
        context.update(partner_text=picked_text(Partner.objects.for_user(user), filters["partner"]),
                       tiers=Tier.objects.order_by("rank"), is_admin=user.is_program_admin)
        return render(request, "support/console_queue.html", context)
    context["can_open"] = services.is_partner_worker(user, _own(user))
    return render(request, "support/portal_queue.html", context)


def _own(user):
    """A stand-in ticket of the user's own partner, for the role checks that take a ticket."""
    from .models import Ticket

    return Ticket(partner_id=user.partner_id)


def _detail(request, ticket, *, side, comment_form=None, escalate_form=None):
    user = request.user
    now = clock.moment()
    allow_internal = user.is_vendor and services.can_comment(user, ticket, internal=True)
    context = {
        "ticket": ticket, "sla": ticket.sla_state(now), "now": now, "side": side,
        "comments": services.visible_comments(user, ticket),
        "events": _timeline(ticket, user),
        "can_work": services.can_work(user, ticket),
        "can_comment": services.can_comment(user, ticket),
        "comment_form": comment_form or CommentForm(allow_internal=allow_internal),
        "escalate_form": escalate_form or EscalateForm(),
        "status_form": StatusForm(initial={"status": ticket.status}),
        "assign_form": AssignForm(queryset=services.assignable(ticket), initial={"assignee": ticket.assignee_id}),
        "escalations": _escalations(ticket),
    }
    return render(request, f"support/{side}_detail.html", context)


def _escalations(ticket):
    """The moves the ticket's level allows, as (to, label, needs)."""
    return {Level.L1: [("L2", "Escalate to L2", "notes")],
            Level.L2: [("L3", "Escalate to L3", "defect_reference")],
            Level.L3: [("L2", "De-escalate to L2", "notes")]}[ticket.level]


def _comment(request, ticket_id, *, side):
    ticket = _ticket(request, ticket_id)
    form = CommentForm(request.POST, request.FILES, allow_internal=request.user.is_vendor)
    url = reverse(f"support:{side}_detail", args=[ticket.pk])
    return page_action(
        request, lambda data: services.add_comment(actor=request.user, ticket=ticket, body=data["body"],
                                                   internal=data.get("internal", False),
                                                   files=data.get("attachments") or []),
        form=form, show_form=lambda f: _detail(request, ticket, side=side, comment_form=f),
        success=lambda c: "Internal note added." if c.internal else "Reply sent.", redirect_to=url)


def _escalate(request, ticket_id, *, side):
    ticket = _ticket(request, ticket_id)
    form = EscalateForm(request.POST)
    return page_action(
        request, lambda data: services.escalate(actor=request.user, ticket=ticket, to=data["to"],
                                                notes=data["notes"], defect_reference=data["defect_reference"]),
        form=form, show_form=lambda f: _detail(request, ticket, side=side, escalate_form=f),
        success=lambda t: f"The ticket is now at {t.level}.",
        redirect_to=reverse(f"support:{side}_detail", args=[ticket.pk]))


def _status(request, ticket_id, *, side):
    ticket = _ticket(request, ticket_id)
    return page_action(
        request, lambda data: services.set_status(actor=request.user, ticket=ticket, status=data["status"],
                                                  note=data["note"]),
        form=StatusForm(request.POST), success=lambda t: f"The ticket is now {t.get_status_display().lower()}.",
        redirect_to=reverse(f"support:{side}_detail", args=[ticket.pk]))


def _attachment(request, ticket_id, attachment_id):
    ticket = _ticket(request, ticket_id)
    visible = services.visible_comments(request.user, ticket)
    attachment = Attachment.objects.for_user(request.user).filter(comment__in=visible, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No attachment matches the given query.")
    return attachment_response(attachment)


# ---------------------------------------------------------------- console

@vendor_required
def console_queue(request):
    """The vendor's queues: L2 for support, L3 for engineering, everything for program admins, a channel
    manager's partners read-only; filters, search, sorted by time left."""
    return _queue(request, side="console")


@vendor_required
def console_detail(request, ticket_id):
    return _detail(request, _ticket(request, ticket_id), side="console")


@vendor_required(writers=WORKERS)
@require_POST
def console_comment(request, ticket_id):
    return _comment(request, ticket_id, side="console")


@vendor_required(writers=WORKERS)
@require_POST
def console_escalate(request, ticket_id):
    return _escalate(request, ticket_id, side="console")


@vendor_required(writers=WORKERS)
@require_POST
def console_status(request, ticket_id):
    return _status(request, ticket_id, side="console")


@vendor_required(writers=WORKERS)
@require_POST
def console_assign(request, ticket_id):
    ticket = _ticket(request, ticket_id)
    form = AssignForm(request.POST, queryset=services.assignable(ticket))
    return page_action(request, lambda data: services.assign(actor=request.user, ticket=ticket,
                                                             assignee=data["assignee"]),
                       form=form, success=lambda t: f"Assigned to {t.assignee or 'nobody'}.",
                       redirect_to=reverse("support:console_detail", args=[ticket.pk]))


@vendor_required
def console_attachment(request, ticket_id, attachment_id):
    return _attachment(request, ticket_id, attachment_id)


@program_admin_required
def console_sla_policy(request):
    """The SLA policy: targets per priority in minutes (audited); running clocks keep theirs."""
    policy = configuration.sla_policy()
    form = SlaPolicyForm(request.POST or None, policy=policy)

    def show_form(f):
        return render(request, "support/console_sla_policy.html", {
            "form": f, "tiers": Tier.objects.order_by("rank"),
            "settings_form": SupportSettingsForm(
                initial={"show_powered_by": SupportSettings.current().show_powered_by})})

    if request.method != "POST":
        return show_form(form)
    return page_action(request, lambda data: configuration.update_sla_policy(actor=request.user,
                                                                              policy=form.policy()),
                       form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
                       success="SLA policy saved.", redirect_to=reverse("support:console_sla_policy"))


# ---------------------------------------------------------------- portal

@partner_required
def portal_queue(request):
    """The partner's tickets: its L1 queue and what it sent to the vendor."""
    return _queue(request, side="portal")


@partner_required
def portal_new(request):
    _require_support(request.user)
    form = TicketForm(request.POST or None)

    def show_form(f):
        return render(request, "support/portal_new.html", {"form": f})

    if request.method != "POST":
        return show_form(form)
    return page_action(request, lambda data: services.open_ticket(actor=request.user, partner=request.user.partner,
                                                                  data=data, source=Source.PORTAL),
                       form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
                       success=lambda t: f"Ticket #{t.pk} opened at {t.level}.",
                       redirect_to=lambda t: reverse("support:portal_detail", args=[t.pk]))


@partner_required
def portal_detail(request, ticket_id):
    return _detail(request, _ticket(request, ticket_id), side="portal")


@partner_required
@require_POST
def portal_comment(request, ticket_id):
    return _comment(request, ticket_id, side="portal")


@partner_required
@require_POST
def portal_escalate(request, ticket_id):
    return _escalate(request, ticket_id, side="portal")


@partner_required
@require_POST
def portal_status(request, ticket_id):
    return _status(request, ticket_id, side="portal")


@partner_required
def portal_attachment(request, ticket_id, attachment_id):
    return _attachment(request, ticket_id, attachment_id)


@vendor_required
def console_overview(request):
    """Open tickets by level and priority, breaches this month, median times by tier."""
    _require_support(request.user)
    return render(request, "support/console_overview.html",
                  {"data": queries.overview(services.tickets_for(request.user), clock.moment())})


@program_admin_required
@require_POST
def console_support_settings(request):
    """The program's support settings (the help pages' "powered by" line)."""
    return page_action(request, lambda data: configuration.update_support_settings(
        actor=request.user, show_powered_by=data["show_powered_by"]), form=SupportSettingsForm(request.POST),
        success="Support settings saved.", redirect_to=reverse("support:console_sla_policy"))
