"""Accrual: booking a won deal's commission, adjustment and SPIFF lines into the append-only ledger, and
recalculating a period (the set-based booking of `setbased`, then these services for the rest)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.deals.models import Participant, ParticipantRole, Registration, RegistrationStatus
from openprm.lib.money import plain_decimal, quantize
from openprm.programs.services import rate_on

from .. import calc, setbased
from ..models import (
    Basis,
    CommissionPlan,
    LedgerLine,
    LineKind,
    PlanType,
    Spiff,
)
from ..periods import period_bounds, period_key
from ..setbased import Recalculation
from ._common import HUNDRED, _fmt, _pct, _write_line
from .plans import _partner_discount, _rate_override, plan_for, tier_on


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
            rate = plain_decimal(to_plan.quantize(Decimal("0.000001")))
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
    """The SPIFF lines a participant earns on a won deal: one per running SPIFF naming one of its products."""
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


def recalculate(*, period: str, progress=None, workers: int | None = None, set_based: bool = True
                ) -> Recalculation:
    """Book every missing line for deals won in a calendar period; running it again adds nothing.

    The one entry point of `openprm commissions recalc`, the benchmarks and the tests. By default the common
    per-deal plans are booked set-based first (`setbased.book_period_set_based`, `workers` connections on
    PostgreSQL) and the services book the registrations it leaves; `set_based=False` books every registration
    through the services alone (the reference path the set-based booking is checked against). `progress` is
    called with the number of registrations done as they are done.
    """
    if set_based:
        result = setbased.book_period_set_based(period, workers=workers)
        if progress:
            progress(result.registrations - len(result.rest))
    else:
        start, end = period_bounds(period)
        ids = list(Registration.objects.filter(status=RegistrationStatus.WON, closed_on__range=(start, end))
                   .order_by("closed_on", "pk").values_list("pk", flat=True))
        result = Recalculation(registrations=len(ids), rest=ids)
    for pk in result.rest:
        result.lines += accrue_registration(registration=Registration.objects.get(pk=pk))
        if progress:
            progress(1)
    return result
