"""Deal-registration pages: the vendor's under /console/deals|conflicts|leads/, the partner's under
/portal/deals|leads/.

Thin: they read through `for_user` / `get_scoped_or_404` (conflict cases through `queries.conflict_cases_for`)
and change state only through the services, whose refusals they show next to the input.
"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openprm.accounts.access import partner_required, vendor_required
from openprm.accounts.scoping import get_scoped_or_404
from openprm.audit.models import AuditEvent
from openprm.lib import clock, formatting, tables
from openprm.lib.bulk import bulk_action
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.lib.pages import error_text, page_action
from openprm.lib.params import int_param
from openprm.lib.pickers import picked_id, picked_text
from openprm.lib.regions import Region
from openprm.lib.text import InvalidDomain, parse_domain
from openprm.partners.models import Partner, Stage
from openprm.programs.models import Program

from . import services
from .api import registrations_for
from .exceptions import DuplicateRegistration
from .forms import (
    AdvanceForm,
    ApproveForm,
    BulkDecisionForm,
    CloseForm,
    DecideForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    LeadAcceptForm,
    LeadDeclineForm,
    LeadForm,
    LeadImportForm,
    PreventForm,
    RegistrationForm,
    RejectForm,
)
from .models import (
    CONFLICT_STEPS,
    ConflictDecision,
    DealProgram,
    ExtensionStatus,
    Lead,
    LeadOffer,
    LeadStatus,
    ParticipantRole,
    RegistrationStatus,
)
from .queries import conflict_cases_for, pipeline_totals

PER_PAGE = 25
BOARD_TILES = 20
REVIEW_STATUSES = [RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT]


# ---------------------------------------------------------------- helpers

def _submitted(registration, done: str) -> tuple[int, str]:
    """What the partner is told about its new registration: in review, or (a warning) in conflict review."""
    if registration.status == RegistrationStatus.CONFLICT:
        return messages.WARNING, (f"{done}. The customer is already protected, so it goes to conflict review; "
                                  "we will let you know.")
    return messages.SUCCESS, f"{done} for review."


def _money(value, currency) -> str:
    if value is None or not currency:
        return "—"
    return formatting.money(value, currency)


def _decorate(reg, today=None, program=None):
    """Display values the templates need: money with its currency, days of protection left, overdue review."""
    today = today or clock.today()
    reg.amount_label = _money(reg.amount, reg.currency)
    reg.won_label = _money(reg.won_amount, reg.won_currency) if reg.won_amount is not None else ""
    reg.days_left = (reg.protected_until - today).days if reg.protected_until else None
    reg.overdue = reg.is_review_overdue(program) if program is not None else False
    return reg



def _timeline(obj):
    return AuditEvent.objects.for_object(obj).order_by("created_at", "id")


def _registration(request, registration_id):
    return get_scoped_or_404(registrations_for(request.user), request.user, pk=registration_id)


def _participant_rows(post) -> list[dict]:
    """The participant rows of a posted editor (`partner`, `role`, `split_percent` lists); empty rows skipped."""
    rows = []
    for partner, role, split in zip(post.getlist("partner"), post.getlist("role"), post.getlist("split_percent"),
                                    strict=False):
        if not (partner or split):
            continue
        rows.append({"partner": int_param(partner), "role": role, "split_percent": split.strip()})
    return rows


# ---------------------------------------------------------------- portal: registrations

def _may_register(user) -> bool:
    return services.can_register_for(user, user.partner)


@partner_required
def portal_list(request):
    """My partner's registrations: status filter, search, pagination, `?format=csv` for the filtered list."""
    registrations = registrations_for(request.user)
    filters = {"status": request.GET.get("status", ""), "q": request.GET.get("q", "").strip()}
    if filters["status"] in RegistrationStatus.values:
        registrations = registrations.filter(status=filters["status"])
    if filters["q"]:
        registrations = registrations.filter(Q(customer_name__icontains=filters["q"])
                                             | Q(customer_domain__icontains=filters["q"]))
    if request.GET.get("format") in ("csv", "xlsx"):
        return _registrations_export(registrations, request.GET["format"])
    page = Paginator(registrations, PER_PAGE).get_page(request.GET.get("page"))
    today = clock.today()
    for reg in page.object_list:
        _decorate(reg, today)
    return render(request, "deals/portal_list.html", {
        "page": page, "registrations": page.object_list, "filters": filters,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
        "statuses": RegistrationStatus.choices, "can_register": _may_register(request.user),
    })


