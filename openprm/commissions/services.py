"""Every change to commissions: plans, assignments, accrual into the append-only ledger, holds, refunds,
incentives and payouts. Amounts are computed at full precision and each line is rounded once, half-up.
"""

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.deals.models import Participant, ParticipantRole, Registration, RegistrationStatus
from openprm.lib import clock
from openprm.lib.money import CURRENCIES, quantize
from openprm.partners.models import Partner
from openprm.programs.models import TierChange
from openprm.programs.services import rate_on

from . import calc, incentives
from .exceptions import Conflict, InvalidLineTransition, LikelyDuplicate, NotAllowed, ValidationFailed
from .models import (
    Basis,
    CommissionPlan,
    CommissionSettings,
    LedgerLine,
    LineKind,
    LineStatus,
    Payout,
    PayoutItem,
    PayoutStatus,
    PlanAssignment,
    PlanType,
    ProductFamily,
    QuarterlyTarget,
    Refund,
    Spiff,
)
from .periods import period_bounds, period_key

HUNDRED = Decimal(100)
# The same refund or reward (same deal or partner, amount and reason) again within this window is a double
# submit, not a decision: refused. An API client that retries on purpose sends an Idempotency-Key instead.
DUPLICATE_WINDOW = timedelta(minutes=1)
PLAN_FIELDS = ["name", "type", "currency", "period", "rate_percent", "bands", "basis", "retroactive", "tier_rates",
               "fee", "influenced_factor_percent", "base", "holding_days"]


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def _pct(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}%"


def _require(actor, *roles) -> None:
    if actor is None or actor.role not in roles:
        raise NotAllowed("Only " + " and ".join(Role(r).label.lower() for r in roles) + " may do this.")


def _decimal(value, field, errors, *, allow_none=True):
    if value in (None, ""):
        if not allow_none:
            errors[field] = ["This field is required."]
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[field] = ["Enter a number."]
        return None
    if not number.is_finite():
        errors[field] = ["Enter a number."]
        return None
    return number


# ---------------------------------------------------------------- plans

