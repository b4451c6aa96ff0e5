"""Commission plans: creating them, putting partners on them, and which plan and tier apply on a date."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction

from openprm.accounts.models import Role
from openprm.agreements import services as agreements
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.money import CURRENCIES
from openprm.programs.models import Product, TierChange
from openprm.programs.services import catalog_families

from .. import calc
from ..exceptions import Conflict, ValidationFailed
from ..models import (
    Basis,
    CommissionPlan,
    PlanAssignment,
    PlanType,
    ProductFamily,
    RateOverride,
)
from ._common import _decimal, _require

PLAN_FIELDS = ["name", "type", "currency", "period", "rate_percent", "bands", "basis", "retroactive", "tier_rates",
               "fee", "influenced_factor_percent", "base", "holding_days"]


def _clean_plan(data: dict) -> dict:
    """The plan's known fields, checked for its type; every problem at once as ValidationFailed."""
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
    if "overrides" in data:
        clean["overrides"] = _clean_overrides(data["overrides"], kind, errors)
    if kind == PlanType.PROJECT_FEE and (clean.get("fee") is None or clean["fee"] <= 0):
        errors["fee"] = ["A project-fee plan needs its fee."]
    if errors:
        raise ValidationFailed("Please correct the plan.", errors=errors)
    return clean


def _clean_overrides(rows, kind, errors) -> list[dict]:
    """Rate overrides of a revenue-share plan: each names an offered product of the catalog, or a family of
    it, and a rate 0–100. (Overrides written before the catalog keep their free-text names and still apply.)"""
    if not rows:
        return []
    if kind != PlanType.REVENUE_SHARE:
        errors["overrides"] = ["Only revenue-share plans take product or family rates."]
        return []
    if not isinstance(rows, list):
        errors["overrides"] = ['Give overrides as [{"product" or "family", "rate_percent"}].']
        return []
    products = {name.casefold(): name for name in Product.objects.filter(active=True).values_list("name", flat=True)}
    families = {name.casefold(): name for name in catalog_families()}
    clean = []
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        product, family = (str(row.get(k) or "").strip() for k in ("product", "family"))
        if bool(product) == bool(family):
            errors[f"overrides.{i}.product"] = ["Name a product or a family, not both."]
            continue
        if product and product.casefold() not in products:
            errors[f"overrides.{i}.product"] = [f"{product} is not an offered product of the catalog."]
        if family and family.casefold() not in families:
            errors[f"overrides.{i}.family"] = [f"{family} is not a product family of the catalog."]
        rate = _decimal(row.get("rate_percent"), f"overrides.{i}.rate_percent", errors, allow_none=False)
        if rate is not None and not 0 <= rate <= 100:
            errors[f"overrides.{i}.rate_percent"] = ["A percentage from 0 to 100."]
        clean.append({"product": products.get(product.casefold(), ""), "family": families.get(family.casefold(), ""),
                      "rate_percent": rate})
    return clean