EXPORT_HEADER = ["id", "partner", "customer", "domain", "country", "products", "status", "amount", "currency",
                 "expected_close_date", "submitted_at", "protected_until", "won_amount", "won_currency", "closed_on",
                 "outside_territory"]


def _export_rows(registrations):
    for r in registrations.iterator(chunk_size=2000):
        yield [r.pk, r.partner.name, r.customer_name, r.customer_domain, r.customer_country, "; ".join(r.products),
               r.status, r.amount, r.currency, r.expected_close_date, r.submitted_at, r.protected_until,
               r.won_amount, r.won_currency, r.closed_on, "yes" if r.outside_territory else "no"]


def _registrations_export(registrations, fmt: str = "csv"):
    """The (already filtered and scoped) registrations as a CSV or XLSX download, one row each."""
    registrations = registrations.select_related("partner").prefetch_related(None)
    stamp = clock.today().isoformat()
    if fmt == "xlsx":
        return tables.xlsx_download(f"registrations-{stamp}.xlsx", EXPORT_HEADER, _export_rows(registrations),
                                    title="Registrations", money_columns={7: 8, 12: 13},
                                    widths={"B": 24, "C": 30, "D": 24, "F": 30, "K": 20})
    return tables.csv_download("registrations.csv", EXPORT_HEADER, _export_rows(registrations))


@partner_required
def portal_new(request):
    """Register a deal; the pre-check answers as the customer is typed, the service decides on submit."""
    partner = request.user.partner
    if not _may_register(request.user):
        raise PermissionDenied("Your role may not register deals; ask your partner admin.")
    form = RegistrationForm(request.POST or None, initial={
        "customer_country": partner.country, "currency": partner.roi_currency,
        "expected_close_date": clock.today() + timedelta(days=90)})

    def show(form):
        refusal = getattr(form, "refusal", None)
        duplicate = refusal.extra.get("registration") if isinstance(refusal, DuplicateRegistration) else None
        return render(request, "deals/portal_new.html", {"form": form, "duplicate": duplicate,
                                                         "program": DealProgram.current()})

    if request.method != "POST":
        return show(form)
    return page_action(
        request, lambda data: services.register(actor=request.user, partner=partner, data=form.service_data()),
        form=form, show_form=show,
        success=lambda reg: _submitted(reg, f"Registration #{reg.pk} is submitted"),
        redirect_to=lambda reg: reverse("deals:portal_detail", args=[reg.pk]) if reg else reverse("deals:portal_new"))


@partner_required
def portal_precheck(request):
    """The live pre-check (htmx partial): whether the customer is already held — never by whom."""
    name = request.GET.get("customer_name", "").strip()[:200]
    domain = request.GET.get("customer_domain", "").strip()[:253]
    country = request.GET.get("customer_country", "").strip().upper()[:2]
    state, own = "empty", None
    try:
        domain = parse_domain(domain)
    except InvalidDomain:
        # Half-typed input such as `[x` is normal while typing: say so instead of checking.
        return render(request, "deals/_precheck.html", {"state": "invalid_domain", "own": None})
    if name or domain:
        matches = services.matching_registrations(name=name, domain=domain, country=country)
        own = next((r.pk for r in matches if r.partner_id == request.user.partner_id), None)
        state = "own" if own else "protected" if matches else "free"
    return render(request, "deals/_precheck.html", {"state": state, "own": own})


@partner_required
def portal_detail(request, registration_id):
    reg = _decorate(_registration(request, registration_id))
    today = clock.today()
    can_extend = (request.user.role in services.REGISTERING_ROLES and reg.status == RegistrationStatus.APPROVED
                  and reg.protected_until and reg.protected_until >= today
                  and reg.extension_status == ExtensionStatus.NONE)
    return render(request, "deals/portal_detail.html", {
        "reg": reg, "participants": reg.participants.select_related("partner"),
        "events": _timeline(reg), "case": reg.conflict_case, "can_extend": can_extend,
        "extension_form": ExtensionRequestForm(), "program": DealProgram.current(),
    })


