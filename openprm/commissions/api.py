"""API: commission plans and assignments, the ledger, refunds, statements and payout batches.

Every endpoint that books or moves money is `@idempotent`: sent with an `Idempotency-Key`, a retry
answers the first response instead of acting twice.
"""


from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from openprm.accounts.models import Role
from openprm.accounts.scoping import get_scoped_or_404
from openprm.deals.api import registrations_for
from openprm.idempotency.services import idempotent
from openprm.lib import clock
from openprm.lib.errors import NotAllowed, ValidationFailed
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt
from openprm.partners.models import Partner

from . import services
from .exports import payout_csv
from .models import CommissionPlan, LedgerLine, Payout, PayoutDetails, QuarterlyTarget, Spiff
from .periods import period_bounds
from .schemas import (
    AssignIn,
    AssignOut,
    LineOut,
    PaidIn,
    PayoutDetailsIn,
    PayoutDetailsOut,
    PayoutIn,
    PayoutOut,
    PlanIn,
    PlanOut,
    ReasonIn,
    RefundIn,
    RewardIn,
    SpiffEndIn,
    SpiffIn,
    SpiffOut,
    StatementOut,
    TargetIn,
    TargetOut,
)
from .services import ACTIVE, ENDED, UPCOMING, spiff_status
from .statements import statement

router = Router(tags=["commissions"])


def _vendor_money_role(request):
    if request.user.role not in (Role.ADMIN, Role.FINANCE):
        raise NotAllowed("This is for program admins and finance.")


@router.get("/commission-plans", response=list[PlanOut])
def list_plans(request):
    if not request.user.is_vendor:
        raise NotAllowed("Plans are managed by the vendor; partners see their lines and statements.")
    return CommissionPlan.objects.all()


@router.post("/commission-plans", response={201: PlanOut})
def create_plan(request, payload: PlanIn):
    data = payload.dict(by_alias=True)
    data["bands"] = [{"from": str(b["from"]), "to": None if b["to"] is None else str(b["to"]),
                      "rate_percent": str(b["rate_percent"])} for b in data["bands"]]
    data["tier_rates"] = {k: str(v) for k, v in data["tier_rates"].items()}
    return Status(201, services.create_plan(actor=request.user, data=data))


@router.get("/commission-plans/{plan_id}", response=PlanOut)
def get_plan(request, plan_id: int):
    if not request.user.is_vendor:
        raise NotAllowed("Plans are managed by the vendor.")
    return get_object_or_404(CommissionPlan, pk=plan_id)


@router.post("/partners/{partner_id}/plans", response={201: AssignOut})
def assign_plan(request, partner_id: int, payload: AssignIn):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    plan = get_object_or_404(CommissionPlan, pk=payload.plan)
    return Status(201, services.assign_plan(actor=request.user, partner=partner, plan=plan,
                                            starts_on=payload.starts_on, ends_on=payload.ends_on))


@router.get("/commissions", response=list[LineOut])
@paginate(Page)
def list_lines(request, partner: DbInt | None = None, registration: DbInt | None = None, status: str | None = None,
               period: str | None = None, kind: str | None = None):
    """Ledger lines the caller may see, filterable by partner, registration, status, kind and period."""
    lines = LedgerLine.objects.for_user(request.user)
    if partner is not None:
        lines = lines.filter(partner_id=partner)
    if registration is not None:
        lines = lines.filter(registration_id=registration)
    if status:
        lines = lines.filter(status=status)
    if kind:
        lines = lines.filter(kind=kind)
    if period:
        try:
            start, end = period_bounds(period)
        except ValueError as exc:
            raise ValidationFailed(str(exc), errors={"period": [str(exc)]}) from None
        lines = lines.filter(accrued_on__range=(start, end))
    return lines.order_by("-accrued_on", "-id")


def _line(request, line_id: int) -> LedgerLine:
    return get_scoped_or_404(LedgerLine, request.user, pk=line_id)


@router.post("/commissions/{line_id}/hold", response=LineOut)
@idempotent
def hold(request, line_id: int, payload: ReasonIn):
    return services.hold_line(actor=request.user, line=_line(request, line_id), reason=payload.reason)


@router.post("/commissions/{line_id}/release", response=LineOut)
def release(request, line_id: int):
    return services.release_line(actor=request.user, line=_line(request, line_id))


@router.post("/commissions/{line_id}/cancel", response=LineOut)
@idempotent
def cancel(request, line_id: int, payload: ReasonIn):
    return services.cancel_line(actor=request.user, line=_line(request, line_id), reason=payload.reason)


@router.post("/registrations/{registration_id}/refund", response={201: list[LineOut]})
@idempotent
def refund(request, registration_id: int, payload: RefundIn):
    """Record a refund or reversal; answers the clawback lines it added."""
    registration = get_scoped_or_404(registrations_for(request.user), request.user, pk=registration_id)
    return Status(201, services.refund(actor=request.user, registration=registration, amount=payload.amount,
                                       reason=payload.reason))


@router.get("/statements", response=list[StatementOut])
def statements(request, period: str, partner: DbInt | None = None):
    """The partner's statement for a period, one per currency (partner users: their own partner)."""
    partner_id = partner if partner is not None else request.user.partner_id
    if partner_id is None:
        raise ValidationFailed("Name the partner.", errors={"partner": ["Required for vendor staff."]})
    subject = get_scoped_or_404(Partner, request.user, pk=partner_id)
    try:
        return statement(partner=subject, period=period)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors={"period": [str(exc)]}) from None


