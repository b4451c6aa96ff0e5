"""API: deal registrations, the customer pre-check, and conflict cases."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from openprm.accounts.scoping import get_scoped_or_404
from openprm.idempotency.services import idempotent
from openprm.lib.errors import NotAllowed
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt
from openprm.partners.models import Partner

from . import services
from .models import ConflictCase, Lead, LeadStatus, Registration, RegistrationStatus
from .queries import conflict_cases_for
from .schemas import (
    AdvanceIn,
    CloseIn,
    CloseOut,
    ConflictOut,
    DecideIn,
    ExtensionDecisionIn,
    LeadAcceptIn,
    LeadImportIn,
    LeadImportOut,
    LeadIn,
    LeadOut,
    NoteIn,
    ParticipantIO,
    PrecheckOut,
    PreventIn,
    ReasonIn,
    RegistrationIn,
    RegistrationOut,
)

router = Router(tags=["deal registration"])


def registrations_for(user):
    return Registration.objects.for_user(user).select_related("partner").prefetch_related("participants")


def _registration(request, registration_id: int) -> Registration:
    return get_scoped_or_404(registrations_for(request.user), request.user, pk=registration_id)


@router.get("/registrations", response=list[RegistrationOut])
@paginate(Page)
def list_registrations(request, status: RegistrationStatus | None = None, partner: DbInt | None = None,
                       q: str | None = None, outside_territory: bool | None = None):
    """Registrations the caller may see, newest first; filters `status`, `partner`, `q` (customer) and
    `outside_territory` (flagged by the territory and named-account rules)."""
    registrations = registrations_for(request.user)
    if status:
        registrations = registrations.filter(status=status)
    if outside_territory is not None:
        registrations = registrations.filter(outside_territory=outside_territory)
    if partner is not None:
        registrations = registrations.filter(partner_id=partner)
    if q:
        registrations = registrations.filter(Q(customer_name__icontains=q) | Q(customer_domain__icontains=q))
    return registrations


@router.post("/registrations", response={201: RegistrationOut})
def create_registration(request, payload: RegistrationIn):
    """Register a deal. 201 with the registration (status `submitted`, or `conflict` when another partner
    holds the customer); 409 when the same partner already registered it."""
    data = payload.dict(exclude={"partner"})
    data["amount"] = str(payload.amount)
    if request.user.is_partner_user:
        partner = request.user.partner
    elif payload.partner is None:
        raise NotAllowed("Vendor staff name the partner they register for.")
    else:
        partner = get_scoped_or_404(Partner, request.user, pk=payload.partner)
    return Status(201, services.register(actor=request.user, partner=partner, data=data))


@router.get("/registrations/precheck", response=PrecheckOut)
def precheck(request, customer_name: str = "", customer_domain: str = "", customer_country: str = ""):
    """Whether a customer is already protected by an active registration — never by whom."""
    protected = services.is_customer_protected(name=customer_name, domain=customer_domain,
                                               country=customer_country.upper())
    return {"protected": protected}


@router.get("/registrations/{registration_id}", response=RegistrationOut)
def get_registration(request, registration_id: int):
    return _registration(request, registration_id)


@router.post("/registrations/{registration_id}/approve", response=RegistrationOut)
def approve(request, registration_id: int, payload: NoteIn):
    services.approve(actor=request.user, registration=_registration(request, registration_id), note=payload.note)
    return _registration(request, registration_id)


@router.post("/registrations/{registration_id}/reject", response=RegistrationOut)
def reject(request, registration_id: int, payload: ReasonIn):
    services.reject(actor=request.user, registration=_registration(request, registration_id), reason=payload.reason)
    return _registration(request, registration_id)


@router.post("/registrations/{registration_id}/extension", response=RegistrationOut)
def request_extension(request, registration_id: int, payload: ReasonIn):
    services.request_extension(actor=request.user, registration=_registration(request, registration_id),
                               reason=payload.reason)
    return _registration(request, registration_id)


@router.post("/registrations/{registration_id}/extension/approve", response=RegistrationOut)
def approve_extension(request, registration_id: int, payload: ExtensionDecisionIn):
    services.decide_extension(actor=request.user, registration=_registration(request, registration_id),
                              approve=True, note=payload.note)
    return _registration(request, registration_id)


@router.post("/registrations/{registration_id}/extension/decline", response=RegistrationOut)
def decline_extension(request, registration_id: int, payload: ExtensionDecisionIn):
    services.decide_extension(actor=request.user, registration=_registration(request, registration_id),
                              approve=False, note=payload.note)
    return _registration(request, registration_id)


@router.post("/registrations/{registration_id}/close", response=CloseOut)
@idempotent  # a won outcome books commissions
def close(request, registration_id: int, payload: CloseIn):
    """Won or lost. `warnings` names each participant of a won deal with no commission plan in force on the
    close date (nothing was booked for it); empty when all is fine."""
    closed = services.close(actor=request.user, registration=_registration(request, registration_id),
                            outcome=payload.outcome, amount=payload.amount, currency=payload.currency,
                            closed_on=payload.closed_on, reason=payload.reason)
    registration = _registration(request, registration_id)
    registration.close_warnings = closed.close_warnings
    return registration


@router.put("/registrations/{registration_id}/participants", response=RegistrationOut)
def put_participants(request, registration_id: int, payload: list[ParticipantIO]):
    services.set_participants(actor=request.user, registration=_registration(request, registration_id),
                              participants=[p.dict() for p in payload])
    return _registration(request, registration_id)


def _conflict(request, conflict_id: int) -> ConflictCase:
    # Conflict cases span partners: vendor staff who work conflicts see them; partners see their registrations.
    if not services.can_work_conflicts(request.user):
        raise NotAllowed("Conflict cases are worked by the vendor.")
    return get_object_or_404(conflict_cases_for(request.user), pk=conflict_id)


@router.get("/conflicts/{conflict_id}", response=ConflictOut)
def get_conflict(request, conflict_id: int):
    return _conflict(request, conflict_id)


@router.post("/conflicts/{conflict_id}/advance", response=ConflictOut)
def advance_conflict(request, conflict_id: int, payload: AdvanceIn):
    services.advance_conflict(actor=request.user, case=_conflict(request, conflict_id), step=payload.step,
                              note=payload.note)
    return _conflict(request, conflict_id)


@router.post("/conflicts/{conflict_id}/decide", response=ConflictOut)
def decide_conflict(request, conflict_id: int, payload: DecideIn):
    case = _conflict(request, conflict_id)
    registration = None
    if payload.registration is not None:
        registration = case.registrations.filter(pk=payload.registration).first()
    services.decide_conflict(actor=request.user, case=case, decision=payload.decision, registration=registration,
                             participants=[p.dict() for p in payload.participants or []], note=payload.note)
    return _conflict(request, conflict_id)


@router.post("/conflicts/{conflict_id}/prevent", response=ConflictOut)
def prevent_conflict(request, conflict_id: int, payload: PreventIn):
    case = _conflict(request, conflict_id)
    named = None
    if payload.named_account_partner is not None:
        named = get_scoped_or_404(Partner, request.user, pk=payload.named_account_partner)
    services.prevent_conflict(actor=request.user, case=case, note=payload.note, named_account_partner=named)
    return _conflict(request, conflict_id)


@router.get("/leads", response=list[LeadOut])
@paginate(Page)
def list_leads(request, status: LeadStatus | None = None):
    """Leads offered to the caller's partner now (partners), or all the caller's partners' leads (vendor)."""
    leads = Lead.objects.for_user(request.user)
    if status:
        leads = leads.filter(status=status)
    return leads