@partner_required
@require_POST
def portal_extension(request, registration_id):
    reg = _registration(request, registration_id)
    return page_action(
        request, lambda data: services.request_extension(actor=request.user, registration=reg,
                                                         reason=data["reason"]),
        form=ExtensionRequestForm(request.POST), success="Extension requested; your channel manager will decide.",
        redirect_to=reverse("deals:portal_detail", args=[reg.pk]))


# ---------------------------------------------------------------- portal: leads

def _decorate_lead(lead, now=None):
    now = now or clock.moment()
    lead.amount_label = _money(lead.amount, lead.currency) if lead.amount is not None else "—"
    lead.open = lead.status in (LeadStatus.UNOPENED, LeadStatus.OPENED)
    lead.late = bool(lead.open and lead.respond_by and lead.respond_by < now)
    lead.hours_left = (int((lead.respond_by - now).total_seconds() // 3600)
                       if lead.open and lead.respond_by and not lead.late else None)
    return lead


@partner_required
def portal_leads(request):
    """Leads the vendor offers my partner now, and those we accepted."""
    leads = Lead.objects.for_user(request.user).select_related("registration")
    status = request.GET.get("status", "")
    if status in LeadStatus.values:
        leads = leads.filter(status=status)
    page = Paginator(leads, PER_PAGE).get_page(request.GET.get("page"))
    now = clock.moment()
    for lead in page.object_list:
        _decorate_lead(lead, now)
    return render(request, "deals/portal_leads.html", {
        "page": page, "leads": page.object_list, "status": status, "statuses": LeadStatus.choices,
        "querystring": urlencode({"status": status} if status else {}),
    })


def _portal_lead(request, lead_id):
    return get_scoped_or_404(Lead.objects.select_related("registration"), request.user, pk=lead_id)


def _portal_lead_page(request, lead, accept_form=None, status=200):
    can_answer = request.user.role in services.REGISTERING_ROLES
    _decorate_lead(lead)
    return render(request, "deals/portal_lead.html", {
        "lead": lead, "can_answer": can_answer and lead.open and not lead.late,
        "accept_form": accept_form or LeadAcceptForm(lead=lead), "decline_form": LeadDeclineForm(),
    }, status=status)


@partner_required
def portal_lead(request, lead_id):
    """A lead offered to my partner; the first look by one who may answer it marks it opened."""
    lead = services.open_lead(actor=request.user, lead=_portal_lead(request, lead_id))
    return _portal_lead_page(request, lead)


@partner_required
@require_POST
def portal_lead_accept(request, lead_id):
    lead = _portal_lead(request, lead_id)
    return page_action(
        request, lambda data: services.accept_lead(actor=request.user, lead=lead, amount=data["amount"],
                                                   currency=data["currency"] or None,
                                                   expected_close_date=data["expected_close_date"]),
        form=LeadAcceptForm(request.POST, lead=lead),
        show_form=lambda form: _portal_lead_page(request, lead, accept_form=form, status=422),
        success=lambda accepted: _submitted(
            accepted.registration, f"Lead accepted: registration #{accepted.registration_id} is submitted"),
        # After a refusal (no result) back to the lead; after acceptance to the registration it became.
        redirect_to=lambda accepted: (reverse("deals:portal_detail", args=[accepted.registration_id]) if accepted
                                      else reverse("deals:portal_lead", args=[lead.pk])))


@partner_required
@require_POST
def portal_lead_decline(request, lead_id):
    lead = _portal_lead(request, lead_id)
    return page_action(
        request, lambda data: services.decline_lead(actor=request.user, lead=lead, reason=data["reason"]),
        form=LeadDeclineForm(request.POST),
        success=f"You declined the lead {lead.company_name}; it goes to another partner.",
        # After a refusal (no result) back to the lead; once declined it is no longer ours to look at.
        redirect_to=lambda declined: (reverse("deals:portal_leads") if declined
                                      else reverse("deals:portal_lead", args=[lead.pk])))


# ---------------------------------------------------------------- console: review queue and detail

def _partner_choices(user):
    return Partner.objects.for_user(user).order_by("name").only("pk", "name")


QUEUE_FLAGS = [("outside_territory", "Outside territory / named account"), ("in_territory", "Not flagged")]


def _queue_filtered(request):
    """The review queue's registrations and filters: status (default: waiting), partner, region, customer,
    territory flag; oldest first. The page and its CSV/XLSX downloads list the same rows."""
    registrations = registrations_for(request.user).select_related("conflict_case")
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "partner", "region", "q", "flag")}
    if filters["status"] in RegistrationStatus.values:
        registrations = registrations.filter(status=filters["status"])
    else:
        filters["status"] = ""
        registrations = registrations.filter(status__in=REVIEW_STATUSES)
    partner_id = picked_id(filters["partner"])
    if partner_id is not None:
        registrations = registrations.filter(partner_id=partner_id)
    if filters["region"] in Region.values:
        registrations = registrations.filter(partner__region=filters["region"])
    if filters["q"]:
        registrations = registrations.filter(Q(customer_name__icontains=filters["q"])
                                             | Q(customer_domain__icontains=filters["q"]))
    if filters["flag"] == "outside_territory":
        registrations = registrations.filter(outside_territory=True)
    elif filters["flag"] == "in_territory":
        registrations = registrations.filter(outside_territory=False)
    else:
        filters["flag"] = ""
    return registrations.order_by("submitted_at", "pk"), filters