def _payout(request, payout_id: int) -> Payout:
    _vendor_money_role(request)
    return get_object_or_404(Payout.objects.prefetch_related("items"), pk=payout_id)


@router.post("/payouts", response={201: PayoutOut})
@idempotent
def create_payout(request, payload: PayoutIn):
    _vendor_money_role(request)
    return Status(201, services.create_payout(actor=request.user, currency=payload.currency, up_to=payload.up_to))


@router.get("/payouts/{payout_id}", response=PayoutOut)
def get_payout(request, payout_id: int):
    return _payout(request, payout_id)


@router.post("/payouts/{payout_id}/approve", response=PayoutOut)
@idempotent
def approve_payout(request, payout_id: int):
    services.approve_payout(actor=request.user, payout=_payout(request, payout_id))
    return _payout(request, payout_id)


@router.post("/payouts/{payout_id}/export")
def export_payout(request, payout_id: int):
    """The bank/accounting CSV of an approved batch (marks it exported)."""
    payout = _payout(request, payout_id)
    services.mark_exported(actor=request.user, payout=payout)
    return payout_csv(payout)


@router.post("/payouts/{payout_id}/mark-paid", response=PayoutOut)
@idempotent
def mark_paid(request, payout_id: int, payload: PaidIn):
    services.mark_paid(actor=request.user, payout=_payout(request, payout_id), reference=payload.reference)
    return _payout(request, payout_id)


# ---------------------------------------------------------------- incentives

@router.get("/spiffs", response=list[SpiffOut])
def list_spiffs(request, status: str | None = None):
    """Every SPIFF (they are program-wide; partners see what they can earn), filterable by
    status: active, upcoming or ended."""
    if status and status not in (ACTIVE, UPCOMING, ENDED):
        raise ValidationFailed("Unknown status.", errors={"status": ["One of: active, upcoming, ended."]})
    spiffs = Spiff.objects.order_by("-starts_on", "id")
    today = clock.today()
    return [s for s in spiffs if not status or spiff_status(s, today) == status]


@router.post("/spiffs", response={201: SpiffOut})
@idempotent
def create_spiff(request, payload: SpiffIn):
    return Status(201, services.create_spiff(actor=request.user, **payload.dict()))


@router.post("/spiffs/{spiff_id}/end", response=SpiffOut)
def end_spiff(request, spiff_id: int, payload: SpiffEndIn | None = None):
    """End a SPIFF early (default: yesterday is its last day); lines already booked stay."""
    _vendor_money_role(request)
    spiff = get_object_or_404(Spiff, pk=spiff_id)
    return services.end_spiff(actor=request.user, spiff=spiff, ends_on=payload.ends_on if payload else None)


@router.get("/quarterly-targets", response=list[TargetOut])
@paginate(Page)
def list_targets(request, partner: DbInt | None = None, quarter: str | None = None):
    """Quarterly targets the caller may see (partner users: their own), filterable by partner and quarter."""
    targets = QuarterlyTarget.objects.for_user(request.user)
    if partner is not None:
        targets = targets.filter(partner_id=partner)
    if quarter:
        targets = targets.filter(quarter=quarter.strip().upper())
    return targets.order_by("-quarter", "partner_id")


@router.post("/quarterly-targets", response={200: TargetOut, 201: TargetOut})
@idempotent
def set_target(request, payload: TargetIn):
    """Create (201) or change (200) a partner's target for a quarter."""
    partner = get_scoped_or_404(Partner, request.user, pk=payload.partner)
    data = payload.dict(exclude={"partner"})
    target, created = services.set_quarterly_target(actor=request.user, partner=partner, **data)
    return Status(201 if created else 200, target)


@router.post("/partners/{partner_id}/rewards", response={201: LineOut})
@idempotent
def award_reward(request, partner_id: int, payload: RewardIn):
    """Book a reward for a partner: an approved ledger line with its reason."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return Status(201, services.award_reward(actor=request.user, partner=partner, **payload.dict()))


# ---------------------------------------------------------------- payout details

def _details_partner(request, partner_id: int) -> Partner:
    """The partner (another partner's is a 404), when the caller keeps its payout details (else 403)."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    if not services.can_edit_payout_details(request.user, partner):
        raise NotAllowed("Payout details are for the partner's admins and finance.")
    return partner


@router.get("/partners/{partner_id}/payout-details", response=PayoutDetailsOut)
def get_payout_details(request, partner_id: int):
    """The partner's payout details, the bank and tax numbers masked to their last 4 characters (404 until
    they are entered)."""
    partner = _details_partner(request, partner_id)
    return get_scoped_or_404(PayoutDetails, request.user, partner=partner)


@router.put("/partners/{partner_id}/payout-details", response=PayoutDetailsOut)
def put_payout_details(request, partner_id: int, payload: PayoutDetailsIn):
    """Set the partner's payout details (its partner admins, finance or program admins): an IBAN, or an
    account number with a routing number; checked (IBAN checksum, SWIFT/BIC, ISO country), stored encrypted,
    audited without the numbers, and answered masked."""
    partner = _details_partner(request, partner_id)
    return services.set_payout_details(actor=request.user, partner=partner, data=payload.dict())
