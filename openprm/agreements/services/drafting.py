"""What a draft may say (input cleaning against the partner, its tier and the template) and creating
and editing drafts."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.partners.models import Partner

from ..exceptions import InvalidAgreementTransition, ValidationFailed
from ..models import (
    Agreement,
    AgreementKind,
    AgreementTemplate,
)
from .common import AUDIT_FIELDS, EDITABLE_FIELDS, REGION_CODES, TEMPLATE_TEXT_FIELDS, Status, _locked, _require_manager
from .facts import _fmt, normalize_territory, tier_of

# ---------------------------------------------------------------- input

def _date(value, field, errors):
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors[field] = ["Enter a date (YYYY-MM-DD)."]
    return None


def _int(value, field, errors, *, low=0, high=3650):
    try:
        number = int(value)
        if isinstance(value, bool) or str(number) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = ["Enter a whole number of days."]
        return None
    if not low <= number <= high:
        errors[field] = [f"Enter a number between {low} and {high}."]
        return None
    return number


def _percent(value, field, errors):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = ["Enter a percentage such as 25 or 22.5."]
        return None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        errors[field] = ["Enter a percentage between 0 and 100."]
        return None
    if number != number.quantize(Decimal("0.01")):
        errors[field] = ["Use at most two decimal places."]
        return None
    return number.quantize(Decimal("0.01"))


def _strings(value, field, errors, *, max_length=100) -> list[str] | None:
    if isinstance(value, str):
        value = [part for part in value.replace("\n", ",").split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors[field] = ["Give a list of names."]
        return None
    seen, result = set(), []
    for item in (v.strip() for v in value):
        if item and item.casefold() not in seen:
            if len(item) > max_length:
                errors[field] = [f"Each entry has at most {max_length} characters."]
                return None
            seen.add(item.casefold())
            result.append(item)
    return result


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 exists in every month


def default_end(starts_on: date, months: int) -> date:
    """The last day of a term of `months` months starting on `starts_on`."""
    return _add_months(starts_on, months) - timedelta(days=1)


def _clean(data: dict, *, partner: Partner, current: Agreement | None = None) -> dict:
    """Validated values for an agreement of `partner`: `data` over the current values (update) or the
    template's defaults (create). Raises ValidationFailed with every field's problem at once."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={k: ["Unknown field."] for k in sorted(unknown)})

    kind = data.get("kind", current.kind if current else None)
    template = None
    if kind not in AgreementKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(AgreementKind.values)}."]
    elif current is not None and kind == current.kind:
        template = current.template
    else:
        template = AgreementTemplate.current(kind)
        if template is None:
            errors["kind"] = [f"There is no active {AgreementKind(kind).label.lower()} agreement template."]

    def base(field, template_default=None):
        if field in data and data[field] is not None:
            return data[field]
        if current is not None:
            return getattr(current, field)
        return template_default

    clean: dict = {}
    starts_on = _date(base("starts_on"), "starts_on", errors) if base("starts_on") else None
    if starts_on is None and "starts_on" not in errors:
        errors["starts_on"] = ["Enter the start date."]
    ends_raw = base("ends_on")
    ends_on = None
    if ends_raw:
        ends_on = _date(ends_raw, "ends_on", errors)
    elif starts_on and template:
        ends_on = default_end(starts_on, template.default_term_months)
    elif "starts_on" not in errors and template:
        errors["ends_on"] = ["Enter the end date."]
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = ["The agreement must end after it starts."]
    clean["starts_on"], clean["ends_on"] = starts_on, ends_on

    notice = _int(base("notice_days", template.notice_days if template else 60), "notice_days", errors)
    if notice is not None and starts_on and ends_on and "ends_on" not in errors \
            and notice > (ends_on - starts_on).days:
        errors["notice_days"] = ["The notice period must be shorter than the term."]
    clean["notice_days"] = notice
    clean["payment_terms_days"] = _int(base("payment_terms_days", template.payment_terms_days if template else 30),
                                       "payment_terms_days", errors, high=365)

    raw_territories = base("territories", [])
    territories = _strings(raw_territories, "territories", errors)
    if territories is not None:
        bad = [t for t in territories if normalize_territory(t) is None]
        if bad:
            errors["territories"] = [f"Unknown territory: {', '.join(bad)}. Use ISO country codes such as US or "
                                     f"DE, or regions: {', '.join(sorted(REGION_CODES))}."]
        else:
            territories = list(dict.fromkeys(normalize_territory(t) for t in territories))
    clean["territories"] = territories
    clean["segments"] = _strings(base("segments", []), "segments", errors)
    clean["products"] = _strings(base("products", []), "products", errors)

    tier = tier_of(partner)
    discount_raw = base("discount_percent", tier.discount_min if tier else Decimal(0))
    discount = _percent(discount_raw, "discount_percent", errors)
    if discount is not None and tier is not None and not tier.discount_min <= discount <= tier.discount_max:
        errors["discount_percent"] = [
            f"The discount must lie within the {tier.name} tier range of {_fmt(tier.discount_min)}–"
            f"{_fmt(tier.discount_max)}%."]
    clean["discount_percent"] = discount
    margin_raw = base("margin_percent")
    clean["margin_percent"] = None if margin_raw in (None, "") else _percent(margin_raw, "margin_percent", errors)

    for field in TEMPLATE_TEXT_FIELDS:
        default = getattr(template, field) if template else ""
        if current is not None and template is not None and template.pk != current.template_id \
                and field not in data:
            value = default  # a new kind brings its template's standard text
        else:
            value = base(field, default)
        value = "" if value is None else str(value).strip()
        if field == "support_split" and len(value) > 200:
            errors[field] = ["At most 200 characters."]
        clean[field] = value
    if not clean["support_split"]:
        errors["support_split"] = ["Say who gives which level of support, e.g. “L1 partner; L2/L3 vendor”."]
    # An explicit None clears the plan; leaving the field out keeps the draft's (or none on a new draft).
    raw_plan = data["commission_plan"] if "commission_plan" in data else (
        current.commission_plan if current is not None else None)
    clean["commission_plan"] = _commission_plan(raw_plan, errors)
    for field in ("auto_renew", "whitelabel"):
        value = base(field, False)
        if not isinstance(value, bool):
            errors[field] = ["Answer true or false."]
        clean[field] = bool(value)
    clean["whitelabel_terms"] = str(base("whitelabel_terms", "") or "").strip()
    if clean["whitelabel"] and not clean["whitelabel_terms"] and "whitelabel_terms" in data:
        errors["whitelabel_terms"] = ["Say what the partner may brand as its own."]

    if errors:
        raise ValidationFailed("Please correct the agreement.", errors=errors)
    clean["kind"], clean["template"], clean["template_version"] = kind, template, template.version
    return clean