@vendor_required
def console_queue(request):
    """Registrations waiting for a decision, oldest first, flagged past the review target.

    `?status=` also lists any other status (the pipeline board links here), still oldest first.
    """
    program = DealProgram.current()
    registrations, filters = _queue_filtered(request)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _registrations_export(registrations, fmt)
    page = Paginator(registrations, PER_PAGE).get_page(request.GET.get("page"))
    today = clock.today()
    for reg in page.object_list:
        _decorate(reg, today, program)
        reg.can_review = services.can_review(request.user, reg.partner)
    overdue_cutoff = clock.moment() - timedelta(hours=program.review_target_hours)
    waiting = registrations_for(request.user).filter(status__in=REVIEW_STATUSES)
    return render(request, "deals/console_queue.html", {
        "page": page, "registrations": page.object_list, "filters": filters, "program": program,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
        "statuses": RegistrationStatus.choices, "regions": Region.choices,
        "partner_text": picked_text(_partner_choices(request.user), filters["partner"]),
        "counts": waiting.aggregate(submitted=Count("pk", filter=Q(status=RegistrationStatus.SUBMITTED)),
                                    conflict=Count("pk", filter=Q(status=RegistrationStatus.CONFLICT)),
                                    overdue=Count("pk", filter=Q(submitted_at__lt=overdue_cutoff)),
                                    flagged=Count("pk", filter=Q(outside_territory=True))),
        "flags": QUEUE_FLAGS,
        "next": request.get_full_path(),
        "can_bulk": any(reg.can_review and reg.status == RegistrationStatus.SUBMITTED for reg in page.object_list),
    })