@transaction.atomic
def create_plan(*, actor, data: dict) -> CommissionPlan:
    """Create a commission plan after checking it is complete for its type (bands contiguous, rates 0–100)."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    clean = _clean_plan(data)
    if CommissionPlan.objects.filter(name=clean["name"].strip()).exists():
        raise Conflict("A plan with this name exists.", errors={"name": ["Already used."]})
    overrides = clean.pop("overrides", [])
    plan = CommissionPlan.objects.create(**clean)
    for row in overrides:
        RateOverride.objects.create(plan=plan, **row)
    audit.record_create(actor=actor, obj=plan, verb="commission_plan.created", fields=PLAN_FIELDS,
                        note="; ".join(f"{row['product'] or row['family'] + ' family'}: {row['rate_percent']}%"
                                       for row in overrides))
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


@transaction.atomic
def assign_plan_from_agreement(*, actor, agreement) -> PlanAssignment | None:
    """Put the agreement's partner on the agreement's commission plan from the agreement's start date.

    Called by agreements when an agreement is signed, becomes active or renews (settings.AGREEMENT_PLAN_ASSIGNER,
    since agreements sits below commissions), on behalf of whoever did that. Idempotent: when the partner is
    already on that plan on the start date nothing changes. A different plan in force on the start date ends
    the day before (the new agreement's terms replace it). When the partner has a plan assignment starting
    after the agreement's start date, someone already decided its future plans: nothing is changed and the
    skipped assignment is recorded on the agreement's audit trail. Signing never fails because of this.
    """
    if not agreement.commission_plan_id:
        return None
    partner, plan, starts = agreement.partner, agreement.commission_plan, agreement.starts_on
    source = f"from the {agreement.get_kind_display().lower()} agreement #{agreement.pk}"
    assignments = PlanAssignment.objects.select_for_update().filter(partner=partner)
    covering = assignments.filter(starts_on__lte=starts).exclude(ends_on__lt=starts).order_by("-starts_on").first()
    if covering is not None and covering.plan_id == plan.pk:
        return covering
    later = assignments.filter(starts_on__gt=starts).order_by("starts_on").first()
    if later is not None or (covering is not None and covering.starts_on == starts):
        clash = later or covering
        audit.record(actor=actor, action=Action.UPDATE, verb="commission_plan.assignment_skipped", obj=agreement,
                     partner=partner,
                     note=f"{partner.name} was not put on “{plan.name}” {source}: it is on “{clash.plan.name}” "
                          f"from {clash.starts_on}. Change its plans on the partner's page.")
        return None
    if covering is not None:
        before = covering.ends_on
        covering.ends_on = starts - timedelta(days=1)
        covering.save(update_fields=["ends_on"])
        audit.record(actor=actor, action=Action.UPDATE, verb="commission_plan.assignment_ended", obj=covering,
                     partner=partner, changes={"ends_on": [str(before) if before else None, str(covering.ends_on)]},
                     note=f"replaced by “{plan.name}” {source}")
    assignment = PlanAssignment.objects.create(partner=partner, plan=plan, starts_on=starts, ends_on=None)
    audit.record_create(actor=actor, obj=assignment, verb="commission_plan.assigned", partner=partner,
                        fields=["plan_id", "starts_on", "ends_on"], note=source)
    return assignment


def plan_for(partner_id: int, on: date) -> CommissionPlan | None:
    """The plan in effect for a partner on a date."""
    assignment = (PlanAssignment.objects.filter(partner_id=partner_id, starts_on__lte=on)
                  .exclude(ends_on__lt=on).select_related("plan").order_by("-starts_on").first())
    return assignment.plan if assignment else None


def no_plan_warnings(*, registration) -> list[str]:
    """A sentence for each participant of a won deal that has no plan in force on its close date, so nothing was
    booked for it: what the person closing the deal is told (empty when every participant is on a plan)."""
    return [f"{participant.partner.name} has no commission plan in force on {registration.closed_on.isoformat()}: "
            "nothing was booked."
            for participant in registration.participants.select_related("partner").order_by("partner__name")
            if plan_for(participant.partner_id, registration.closed_on) is None]


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
    # The catalog names the product's family; the older product→family table still answers for the rest.
    family = (Product.objects.filter(name__iexact=product).exclude(family="").values_list("family", flat=True).first()
              or ProductFamily.objects.filter(product__iexact=product).values_list("family", flat=True).first())
    for override in overrides:
        if family and override.family and override.family.casefold() == family.casefold():
            return override.rate_percent, f"family {family}"
    return None


def _partner_discount(partner_id: int, on: date) -> Decimal | None:
    """The partner's discount % from its agreement in force on `on` (None without one): what a net-base plan
    deducts. Agreements sit below commissions, so this is a plain call, not a configurable look-up."""
    return agreements.discount_on(partner_id=partner_id, on=on)