def commission_plans():
    """Every commission plan an agreement may name, by name.

    The plan model belongs to commissions, which builds on agreements: it is reached through the agreement's
    own foreign key instead of an import (scripts/check_layers.py).
    """
    return Agreement._meta.get_field("commission_plan").related_model.objects.order_by("name")


def _commission_plan(value, errors):
    """The plan named by an id (API) or a plan (form); None for no plan."""
    if value in (None, ""):
        return None
    plans = commission_plans()
    if isinstance(value, plans.model):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        errors["commission_plan"] = ["Give the id of a commission plan."]
        return None
    # An id past the database's integer range names no plan (and must not reach the query).
    plan = plans.filter(pk=int(value)).first() if int(value) < 2 ** 31 else None
    if plan is None:
        errors["commission_plan"] = ["There is no commission plan with this id."]
    return plan


# ---------------------------------------------------------------- drafting

@transaction.atomic
def create_agreement(*, actor, partner: Partner, data: dict) -> Agreement:
    """A draft agreement for `partner` from the active template of its kind."""
    _require_manager(actor, partner)
    clean = _clean(dict(data), partner=partner)
    agreement = Agreement.objects.create(partner=partner, created_by=actor, **clean)
    audit.record_create(actor=actor, obj=agreement, verb="agreement.created", partner=partner,
                        fields=AUDIT_FIELDS, note=f"from {agreement.template}")
    return agreement


@transaction.atomic
def update_agreement(*, actor, agreement: Agreement, data: dict) -> Agreement:
    """Change a draft; once sent, an agreement's terms are fixed."""
    agreement = _locked(agreement)
    _require_manager(actor, agreement.partner)
    if agreement.status != Status.DRAFT:
        raise InvalidAgreementTransition(
            f"Only drafts can be edited; this agreement is {agreement.get_status_display().lower()}.")
    clean = _clean(dict(data), partner=agreement.partner, current=agreement)
    before = audit.snapshot(agreement, AUDIT_FIELDS)
    for field, value in clean.items():
        setattr(agreement, field, value)
    agreement.save()
    changes = audit.diff(before, audit.snapshot(agreement, AUDIT_FIELDS))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="agreement.updated", obj=agreement,
                     partner=agreement.partner, changes=changes)
    return agreement