def _console_detail_context(request, reg, **extra):
    program = DealProgram.current()
    _decorate(reg, program=program)
    matches = services.matching_registrations(name=reg.customer_name, domain=reg.customer_domain,
                                              country=reg.customer_country, products=reg.products,
                                              exclude_pk=reg.pk, program=program)
    visible = set(registrations_for(request.user).filter(pk__in=[m.pk for m in matches])
                  .values_list("pk", flat=True))
    for match in matches:
        _decorate(match)
        match.visible = match.pk in visible
    participants = list(reg.participants.select_related("partner"))
    choices = {p.pk: p for p in Partner.objects.for_user(request.user).filter(stage=Stage.ACTIVE).order_by("name")}
    for participant in participants:
        choices.setdefault(participant.partner_id, participant.partner)
    rows = extra.pop("participant_rows", None)
    if rows is None:
        rows = [{"partner": p.partner_id, "role": p.role, "split_percent": p.split_percent} for p in participants]
    rows = rows + [{"partner": None, "role": ParticipantRole.INFLUENCED, "split_percent": ""}] * 2
    can_review = services.can_review(request.user, reg.partner)
    reasons = (services.territory_flags(partner=reg.partner, country=reg.customer_country, customer=reg.customer,
                                        on=timezone.localdate(reg.submitted_at)) if reg.outside_territory else [])
    context = {
        "territory_reasons": reasons,
        "reg": reg, "program": program, "matches": matches, "participants": participants,
        "participant_rows": rows, "participant_partners": sorted(choices.values(), key=lambda p: p.name),
        "roles": ParticipantRole.choices, "events": _timeline(reg), "can_review": can_review,
        "approve_form": ApproveForm(), "reject_form": RejectForm(), "close_form": CloseForm(),
        "extension_form": ExtensionDecisionForm(), "case": reg.conflict_case,
        "can_edit_participants": can_review and reg.status not in (
            RegistrationStatus.REJECTED, RegistrationStatus.EXPIRED, RegistrationStatus.CANCELED),
        "lead": Lead.objects.for_user(request.user).filter(registration=reg).first(),
    }
    context.update(extra)
    return context


@vendor_required
def console_detail(request, registration_id):
    reg = _registration(request, registration_id)
    return render(request, "deals/console_detail.html", _console_detail_context(request, reg))


@vendor_required
@require_POST
def console_approve(request, registration_id):
    """Approve from the detail page or a row of the review queue (which passes `next` to return to it)."""
    reg = _registration(request, registration_id)
    return page_action(
        request, lambda data: services.approve(actor=request.user, registration=reg, note=data["note"]),
        form=ApproveForm(request.POST), success=f"Approved #{reg.pk} {reg.customer_name} ({reg.partner.name}).",
        refusal=lambda exc: f"#{reg.pk} {reg.customer_name}: {error_text(exc)}",
        redirect_to=reverse("deals:console_detail", args=[reg.pk]))


@vendor_required
@require_POST
def console_reject(request, registration_id):
    """Reject from the detail page or a row of the review queue (which passes `next` to return to it)."""
    reg = _registration(request, registration_id)
    return page_action(
        request, lambda data: services.reject(actor=request.user, registration=reg, reason=data["reason"]),
        form=RejectForm(request.POST),
        success=f"Rejected #{reg.pk} {reg.customer_name}; the partner is told why.",
        refusal=lambda exc: f"#{reg.pk} {reg.customer_name} was not rejected: {error_text(exc)}",
        redirect_to=reverse("deals:console_detail", args=[reg.pk]))


@vendor_required
@require_POST
def console_bulk(request):
    """Approve or reject the registrations ticked on the review queue, each through its service (and audit)
    in its own transaction; the rows refused are named in the flash message."""
    form = BulkDecisionForm(request.POST)

    def decide(reg):
        if form.cleaned_data["action"] == "approve":
            return services.approve(actor=request.user, registration=reg, note=form.cleaned_data["text"])
        return services.reject(actor=request.user, registration=reg, reason=form.cleaned_data["text"])

    def done(count):
        verb = "Approved" if form.cleaned_data["action"] == "approve" else "Rejected"
        return f"{verb} {count} registration{'s' if count != 1 else ''}."

    return bulk_action(request, form=form, queryset=registrations_for(request.user).select_related("partner"),
                       call=decide, label=lambda reg: f"#{reg.pk} {reg.customer_name}", done=done,
                       redirect_to=reverse("deals:console_queue"))


@vendor_required
@require_POST
def console_extension(request, registration_id):
    reg = _registration(request, registration_id)
    return page_action(
        request, lambda data: services.decide_extension(actor=request.user, registration=reg,
                                                        approve=data["decision"] == "approve", note=data["note"]),
        form=ExtensionDecisionForm(request.POST),
        success=lambda decided: ("Extension approved." if decided.extension_status == ExtensionStatus.APPROVED
                                 else "Extension declined."),
        redirect_to=reverse("deals:console_detail", args=[reg.pk]))