def _clean_plan(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {k: v for k, v in data.items() if k in PLAN_FIELDS}
    unknown = set(data) - set(PLAN_FIELDS) - {"overrides"}
    for field in unknown:
        errors[field] = ["Unknown field."]
    if not (clean.get("name") or "").strip():
        errors["name"] = ["Name the plan."]
    if clean.get("type") not in PlanType.values:
        errors["type"] = [f"Choose one of: {', '.join(PlanType.values)}."]
    if (clean.get("currency") or "USD").upper() not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    clean["currency"] = (clean.get("currency") or "USD").upper()
    for field in ("rate_percent", "fee", "influenced_factor_percent"):
        if field in clean:
            clean[field] = _decimal(clean[field], field, errors)
    for field in ("rate_percent", "influenced_factor_percent"):
        if clean.get(field) is not None and not 0 <= clean[field] <= 100:
            errors[field] = ["A percentage from 0 to 100."]
    kind = clean.get("type")
    if kind == PlanType.REVENUE_SHARE and clean.get("rate_percent") is None:
        errors.setdefault("rate_percent", ["A revenue-share plan needs its rate."])
    if kind == PlanType.TIERED:
        try:
            problems = calc.validate_bands(calc.parse_bands(clean.get("bands") or []))
        except (KeyError, TypeError, InvalidOperation, AttributeError):
            problems = ['Give bands as {"from", "to", "rate_percent"}.']
        if problems:
            errors["bands"] = problems
        if clean.get("retroactive") and clean.get("basis", Basis.PER_DEAL) != Basis.PERIOD_VOLUME:
            errors["retroactive"] = ["Retroactive applies to period-volume plans only."]
    if kind == PlanType.TIER_BASED:
        rates = clean.get("tier_rates") or {}
        if not isinstance(rates, dict) or not rates:
            errors["tier_rates"] = ["Give a rate per tier code."]
        else:
            for code, rate in rates.items():
                value = _decimal(rate, f"tier_rates.{code}", errors, allow_none=False)
                if value is not None and not 0 <= value <= 100:
                    errors[f"tier_rates.{code}"] = ["A percentage from 0 to 100."]
            clean["tier_rates"] = {k: str(v) for k, v in rates.items()}
    if kind == PlanType.PROJECT_FEE and (clean.get("fee") is None or clean["fee"] <= 0):
        errors["fee"] = ["A project-fee plan needs its fee."]
    if errors:
        raise ValidationFailed("Please correct the plan.", errors=errors)
    return clean


@transaction.atomic
def create_plan(*, actor, data: dict) -> CommissionPlan:
    """Create a commission plan after checking it is complete for its type (bands contiguous, rates 0–100)."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    clean = _clean_plan(data)
    if CommissionPlan.objects.filter(name=clean["name"].strip()).exists():
        raise Conflict("A plan with this name exists.", errors={"name": ["Already used."]})
    plan = CommissionPlan.objects.create(**clean)
    audit.record_create(actor=actor, obj=plan, verb="commission_plan.created", fields=PLAN_FIELDS)
    return plan


@transaction.atomic
def assign_plan(*, actor, partner, plan: CommissionPlan, starts_on: date, ends_on: date | None = None
                ) -> PlanAssignment:
    """Put a partner on a plan for a date range; ranges of one partner never overlap."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed("The end is before the start.", errors={"ends_on": ["On or after the start."]})
    overlapping = PlanAssignment.objects.filter(partner=partner, starts_on__lte=ends_on or date.max).exclude(
        ends_on__lt=starts_on)
    if overlapping.exists():
        raise Conflict("The partner already has a plan in that range.",
                       errors={"starts_on": [f"Overlaps {overlapping.first()}."]})
    assignment = PlanAssignment.objects.create(partner=partner, plan=plan, starts_on=starts_on, ends_on=ends_on)
    audit.record_create(actor=actor, obj=assignment, verb="commission_plan.assigned", partner=partner,
                        fields=["plan_id", "starts_on", "ends_on"])
    return assignment


def plan_for(partner_id: int, on: date) -> CommissionPlan | None:
    """The plan in effect for a partner on a date."""
    assignment = (PlanAssignment.objects.filter(partner_id=partner_id, starts_on__lte=on)
                  .exclude(ends_on__lt=on).select_related("plan").order_by("-starts_on").first())
    return assignment.plan if assignment else None


def tier_on(partner, on: date) -> str:
    """The partner's tier on a date, from its tier history (its current tier when it has none)."""
    change = (TierChange.objects.filter(partner=partner, applied=True, effective_on__lte=on)
              .order_by("-effective_on", "-created_at").first())
    if change:
        return change.to_tier
    later = TierChange.objects.filter(partner=partner, applied=True).order_by("effective_on").first()
    return later.from_tier if later else partner.tier


def _rate_override(plan: CommissionPlan, products: list[str]) -> tuple[Decimal, str] | None:
    """Product beats family beats the plan rate; a deal uses its first listed product."""
    if not products:
        return None
    product = products[0]
    overrides = list(plan.overrides.all())
    for override in overrides:
        if override.product and override.product.casefold() == product.casefold():
            return override.rate_percent, f"product {product}"
    family = ProductFamily.objects.filter(product__iexact=product).values_list("family", flat=True).first()
    for override in overrides:
        if family and override.family and override.family.casefold() == family.casefold():
            return override.rate_percent, f"family {family}"
    return None


def _partner_discount(partner_id: int, on: date) -> Decimal | None:
    path = getattr(settings, "PARTNER_DISCOUNT_LOOKUP", "")
    return import_string(path)(partner_id=partner_id, on=on) if path else None


# ---------------------------------------------------------------- accrual

def _credited(registration: Registration, participant: Participant, plan: CommissionPlan) -> tuple[Decimal, str]:
    """Deal value × split (net of the partner discount when the plan says so), with its explanation."""
    value = registration.won_amount
    text = _fmt(value)
    if plan.base == "net":
        discount = _partner_discount(participant.partner_id, registration.closed_on) or Decimal(0)
        value = value * (HUNDRED - discount) / HUNDRED
        text += f" × (100% − {_pct(discount)} discount)"
    if participant.split_percent != HUNDRED:
        text += f" × {_pct(participant.split_percent)} split"
    return value * participant.split_percent / HUNDRED, text


def _per_deal_earning(registration, participant, plan) -> list[tuple[str, Decimal, str, dict]]:
    """(kind, amount in the deal currency at full precision, explanation, rule) for non-volume plans."""
    credited, text = _credited(registration, participant, plan)
    factor = plan.influenced_factor_percent / HUNDRED if participant.role == ParticipantRole.INFLUENCED else 1
    influenced = f" × {_pct(plan.influenced_factor_percent)} influenced" if factor != 1 else ""
    rule = {"plan": plan.pk, "type": plan.type, "split": str(participant.split_percent), "role": participant.role}
    if plan.type == PlanType.REVENUE_SHARE:
        rate, source = plan.rate_percent, "plan rate"
        if override := _rate_override(plan, registration.products):
            rate, source = override
        rule.update(rate=str(rate), source=source)
        amount = credited * rate * Decimal(factor) / HUNDRED
        return [("commission", amount, f"{text} × {_pct(rate)} ({source}){influenced}", rule)]
    if plan.type == PlanType.TIERED:  # per deal: the deal's value, in the plan currency, picks the band
        bands = calc.parse_bands(plan.bands)
        in_plan = registration.won_amount * rate_on(registration.won_currency, registration.closed_on) \
            / rate_on(plan.currency, registration.closed_on)
        band = calc.band_for(in_plan, bands)
        rule.update(rate=str(band.rate), band=band.label())
        amount = credited * band.rate * Decimal(factor) / HUNDRED
        # In another currency the deal's plan-currency value is what picked the band: say so.
        converted = f" at {_fmt(in_plan)} {plan.currency}" if registration.won_currency != plan.currency else ""
        return [("commission", amount, f"{text} × {_pct(band.rate)} ({band.label()}{converted}){influenced}", rule)]
    if plan.type == PlanType.TIER_BASED:
        tier = tier_on(participant.partner, registration.closed_on) or "untiered"
        rate = Decimal(str(plan.tier_rates.get(tier, "0")))
        rule.update(rate=str(rate), tier=tier)
        amount = credited * rate * Decimal(factor) / HUNDRED
        return [("commission", amount, f"{text} × {_pct(rate)} ({tier} tier rate){influenced}", rule)]
    if plan.type == PlanType.PROJECT_FEE:
        share = participant.split_percent / HUNDRED
        fee_text = f"project fee {_fmt(plan.fee)} {plan.currency}"
        if share != 1:
            fee_text += f" × {_pct(participant.split_percent)} split"
        rule.update(fee=str(plan.fee), currency=plan.currency)
        return [("commission_plan_currency", plan.fee * share * Decimal(factor), fee_text + influenced, rule)]
    raise ValueError(f"unknown plan type {plan.type}")


def _volume_earnings(partner_id: int, plan: CommissionPlan, period: str) -> dict[int, list]:
    """Every won deal of the partner's plan period, in close-date-then-id order, through the band maths.

    Credited values are converted to the plan currency for the bands; each earning converts back to the
    deal's currency, where its lines stay.
    """
    start, end = period_bounds(period)
    participants = (Participant.objects.filter(partner_id=partner_id, registration__status=RegistrationStatus.WON,
                                               registration__closed_on__range=(start, end))
                    .select_related("registration", "partner").order_by("registration__closed_on", "registration_id"))
    rows = [p for p in participants
            if (in_effect := plan_for(partner_id, p.registration.closed_on)) and in_effect.pk == plan.pk]
    influenced_factor = plan.influenced_factor_percent / HUNDRED
    deals, meta = [], {}
    for participant in rows:
        reg = participant.registration
        credited, text = _credited(reg, participant, plan)
        to_plan = rate_on(reg.won_currency, reg.closed_on) / rate_on(plan.currency, reg.closed_on)
        factor = influenced_factor if participant.role == ParticipantRole.INFLUENCED else Decimal(1)
        deals.append((reg.pk, credited * to_plan, factor))
        meta[reg.pk] = (participant, to_plan, text)
    results: dict[int, list] = {}
    earnings = calc.period_volume(deals, calc.parse_bands(plan.bands), retroactive=plan.retroactive,
                                  fmt=lambda v: f"{_fmt(v)} {plan.currency}")
    for earning in earnings:
        participant, to_plan, text = meta[earning.key]
        rule = {"plan": plan.pk, "type": plan.type, "basis": plan.basis, "retroactive": plan.retroactive,
                "period": period, "split": str(participant.split_percent), "role": participant.role}
        explanation, adjustment_text = f"{text}: {earning.explanation}", f"Retroactive {earning.adjustment_explanation}"
        if to_plan != 1:
            # The bands count in the plan currency; the line is paid in the deal's: show both conversions.
            reg = participant.registration
            rate = format(to_plan.quantize(Decimal("0.000001")).normalize(), "f")
            explanation = (f"{text} {reg.won_currency} = {_fmt(earning.credited)} {plan.currency} at {rate}: "
                           f"{earning.explanation} = {_fmt(earning.commission)} {plan.currency} ÷ {rate}")
            adjustment_text += f" = {_fmt(earning.adjustment)} {plan.currency} ÷ {rate}"
        parts = [("commission", earning.commission / to_plan, explanation, rule)]
        if earning.adjustment:
            parts.append(("adjustment", earning.adjustment / to_plan, adjustment_text, rule))
        results[earning.key] = parts
    return results


def _book(*, partner_id: int, registration: Registration, plan: CommissionPlan, parts: list, period: str) -> list:
    """Write what a (partner, registration) should have earned and is not yet booked; returns new lines.

    The first run books each part as its own line. When a later run computes a different total (a deal
    closing earlier in the period was entered late, say), one correction line books the difference: old
    lines are never edited.
    """
    new = []
    accrued = registration.closed_on
    base = {"partner_id": partner_id, "registration": registration, "plan": plan, "period": period,
            "accrued_on": accrued, "available_on": accrued + timedelta(days=plan.holding_days)}
    expected_total = Decimal(0)
    for index, (kind, amount, explanation, rule) in enumerate(parts):
        currency = registration.won_currency
        if kind == "commission_plan_currency":
            kind, currency = "commission", plan.currency
        rounded = quantize(amount, currency)
        expected_total += rounded
        key = f"{kind}:{registration.pk}:{partner_id}:{index}"
        if rounded == 0 or LedgerLine.objects.filter(source_key=key).exists():
            continue
        new.append(_write_line(kind=kind, amount=rounded, currency=currency, source_key=key,
                               explanation=f"{explanation} = {_fmt(rounded)} {currency}", rule=rule, **base))
    booked = LedgerLine.objects.filter(partner_id=partner_id, registration=registration,
                                       kind__in=[LineKind.COMMISSION, LineKind.ADJUSTMENT])
    total = sum((line.amount for line in booked), Decimal(0))
    if booked.exists() and total != expected_total:
        currency = booked.first().currency
        corrections = booked.filter(source_key__startswith="correction:").count()
        delta = expected_total - total
        new.append(_write_line(
            kind=LineKind.ADJUSTMENT, amount=delta, currency=currency,
            source_key=f"correction:{registration.pk}:{partner_id}:{corrections + 1}",
            explanation=f"Recalculation: the period now earns {_fmt(expected_total)} on this deal, "
                        f"{_fmt(total)} was booked, difference {_fmt(delta)} {currency}",
            rule={"plan": plan.pk, "correction": True}, **base))
    return new


def _write_line(**fields) -> LedgerLine:
    try:
        with transaction.atomic():
            return LedgerLine.objects.create(**fields)
    except IntegrityError:
        # Two recalculations raced for the same earning: the other one booked it.
        return LedgerLine.objects.get(source_key=fields["source_key"])


def booked_for_other_participants(registration: Registration) -> bool:
    """Whether the deal's commission lines were booked for participants (partner, split, role) other than its
    current ones.

    Participants are frozen once a deal closes, but a deal changed before that rule existed (or by a write
    that bypassed the services) must not earn twice: recalculation then books nothing more for it, and the
    correction is a refund plus a new registration. Each first commission line's rule records the split
    and role it was booked for.
    """
    current = {p.partner_id: (p.split_percent, p.role) for p in registration.participants.all()}
    booked = LedgerLine.objects.filter(registration=registration, kind=LineKind.COMMISSION,
                                       source_key__startswith=f"commission:{registration.pk}:")
    for partner_id, rule in booked.values_list("partner_id", "rule"):
        if partner_id not in current:
            return True
        split, role = current[partner_id]
        if "split" in rule and (Decimal(rule["split"]) != split or rule.get("role", role) != role):
            return True
    spiffs = LedgerLine.objects.filter(registration=registration, kind=LineKind.SPIFF)
    return spiffs.exclude(partner_id__in=list(current)).exists()


@transaction.atomic
def accrue_registration(*, registration: Registration) -> list[LedgerLine]:
    """Book every participant's earnings of a won registration (called in the same transaction as the win).

    Only what is missing for the deal's current participants is booked, and nothing when its lines were
    booked for other participants (booked_for_other_participants): a deal never pays two participant sets.
    """
    if registration.status != RegistrationStatus.WON or booked_for_other_participants(registration):
        return []
    new = []
    for participant in registration.participants.select_related("partner"):
        plan = plan_for(participant.partner_id, registration.closed_on)
        if plan is None:
            continue
        period = period_key(plan.period, registration.closed_on)
        if plan.type == PlanType.TIERED and plan.basis == Basis.PERIOD_VOLUME:
            earnings = _volume_earnings(participant.partner_id, plan, period)
            # A new deal can change its period neighbours' earnings (retroactive top-ups, late entries).
            regs = {r.pk: r for r in Registration.objects.filter(pk__in=earnings)}
            for reg_pk, parts in earnings.items():
                if reg_pk != registration.pk and booked_for_other_participants(regs[reg_pk]):
                    continue
                new += _book(partner_id=participant.partner_id, registration=regs[reg_pk], plan=plan,
                             parts=parts, period=period)
        else:
            new += _book(partner_id=participant.partner_id, registration=registration, plan=plan,
                         parts=_per_deal_earning(registration, participant, plan), period=period)
        new += _accrue_spiffs(registration, participant, plan, period)
    for line in new:
        audit.record(actor="system", action=Action.CREATE, verb="ledger_line.created", obj=line,
                     partner=line.partner, changes={"amount": [None, line.amount]}, note=line.explanation)
    return new


def _accrue_spiffs(registration, participant, plan, period) -> list[LedgerLine]:
    new = []
    products = {p.casefold() for p in registration.products}
    spiffs = Spiff.objects.filter(starts_on__lte=registration.closed_on, ends_on__gte=registration.closed_on)
    for spiff in spiffs:
        if not products & {p.casefold() for p in spiff.products}:
            continue
        share = participant.split_percent / HUNDRED
        if spiff.percent is not None:
            amount, currency = registration.won_amount * share * spiff.percent / HUNDRED, registration.won_currency
            text = (f"SPIFF {spiff.name}: {_fmt(registration.won_amount)} × {_pct(participant.split_percent)} split"
                    f" × {_pct(spiff.percent)}")
        else:
            amount, currency = spiff.amount * share, spiff.currency
            text = (f"SPIFF {spiff.name}: {_fmt(spiff.amount)} {spiff.currency}"
                    f" × {_pct(participant.split_percent)} split")
        rounded = quantize(amount, currency)
        key = f"spiff:{spiff.pk}:{registration.pk}:{participant.partner_id}"
        if rounded and not LedgerLine.objects.filter(source_key=key).exists():
            new.append(_write_line(
                partner_id=participant.partner_id, registration=registration, plan=plan, kind=LineKind.SPIFF,
                amount=rounded, currency=currency, period=period, accrued_on=registration.closed_on,
                available_on=registration.closed_on + timedelta(days=plan.holding_days), source_key=key,
                explanation=f"{text} = {_fmt(rounded)} {currency}", rule={"spiff": spiff.pk}))
    return new


def recalculate(*, period: str, progress=None) -> list[LedgerLine]:
    """Book every missing line for deals closed in a calendar period; running it again adds nothing."""
    start, end = period_bounds(period)
    ids = list(Registration.objects.filter(status=RegistrationStatus.WON, closed_on__range=(start, end))
               .order_by("closed_on", "pk").values_list("pk", flat=True))
    new = []
    for pk in ids:
        new += accrue_registration(registration=Registration.objects.get(pk=pk))
        if progress:
            progress(1)
    return new


# ---------------------------------------------------------------- line statuses

APPROVAL_CHUNK = 2000


def approve_due_lines(*, today: date | None = None, chunk: int = APPROVAL_CHUNK) -> int:
    """Pending lines whose holding period has passed become approved (scheduled job), with an audit event each.

    Set-based, in chunks of locked rows: a period can leave a million lines due on one night, and a line that
    finance puts on hold meanwhile must stay on hold (it is locked, or no longer pending, when its chunk runs).
    """
    today = today or timezone.localdate()
    reason = "holding period passed"
    changed = 0
    while True:
        with transaction.atomic():
            lines = list(LedgerLine.objects.select_for_update()
                         .filter(status=LineStatus.PENDING, available_on__lte=today)
                         .only("pk", "partner_id", "kind", "amount", "currency").order_by("pk")[:chunk])
            if not lines:
                return changed
            LedgerLine.objects.filter(pk__in=[line.pk for line in lines]).update(
                status=LineStatus.APPROVED, status_reason=reason, approved_at=timezone.now())
            audit.record_many(actor="system", action=Action.TRANSITION, verb=f"ledger_line.{LineStatus.APPROVED}",
                              objects=lines, partner_ids=[line.partner_id for line in lines],
                              changes={"status": [LineStatus.PENDING, LineStatus.APPROVED]}, note=reason)
            changed += len(lines)


def _set_status(*, actor, line: LedgerLine, status: str, reason: str = "") -> LedgerLine:
    before = line.status
    line.status, line.status_reason = status, reason
    fields = ["status", "status_reason"]
    if status == LineStatus.APPROVED:
        line.approved_at = timezone.now()
        fields.append("approved_at")
    line.save(update_fields=fields)
    audit.record(actor=actor, action=Action.TRANSITION, verb=f"ledger_line.{status}", obj=line, partner=line.partner,
                 changes={"status": [before, status]}, note=reason)
    return line


@transaction.atomic
def hold_line(*, actor, line: LedgerLine, reason: str) -> LedgerLine:
    """Finance freezes a pending or approved line (with a reason); it stays out of payouts."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    line = LedgerLine.objects.select_for_update().get(pk=line.pk)
    if not (reason or "").strip():
        raise ValidationFailed("Give the reason.", errors={"reason": ["Why is it on hold?"]})
    if line.status not in (LineStatus.PENDING, LineStatus.APPROVED) or line.payout_id:
        raise InvalidLineTransition(f"A {line.get_status_display().lower()} line cannot be put on hold.")
    return _set_status(actor=actor, line=line, status=LineStatus.ON_HOLD, reason=reason.strip())


@transaction.atomic
def release_line(*, actor, line: LedgerLine) -> LedgerLine:
    """Lift a hold: the line is approved, or pending again while its holding period runs."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    line = LedgerLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.ON_HOLD:
        raise InvalidLineTransition("Only lines on hold can be released.")
    status = LineStatus.APPROVED if line.available_on <= timezone.localdate() else LineStatus.PENDING
    return _set_status(actor=actor, line=line, status=status, reason="released")


@transaction.atomic
def cancel_line(*, actor, line: LedgerLine, reason: str) -> LedgerLine:
    """Cancel an unpaid line with a reason; it no longer counts anywhere and recalculation won't rebook it."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    line = LedgerLine.objects.select_for_update().get(pk=line.pk)
    if not (reason or "").strip():
        raise ValidationFailed("Give the reason.", errors={"reason": ["Why is it canceled?"]})
    if line.status in (LineStatus.PAID, LineStatus.CANCELED) or line.payout_id:
        raise InvalidLineTransition(f"A {line.get_status_display().lower()} line cannot be canceled.")
    return _set_status(actor=actor, line=line, status=LineStatus.CANCELED, reason=reason.strip())


# ---------------------------------------------------------------- refunds, rewards, bonuses

@transaction.atomic
def refund(*, actor, registration: Registration, amount, reason: str) -> list[LedgerLine]:
    """A refund or reversal of a won deal: negative clawback lines proportional to the refunded share."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    errors: dict[str, list[str]] = {}
    value = _decimal(amount, "amount", errors, allow_none=False)
    if not (reason or "").strip():
        errors["reason"] = ["Why was it refunded?"]
    if registration.status != RegistrationStatus.WON:
        raise InvalidLineTransition("Only won deals can be refunded.")
    refunded = sum((r.amount for r in registration.refunds.all()), Decimal(0))
    if value is not None and (value <= 0 or value + refunded > registration.won_amount):
        errors["amount"] = [f"Between 0 and the unrefunded {_fmt(registration.won_amount - refunded)} "
                            f"{registration.won_currency}."]
    if errors:
        raise ValidationFailed("Please correct the refund.", errors=errors)
    # The registration row is locked above, so a second identical refund sent at the same moment waits
    # here and then sees the first one.
    since = clock.moment() - DUPLICATE_WINDOW
    if registration.refunds.filter(amount=value, reason=reason.strip(), created_at__gte=since).exists():
        raise LikelyDuplicate(
            f"A refund of {_fmt(value)} {registration.won_currency} with the same reason was recorded less than a "
            "minute ago; this looks like a double submit and was not recorded again.",
            errors={"amount": ["The same refund was just recorded."]})
    record = Refund.objects.create(registration=registration, amount=value, currency=registration.won_currency,
                                   reason=reason.strip(), created_by=actor)
    # Each clawback is what the whole refunded share claws back (rounded once) less what earlier refunds
    # already clawed back: rounding each refund on its own could sum to a cent more than was earned.
    cumulative = refunded + value
    share = cumulative / registration.won_amount
    earned = defaultdict(lambda: defaultdict(Decimal))
    clawed = defaultdict(lambda: defaultdict(Decimal))
    for line in registration.ledger_lines.exclude(status=LineStatus.CANCELED):
        target = clawed if line.kind == LineKind.CLAWBACK else earned
        target[line.partner_id][line.currency] += line.amount
    percent = _pct((share * HUNDRED).quantize(Decimal("0.0001")))
    new = []
    today = timezone.localdate()
    for partner_id, by_currency in earned.items():
        for currency, total in by_currency.items():
            before = clawed[partner_id][currency]
            clawback = -quantize(total * share, currency) - before
            if not clawback:
                continue
            explanation = (f"Refund of {_fmt(value)} of {_fmt(registration.won_amount)} {registration.won_currency}"
                           f", {_fmt(cumulative)} refunded in all ({percent}): −{_fmt(total)} × {percent}")
            if before:
                explanation += f" − {_fmt(before)} already clawed back"
            line = _write_line(
                partner_id=partner_id, registration=registration, plan=None, kind=LineKind.CLAWBACK,
                amount=clawback, currency=currency, period=period_key("quarter", today), accrued_on=today,
                available_on=today, status=LineStatus.APPROVED,
                source_key=f"clawback:{record.pk}:{partner_id}:{currency}",
                explanation=f"{explanation} = {_fmt(clawback)} {currency}. Reason: {reason.strip()}",
                rule={"refund": record.pk, "refunded": str(cumulative), "already_clawed_back": str(before)})
            audit.record(actor=actor, action=Action.CREATE, verb="ledger_line.clawback", obj=line,
                         partner=line.partner, changes={"amount": [None, clawback]}, note=reason)
            new.append(line)
    audit.record(actor=actor, action=Action.CREATE, verb="registration.refunded", obj=registration,
                 partner=registration.partner, changes={"refunded": [str(refunded), str(refunded + value)]},
                 note=reason)
    return new


@transaction.atomic
def award_reward(*, actor, partner, amount, currency: str, reason: str, on: date | None = None) -> LedgerLine:
    """An annual reward for a top partner: a manual line with its reason."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    errors: dict[str, list[str]] = {}
    value = _decimal(amount, "amount", errors, allow_none=False)
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    if value is not None and value <= 0:
        errors["amount"] = ["Greater than zero."]
    if not (reason or "").strip():
        errors["reason"] = ["Say what the reward is for."]
    if errors:
        raise ValidationFailed("Please correct the reward.", errors=errors)
    on = on or timezone.localdate()
    rounded = quantize(value, currency)
    explanation = f"Annual reward: {reason.strip()} = {_fmt(rounded)} {currency}"
    # Lock the partner: twenty identical posts at once queue here, and each then sees the first reward.
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    since = clock.moment() - DUPLICATE_WINDOW
    if LedgerLine.objects.filter(partner=partner, kind=LineKind.REWARD, amount=rounded, currency=currency,
                                 explanation=explanation, created_at__gte=since).exists():
        raise LikelyDuplicate(
            f"A reward of {_fmt(rounded)} {currency} for {partner} with the same reason was booked less than a "
            "minute ago; this looks like a double submit and was not booked again.",
            errors={"amount": ["The same reward was just booked."]})
    line = LedgerLine.objects.create(
        partner=partner, kind=LineKind.REWARD, amount=rounded, currency=currency, period=str(on.year),
        accrued_on=on, available_on=on, status=LineStatus.APPROVED,
        source_key=f"reward:{partner.pk}:{timezone.now().timestamp()}",
        explanation=explanation, rule={"manual": True})
    audit.record(actor=actor, action=Action.CREATE, verb="ledger_line.reward", obj=line, partner=partner,
                 changes={"amount": [None, rounded]}, note=reason)
    return line


def award_quarterly_bonuses(*, quarter: str) -> list[LedgerLine]:
    """Partners that reached their quarter's target get its bonus (once per partner and quarter)."""
    _, end = period_bounds(quarter)
    new = []
    for target in QuarterlyTarget.objects.filter(quarter=quarter).select_related("partner"):
        key = f"bonus:{target.partner_id}:{quarter}"
        if LedgerLine.objects.filter(source_key=key).exists():
            continue
        volume = sum((credited * (rate_on(currency, closed_on) / rate_on(target.currency, closed_on))
                      for credited, currency, closed_on in incentives.credited_wins(target.partner_id, quarter)),
                     Decimal(0))
        if volume < target.target:
            continue
        if target.bonus_percent is not None:
            amount = volume * target.bonus_percent / HUNDRED
            text = f"{_fmt(volume)} {target.currency} won in {quarter} × {_pct(target.bonus_percent)}"
        else:
            amount, text = target.bonus_amount or Decimal(0), f"fixed bonus for {quarter}"
        rounded = quantize(amount, target.currency)
        with transaction.atomic():
            line = _write_line(
                partner=target.partner, kind=LineKind.BONUS, amount=rounded, currency=target.currency,
                period=quarter, accrued_on=end, available_on=end, status=LineStatus.PENDING, source_key=key,
                explanation=f"Quarterly bonus: target {_fmt(target.target)} {target.currency} reached "
                            f"({_fmt(volume)}); {text} = {_fmt(rounded)} {target.currency}",
                rule={"target": target.pk})
            audit.record(actor="system", action=Action.CREATE, verb="ledger_line.bonus", obj=line,
                         partner=target.partner, changes={"amount": [None, rounded]})
        new.append(line)
    return new


# ---------------------------------------------------------------- SPIFFs and quarterly targets

SPIFF_FIELDS = ["name", "products", "starts_on", "ends_on", "amount", "currency", "percent"]
TARGET_FIELDS = ["target", "currency", "bonus_amount", "bonus_percent"]


def _date(value, field, errors):
    if value in (None, ""):
        errors[field] = ["This field is required."]
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = ["Enter a date such as 2026-10-01."]
        return None


def _one_of(amount, percent, amount_field, percent_field, errors, what) -> tuple:
    """Exactly one of a positive amount and a percentage in (0, 100]."""
    amount = _decimal(amount, amount_field, errors)
    percent = _decimal(percent, percent_field, errors)
    if amount_field in errors or percent_field in errors:
        return amount, percent
    if (amount is None) == (percent is None):
        message = f"Give either an amount or a percentage for the {what}, not both."
        if amount is None:
            message = f"Give an amount or a percentage for the {what}."
        errors[amount_field] = [message]
        errors[percent_field] = [message]
    elif amount is not None and amount <= 0:
        errors[amount_field] = ["Greater than zero."]
    elif percent is not None and not 0 < percent <= 100:
        errors[percent_field] = ["A percentage above 0, up to 100."]
    return amount, percent


@transaction.atomic
def create_spiff(*, actor, name: str, products, starts_on, ends_on, amount=None, percent=None,
                 currency: str = "USD") -> Spiff:
    """Start a SPIFF: won deals with one of `products`, closed from `starts_on` to `ends_on` (both included),
    earn a fixed `amount` in `currency` or `percent` of their credited value, on top of the plan."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Name the SPIFF."]
    elif len(name) > 120:
        errors["name"] = ["At most 120 characters."]
    if isinstance(products, str):
        products = products.split(",")
    products = list(dict.fromkeys(p.strip() for p in (products or []) if isinstance(p, str) and p.strip()))
    if not products:
        errors["products"] = ["Name at least one product."]
    elif any(len(p) > 120 for p in products):
        errors["products"] = ["A product name has at most 120 characters."]
    starts_on = _date(starts_on, "starts_on", errors)
    ends_on = _date(ends_on, "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["On or after the start."]
    amount, percent = _one_of(amount, percent, "amount", "percent", errors, "SPIFF")
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    if errors:
        raise ValidationFailed("Please correct the SPIFF.", errors=errors)
    spiff = Spiff.objects.create(name=name, products=products, starts_on=starts_on, ends_on=ends_on,
                                 amount=None if amount is None else quantize(amount, currency),
                                 percent=percent, currency=currency)
    audit.record_create(actor=actor, obj=spiff, verb="spiff.created", fields=SPIFF_FIELDS)
    return spiff


@transaction.atomic
def end_spiff(*, actor, spiff: Spiff, ends_on: date | None = None) -> Spiff:
    """End a SPIFF early: `ends_on` (default yesterday, so no deal won from today on earns it) becomes its last
    day. Nothing is deleted: lines already booked for it stay in the ledger."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    spiff = Spiff.objects.select_for_update().get(pk=spiff.pk)
    today = timezone.localdate()
    ends_on = ends_on or today - timedelta(days=1)
    if spiff.ends_on < today:
        raise Conflict(f"The SPIFF already ended on {spiff.ends_on}.",
                       errors={"ends_on": [f"Already ended on {spiff.ends_on}."]})
    if ends_on >= spiff.ends_on:
        raise ValidationFailed("Ending can only bring the end forward.",
                               errors={"ends_on": [f"Before the current end, {spiff.ends_on}."]})
    earliest = spiff.starts_on - timedelta(days=1)
    if ends_on < earliest:
        raise ValidationFailed("The end is before the start.",
                               errors={"ends_on": [f"On or after {earliest} (the day before it starts)."]})
    before = spiff.ends_on
    spiff.ends_on = ends_on
    spiff.save(update_fields=["ends_on"])
    audit.record(actor=actor, action=Action.UPDATE, verb="spiff.ended", obj=spiff,
                 changes={"ends_on": [before, ends_on]})
    return spiff


@transaction.atomic
def set_quarterly_target(*, actor, partner, quarter: str, target, currency: str = "USD", bonus_amount=None,
                         bonus_percent=None) -> tuple[QuarterlyTarget, bool]:
    """Create or change a partner's won-revenue target for a quarter (`YYYY-Qn`) and the bonus for reaching it
    (exactly one of a fixed amount and a % of the quarter's volume). Returns (target, created).

    A target whose bonus is already booked cannot change: the bonus line would no longer explain itself.
    """
    _require(actor, Role.ADMIN, Role.FINANCE)
    errors: dict[str, list[str]] = {}
    quarter = (quarter or "").strip().upper()
    if not re.fullmatch(r"\d{4}-Q[1-4]", quarter):
        errors["quarter"] = ["A quarter such as 2026-Q4."]
    value = _decimal(target, "target", errors, allow_none=False)
    if value is not None and value <= 0:
        errors["target"] = ["Greater than zero."]
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    amount, percent = _one_of(bonus_amount, bonus_percent, "bonus_amount", "bonus_percent", errors, "bonus")
    if errors:
        raise ValidationFailed("Please correct the target.", errors=errors)
    if LedgerLine.objects.filter(source_key=f"bonus:{partner.pk}:{quarter}").exists():
        raise Conflict(f"The {quarter} bonus of {partner} is already booked; its target cannot change.",
                       errors={"quarter": ["Bonus already booked for this quarter."]})
    values = {"target": quantize(value, currency), "currency": currency,
              "bonus_amount": None if amount is None else quantize(amount, currency), "bonus_percent": percent}
    existing = QuarterlyTarget.objects.select_for_update().filter(partner=partner, quarter=quarter).first()
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: a second click racing this one may insert first
                record = QuarterlyTarget.objects.create(partner=partner, quarter=quarter, **values)
        except IntegrityError:
            existing = QuarterlyTarget.objects.select_for_update().get(partner=partner, quarter=quarter)
        else:
            audit.record_create(actor=actor, obj=record, verb="quarterly_target.created", partner=partner,
                                fields=["quarter", *TARGET_FIELDS])
            return record, True
    changes = {f: [getattr(existing, f), v] for f, v in values.items() if getattr(existing, f) != v}
    for field, new_value in values.items():
        setattr(existing, field, new_value)
    existing.save(update_fields=list(values))
    audit.record(actor=actor, action=Action.UPDATE, verb="quarterly_target.changed", obj=existing, partner=partner,
                 changes=changes)
    return existing, False


# ---------------------------------------------------------------- payouts

@transaction.atomic
def create_payout(*, actor, currency: str, up_to: date) -> Payout:
    """Finance builds a batch from approved lines up to a date: net per partner, skipping nets under the
    minimum payout (carried forward, negative balances included)."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        raise ValidationFailed("Unknown currency.", errors={"currency": ["Choose a currency such as USD."]})
    minimum = CommissionSettings.current().minimum_payout
    lines = list(LedgerLine.objects.select_for_update().filter(
        status=LineStatus.APPROVED, payout__isnull=True, currency=currency, available_on__lte=up_to))
    by_partner: dict[int, list[LedgerLine]] = defaultdict(list)
    for line in lines:
        by_partner[line.partner_id].append(line)
    payable = {pid: items for pid, items in by_partner.items() if sum(i.amount for i in items) >= minimum}
    if not payable:
        raise Conflict(f"No partner has at least {_fmt(minimum)} {currency} approved to pay up to {up_to}.")
    payout = Payout.objects.create(currency=currency, up_to=up_to, created_by=actor)
    total = Decimal(0)
    for partner_id, items in sorted(payable.items()):
        net = sum((i.amount for i in items), Decimal(0))
        PayoutItem.objects.create(payout=payout, partner_id=partner_id, amount=net)
        LedgerLine.objects.filter(pk__in=[i.pk for i in items]).update(payout=payout)
        total += net
    payout.total = total
    payout.save(update_fields=["total"])
    audit.record(actor=actor, action=Action.CREATE, verb="payout.created", obj=payout,
                 changes={"total": [None, total]},
                 note=f"{len(payable)} partner(s); {len(by_partner) - len(payable)} carried forward")
    return payout


def _payout_transition(*, actor, payout: Payout, from_status: str, to_status: str, **fields) -> Payout:
    _require(actor, Role.ADMIN, Role.FINANCE)
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.status != from_status:
        raise InvalidLineTransition(f"The batch is {payout.get_status_display().lower()}, not {from_status}.")
    for field, value in fields.items():
        setattr(payout, field, value)
    payout.status = to_status
    payout.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=f"payout.{to_status}", obj=payout,
                 changes={"status": [from_status, to_status]})
    return payout


@transaction.atomic
def approve_payout(*, actor, payout: Payout) -> Payout:
    return _payout_transition(actor=actor, payout=payout, from_status=PayoutStatus.DRAFT,
                              to_status=PayoutStatus.APPROVED, approved_at=timezone.now())


@transaction.atomic
def mark_exported(*, actor, payout: Payout) -> Payout:
    return _payout_transition(actor=actor, payout=payout, from_status=PayoutStatus.APPROVED,
                              to_status=PayoutStatus.EXPORTED, exported_at=timezone.now())


@transaction.atomic
def mark_paid(*, actor, payout: Payout, reference: str) -> Payout:
    """Record the bank reference; the batch's lines become paid."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed("Give the payment reference.", errors={"reference": ["The bank or ERP reference."]})
    current = Payout.objects.select_for_update().get(pk=payout.pk).status
    if current not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED):
        raise InvalidLineTransition("Approve the batch before marking it paid.")
    now = timezone.now()
    payout = _payout_transition(actor=actor, payout=payout, from_status=current, to_status=PayoutStatus.PAID,
                                reference=reference, paid_at=now)
    for line in payout.lines.all():
        line.status, line.paid_at = LineStatus.PAID, now
        line.save(update_fields=["status", "paid_at"])
    return payout