@router.post("/leads", response={201: LeadOut})
def create_lead(request, payload: LeadIn):
    return Status(201, services.create_lead(actor=request.user, data=payload.dict()))


@router.post("/leads/import", response={200: LeadImportOut, 201: LeadImportOut})
def import_leads(request, payload: LeadImportIn):
    """Leads from CSV text, all or nothing: any bad row refuses the whole import with a 422 whose errors are keyed
    `rows.<line>.<field>` (the header is line 1). `dry_run` checks and answers 200 with nothing written."""
    rows = services.read_leads_csv(payload.csv)
    leads = services.import_leads(actor=request.user, rows=rows, source=payload.source or "API import",
                                  dry_run=payload.dry_run)
    return Status(200 if payload.dry_run else 201, {"count": len(rows) if payload.dry_run else len(leads),
                                                     "items": leads})


def _lead(request, lead_id: int) -> Lead:
    return get_scoped_or_404(Lead, request.user, pk=lead_id)


@router.get("/leads/{lead_id}", response=LeadOut)
def get_lead(request, lead_id: int):
    """A lead. The offered partner's admins and sales reps opening it mark it opened; anyone else who may see
    it (a read-only role, vendor staff) just reads it."""
    return services.open_lead(actor=request.user, lead=_lead(request, lead_id))


@router.post("/leads/{lead_id}/accept", response=LeadOut)
def accept_lead(request, lead_id: int, payload: LeadAcceptIn):
    return services.accept_lead(actor=request.user, lead=_lead(request, lead_id),
                                expected_close_date=payload.expected_close_date, amount=payload.amount,
                                currency=payload.currency)


@router.post("/leads/{lead_id}/decline", response=LeadOut)
def decline_lead(request, lead_id: int, payload: ReasonIn):
    lead = services.decline_lead(actor=request.user, lead=_lead(request, lead_id), reason=payload.reason)
    if request.user.is_partner_user:
        # The lead has routed on to another partner (or to nobody): the decliner gets its own view of it,
        # declined by itself, never who holds it now. Not saved; vendor staff see the lead as it stands.
        lead.partner_id, lead.status = request.user.partner_id, LeadStatus.DECLINED
        lead.offered_at = lead.respond_by = None
    return lead