@vendor_required
@require_POST
def console_close(request, registration_id):
    reg = _registration(request, registration_id)
    form = CloseForm(request.POST)
    return page_action(
        request, lambda data: services.close(actor=request.user, registration=reg, outcome=data["outcome"],
                                             amount=data["amount"], currency=data["currency"] or None,
                                             closed_on=data["closed_on"], reason=data["reason"]),
        form=form, success=lambda closed: _closed_message(closed, form.cleaned_data["outcome"]),
        redirect_to=reverse("deals:console_detail", args=[reg.pk]))


def _closed_message(closed, outcome: str):
    """The flash after closing: a warning naming each participant that earned nothing for want of a plan."""
    text = f"#{closed.pk} closed as {outcome}."
    if closed.close_warnings:
        return messages.WARNING, " ".join([text, *closed.close_warnings])
    return text


@vendor_required
@require_POST
def console_participants(request, registration_id):
    reg = _registration(request, registration_id)
    rows = _participant_rows(request.POST)
    try:
        services.set_participants(actor=request.user, registration=reg, participants=rows)
    except DomainError as exc:
        reg = _registration(request, registration_id)
        return render(request, "deals/console_detail.html", _console_detail_context(
            request, reg, participant_rows=rows, participant_errors=_participant_errors(exc)))
    messages.success(request, "Co-selling participants saved.")
    return redirect("deals:console_detail", reg.pk)


def _participant_errors(exc: DomainError) -> list[str]:
    errors = []
    for field, texts in exc.errors.items():
        prefix = ""
        if field.startswith("participants."):
            _, index, _name = field.split(".", 2)
            prefix = f"Row {int(index) + 1}: "
        errors.extend(prefix + text for text in texts)
    return errors or [exc.message]


# ---------------------------------------------------------------- console: pipeline board

@vendor_required
def console_board(request):
    """Every registration the user may see, one column per status, with counts and totals per currency."""
    registrations = registrations_for(request.user)
    filters = {k: request.GET.get(k, "").strip() for k in ("partner", "region")}
    partner_id = picked_id(filters["partner"])
    if partner_id is not None:
        registrations = registrations.filter(partner_id=partner_id)
    if filters["region"] in Region.values:
        registrations = registrations.filter(partner__region=filters["region"])
    counts = dict(registrations.values_list("status").annotate(n=Count("pk")).order_by())
    totals = pipeline_totals(registrations, clock.today())
    today = clock.today()
    columns = []
    for status, label in RegistrationStatus.choices:
        tiles = [_decorate(r, today) for r in registrations.filter(status=status).order_by("-submitted_at")
                 [:BOARD_TILES]]
        columns.append({"status": status, "label": label, "count": counts.get(status, 0),
                        "total": totals.get(status), "tiles": tiles})
    return render(request, "deals/console_board.html", {
        "columns": columns, "filters": filters, "regions": Region.choices,
        "program_currency": Program.current().currency,
        "partner_text": picked_text(_partner_choices(request.user), filters["partner"]), "tile_limit": BOARD_TILES,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
    })


# ---------------------------------------------------------------- console: conflict cases

def _conflict(request, conflict_id):
    if not services.can_work_conflicts(request.user):
        raise PermissionDenied("Conflict cases are worked by channel managers and program admins.")
    return get_object_or_404(conflict_cases_for(request.user), pk=conflict_id)


@vendor_required
def console_conflicts(request):
    if not services.can_work_conflicts(request.user):
        raise PermissionDenied("Conflict cases are worked by channel managers and program admins.")
    state = request.GET.get("state", "open")
    cases = conflict_cases_for(request.user).annotate(involved=Count("registrations", distinct=True))
    if state == "open":
        cases = cases.filter(closed_at__isnull=True)
    elif state == "closed":
        cases = cases.filter(closed_at__isnull=False)
    else:
        state = "all"
    page = Paginator(cases.order_by("opened_at", "pk") if state == "open" else cases, PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "deals/console_conflicts.html", {
        "page": page, "cases": page.object_list, "state": state, "querystring": urlencode({"state": state}),
    })


def _conflict_context(request, case):
    involved = [_decorate(r) for r in case.registrations.select_related("partner").order_by("submitted_at", "pk")]
    order = [s.value for s in CONFLICT_STEPS]
    current = order.index(case.step)
    notes = list(case.notes.select_related("author"))
    steps = [{"value": s.value, "label": s.label, "notes": [n for n in notes if n.step == s.value],
              "state": "done" if i < current or (case.closed_at and i == current) else
              "current" if i == current else "todo"} for i, s in enumerate(CONFLICT_STEPS)]
    partners = list({r.partner_id: r.partner for r in involved}.values())
    advance_form = AdvanceForm(initial={"step": case.step})
    advance_form.fields["step"].choices = [(s.value, s.label) for s in CONFLICT_STEPS[current:]]
    split = (Decimal(100) / len(partners)).quantize(Decimal("0.01")) if partners else Decimal(0)
    cosell_rows = [{"partner": p, "role": ParticipantRole.SOURCED if i == 0 else ParticipantRole.INFLUENCED,
                    "split_percent": Decimal(100) - split * (len(partners) - 1) if i == 0 else split}
                   for i, p in enumerate(partners)]
    named = getattr(case.customer, "named_account", None)  # the reverse one-to-one raises when missing
    return {
        "case": case, "steps": steps, "involved": involved, "advance_form": advance_form,
        "decide_form": DecideForm(registrations=involved), "prevent_form": PreventForm(partners=partners),
        "cosell_rows": cosell_rows, "roles": ParticipantRole.choices, "decisions": ConflictDecision.choices,
        "named_account": named,
    }


@vendor_required
def console_conflict(request, conflict_id):
    case = _conflict(request, conflict_id)
    return render(request, "deals/console_conflict.html", _conflict_context(request, case))


@vendor_required
@require_POST
def console_conflict_advance(request, conflict_id):
    case = _conflict(request, conflict_id)
    return page_action(
        request, lambda data: services.advance_conflict(actor=request.user, case=case, step=data["step"],
                                                        note=data["note"]),
        form=AdvanceForm(request.POST), success="Step recorded.",
        redirect_to=reverse("deals:console_conflict", args=[case.pk]))


@vendor_required
@require_POST
def console_conflict_decide(request, conflict_id):
    case = _conflict(request, conflict_id)
    involved = list(case.registrations.select_related("partner"))

    def decide(data):
        registration = next((r for r in involved if r.pk == data["registration"]), None)
        participants = _participant_rows(request.POST) if data["decision"] == ConflictDecision.CO_SELL else None
        return services.decide_conflict(actor=request.user, case=case, decision=data["decision"],
                                        registration=registration, participants=participants, note=data["note"])

    return page_action(
        request, decide, form=DecideForm(request.POST, registrations=involved),
        success=lambda decided: f"Decided: {ConflictDecision(decided.decision).label}. Every party is told.",
        refusal=lambda exc: " ".join(_participant_errors(exc)) if exc.errors else exc.message,
        redirect_to=reverse("deals:console_conflict", args=[case.pk]))


@vendor_required
@require_POST
def console_conflict_prevent(request, conflict_id):
    case = _conflict(request, conflict_id)
    involved_partners = {r.partner_id: r.partner for r in case.registrations.select_related("partner")}
    return page_action(
        request, lambda data: services.prevent_conflict(
            actor=request.user, case=case, note=data["note"],
            named_account_partner=involved_partners.get(data["named_account_partner"])),
        form=PreventForm(request.POST, partners=involved_partners.values()),
        success="Prevention recorded; the case is closed.",
        redirect_to=reverse("deals:console_conflict", args=[case.pk]))


# ---------------------------------------------------------------- console: leads

@vendor_required
def console_leads(request):
    """Leads with their current offer; channel, marketing and admins add new ones (routed at once)."""
    can_create = services.can_create_leads(request.user)
    if request.method != "POST":
        return _console_leads_page(request, LeadForm() if can_create else None)
    if not can_create:
        raise PermissionDenied("Leads are shared by the vendor's channel and marketing teams.")
    form = LeadForm(request.POST or None)
    return page_action(
        request, lambda data: services.create_lead(actor=request.user, data=form.service_data()),
        form=form, show_form=lambda form: _console_leads_page(request, form), success=_lead_created,
        redirect_to=reverse("deals:console_leads"))


def _lead_created(lead) -> tuple[int, str]:
    """Where the new lead went: to a partner (with its deadline), or nowhere (a warning: nobody covers it)."""
    if lead.partner_id:
        return messages.SUCCESS, (f"Lead {lead.company_name} offered to {lead.partner.name} "
                                  f"(answer due {timezone.localtime(lead.respond_by):%d %b %Y %H:%M}).")
    return messages.WARNING, (f"Lead {lead.company_name} saved, but no active partner covers "
                              f"{lead.get_country_display()}; it is expired.")


def _console_leads_page(request, form):
    leads = Lead.objects.for_user(request.user).select_related("partner", "registration").annotate(
        offer_count=Count("offers")).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in LeadStatus.values:
        leads = leads.filter(status=status)
    page = Paginator(leads, PER_PAGE).get_page(request.GET.get("page"))
    now = clock.moment()
    for lead in page.object_list:
        _decorate_lead(lead, now)
    return render(request, "deals/console_leads.html", {
        "page": page, "leads": page.object_list, "status": status, "statuses": LeadStatus.choices,
        "querystring": urlencode({"status": status} if status else {}), "form": form,
    })


IMPORT_PREVIEW_ROWS = 200
LEAD_TEMPLATE_ROW = ["Umbrella Corp", "umbrella.example", "US", "Albert Wesker", "albert@umbrella.example",
                     "Analytics; Edge Gateway", "Healthcare", "50000.00", "USD", "Met at the trade fair"]


@vendor_required
def console_lead_import(request):
    """Leads from a CSV file. "Check" lists every row with its problems and writes nothing; "Import" adds and
    routes every row, or — when any row has a problem — none, showing the problems per row."""
    if not services.can_create_leads(request.user):
        raise PermissionDenied("Leads are shared by the vendor's channel and marketing teams.")
    if request.GET.get("template"):
        return tables.csv_download("leads-template.csv", services.LEAD_FIELDS, [LEAD_TEMPLATE_ROW])
    form = LeadImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": services.LEAD_FIELDS, "required": services.REQUIRED_IMPORT_COLUMNS,
               "max_rows": services.MAX_IMPORT_ROWS}
    if request.method == "POST" and form.is_valid():
        content, filename = form.payload()
        check_only = request.POST.get("action") != "import"
        rows = None
        try:
            rows = services.read_leads_csv(content)
            leads = services.import_leads(actor=request.user, rows=rows, source=filename, dry_run=check_only)
        except DomainError as exc:
            if rows is None or "file" in exc.errors:
                apply_domain_error(form, exc)
            else:
                bad = [row for row in rows if row.errors]
                context.update(problem=exc.message, rows=bad, bad_count=len(bad), row_count=len(rows))
        else:
            if not check_only:
                offered = sum(1 for lead in leads if lead.partner_id)
                messages.success(request, f"Imported {len(leads)} lead{'s' if len(leads) != 1 else ''} from "
                                          f"{filename}; {offered} offered to partners"
                                          + (f", {len(leads) - offered} without a partner in their territory."
                                             if offered < len(leads) else "."))
                return redirect("deals:console_leads")
            text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
            context.update(ready=True, rows=rows[:IMPORT_PREVIEW_ROWS], row_count=len(rows),
                           confirm_form=LeadImportForm(initial={"content": text, "filename": filename}))
    return render(request, "deals/console_lead_import.html", context)


@vendor_required
def console_lead(request, lead_id):
    lead = _decorate_lead(get_scoped_or_404(Lead.objects.select_related("partner", "registration", "created_by"),
                                            request.user, pk=lead_id))
    offers = LeadOffer.objects.for_user(request.user).filter(lead=lead).select_related("partner")
    return render(request, "deals/console_lead.html", {"lead": lead, "offers": offers,
                                                       "events": _timeline(lead)})
