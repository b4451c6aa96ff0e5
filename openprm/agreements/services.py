"""Every change to agreements: publish template versions, draft from a template, send, sign, activate, renew or
expire, terminate, remind."""

import ipaddress
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from openprm.accounts.models import Role
from openprm.accounts.services import notify
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.money import plain_decimal
from openprm.lib.regions import COUNTRIES, Region
from openprm.partners.models import Partner
from openprm.programs.models import Tier

from .exceptions import AlreadySigned, InvalidAgreementTransition, NotAllowed, ValidationFailed
from .models import (
    TEMPLATE_CONTENT_FIELDS,
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTemplate,
    same_content,
)

Status = AgreementStatus

# Reminders go this many days before the notice date and before the end of the term.
NOTICE_REMINDER_DAYS = 30
EXPIRY_REMINDER_DAYS = 30

AUDIT_FIELDS = ["status", "kind", "template_version", "starts_on", "ends_on", "auto_renew", "notice_days",
                "territories", "segments", "products", "responsibilities_vendor", "responsibilities_partner",
                "discount_percent", "margin_percent", "payment_terms_days", "support_split", "ip_terms",
                "termination_terms", "commission_plan", "whitelabel", "whitelabel_terms", "signer_name",
                "termination_reason"]
# What a draft's author may set; the rest is the lifecycle's.
EDITABLE_FIELDS = ["kind", "starts_on", "ends_on", "auto_renew", "notice_days", "territories", "segments",
                   "products", "responsibilities_vendor", "responsibilities_partner", "discount_percent",
                   "margin_percent", "payment_terms_days", "support_split", "ip_terms", "termination_terms",
                   "commission_plan", "whitelabel", "whitelabel_terms"]
TEMPLATE_TEXT_FIELDS = ["responsibilities_vendor", "responsibilities_partner", "support_split", "ip_terms",
                        "termination_terms"]
REGION_CODES = {r.value for r in Region}


# ---------------------------------------------------------------- who may do what

def can_manage(actor, partner) -> bool:
    """Program admins and the partner's own channel manager draft, send and terminate its agreements."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def can_sign(actor, agreement: Agreement) -> bool:
    """Only a partner admin of the agreement's own partner signs it."""
    return (actor is not None and getattr(actor, "is_authenticated", False) and actor.role == Role.PARTNER_ADMIN
            and actor.partner_id == agreement.partner_id)


def _require_manager(actor, partner) -> None:
    if not can_manage(actor, partner):
        raise NotAllowed("Only program admins and the partner's channel manager manage its agreements.")


# ---------------------------------------------------------------- territories and tiers

def normalize_territory(code: str) -> str | None:
    """"us" → "US", "Europe" → "europe"; None when it is neither a country nor a region code."""
    code = (code or "").strip()
    if code.upper() in COUNTRIES:
        return code.upper()
    if code.lower() in REGION_CODES:
        return code.lower()
    return None


def expand_territories(codes) -> set[str]:
    """Country codes for a list of territories, region codes expanded to their countries."""
    countries = set()
    for code in codes:
        if code in COUNTRIES:
            countries.add(code)
        elif code in REGION_CODES:
            countries.update(c for c, (_, region) in COUNTRIES.items() if region == code)
    return countries


def active_territories(partner, on: date | None = None) -> set[str]:
    """The countries `partner` may sell in on `on` (default today), from its agreements in force then.

    Region codes are expanded to their countries. An empty set means no agreement in force names a
    territory, so there is nothing to check a registration against.
    """
    return territories_by_partner([partner.pk], on).get(partner.pk, set())


def territories_by_partner(partner_ids, on: date | None = None) -> dict[int, set[str]]:
    """`active_territories` for many partners in one query (lead routing weighs every active partner):
    partner id → countries; partners whose agreements in force name no territory are left out."""
    on = on or timezone.localdate()
    codes: dict[int, list[str]] = {}
    for partner_id, territories in (Agreement.objects.filter(partner_id__in=list(partner_ids)).in_force_on(on)
                                    .values_list("partner_id", "territories")):
        codes.setdefault(partner_id, []).extend(territories or [])
    expanded = {partner_id: expand_territories(found) for partner_id, found in codes.items()}
    return {partner_id: countries for partner_id, countries in expanded.items() if countries}


def discount_on(*, partner_id: int, on: date) -> Decimal | None:
    """The partner's discount % from its agreement in force on `on`; None when no agreement was in force.

    Commission plans on a net base earn on the deal value after this discount (commissions calls this).
    When several agreements were in force that day, the one that started last (then signed last) governs.
    """
    return (Agreement.objects.filter(partner_id=partner_id).in_force_on(on)
            .order_by("-starts_on", "-signed_at", "-pk").values_list("discount_percent", flat=True).first())


def tier_of(partner) -> Tier | None:
    """The partner's tier; untiered partners (or an unknown code) fall in the catch-all tier."""
    tier = Tier.objects.filter(code=partner.tier).first() if partner.tier else None
    return tier or Tier.objects.filter(top_percent__isnull=True).order_by("-rank").first()


def _fmt(value: Decimal) -> str:
    return plain_decimal(value)


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
    plan = str(base("commission_plan", "") or "").strip()
    if len(plan) > 200:
        errors["commission_plan"] = ["At most 200 characters."]
    clean["commission_plan"] = plan
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


# ---------------------------------------------------------------- templates

TEMPLATE_AUDIT_FIELDS = ["kind", "version", "active", *TEMPLATE_CONTENT_FIELDS]
# Texts an agreement takes from its template and must not be left without.
TEMPLATE_REQUIRED_TEXTS = {
    "title": "Give the template a title.",
    "body": "Write the standard terms.",
    "responsibilities_vendor": "Say what the vendor is responsible for.",
    "responsibilities_partner": "Say what the partner is responsible for.",
    "support_split": "Say who gives which level of support, e.g. “L1 partner; L2/L3 vendor”.",
    "ip_terms": "Write the intellectual property terms.",
    "termination_terms": "Write the termination terms.",
}
TEMPLATE_MAX_LENGTHS = {"title": 200, "support_split": 200}


def can_manage_templates(actor) -> bool:
    """Only program admins publish agreement template versions and switch them on or off."""
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.role == Role.ADMIN


def _require_template_admin(actor) -> None:
    if not can_manage_templates(actor):
        raise NotAllowed("Only program admins manage agreement templates.")


def _whole(value, field, errors, *, low, high, unit):
    try:
        number = int(value)
        if isinstance(value, bool) or str(number) != str(value).strip():
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = [f"Enter a whole number of {unit}."]
        return None
    if not low <= number <= high:
        errors[field] = [f"Enter a number of {unit} between {low} and {high}."]
        return None
    return number


def _clean_template(data: dict, base: AgreementTemplate | None) -> dict:
    """Validated content of a new version: `data` over `base`'s values. Raises ValidationFailed listing
    every field's problem at once."""
    unknown = set(data) - set(TEMPLATE_CONTENT_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={k: ["Unknown field."] for k in sorted(unknown)})
    errors: dict[str, list[str]] = {}

    def value(field):
        if field in data and data[field] is not None:
            return data[field]
        return getattr(base, field) if base is not None else None

    clean = {}
    for field, message in TEMPLATE_REQUIRED_TEXTS.items():
        raw = value(field)
        if raw is not None and not isinstance(raw, str):
            errors[field] = ["Enter text."]
            continue
        # Typed text is trimmed with Unix line ends (browsers send CRLF); text kept from `base` stays as it was.
        text = (raw or "").replace("\r\n", "\n").strip() if field in data else (raw or "")
        if not text.strip():
            errors[field] = [message]
        elif field in TEMPLATE_MAX_LENGTHS and len(text) > TEMPLATE_MAX_LENGTHS[field]:
            errors[field] = [f"At most {TEMPLATE_MAX_LENGTHS[field]} characters."]
        clean[field] = text
    months = _whole(value("default_term_months"), "default_term_months", errors, low=1, high=120, unit="months")
    notice = _whole(value("notice_days"), "notice_days", errors, low=0, high=3650, unit="days")
    if months is not None and notice is not None and notice >= months * 28:
        # The shortest term of `months` months (from 1 February) lasts at least 28 × months days.
        errors["notice_days"] = [f"The notice period must be shorter than the term: under {months * 28} days "
                                 f"for a {months}-month term."]
    payment = _whole(value("payment_terms_days"), "payment_terms_days", errors, low=0, high=365, unit="days")
    if errors:
        raise ValidationFailed("Please correct the template.", errors=errors)
    clean.update(default_term_months=months, notice_days=notice, payment_terms_days=payment)
    return clean


def _lock_kind(kind: str) -> list[AgreementTemplate]:
    """Every version of `kind`, locked, so two admins publishing at once get consecutive version numbers."""
    return list(AgreementTemplate.objects.select_for_update().filter(kind=kind).order_by("-version"))


def _deactivate_others(*, actor, template: AgreementTemplate, versions, note: str) -> None:
    for other in versions:
        if other.pk != template.pk and other.active:
            other.active = False
            other.save(update_fields=["active"])
            audit.record(actor=actor, action=Action.UPDATE, verb="agreement_template.deactivated", obj=other,
                         changes={"active": [True, False]}, note=note)


@transaction.atomic
def publish_template_version(*, actor, kind: str, data: dict) -> AgreementTemplate:
    """Version N+1 of `kind`'s template: the current version with `data`'s changes. It becomes the active
    version and the previous one is deactivated; existing versions are never edited, so agreements keep the
    wording they were made from. Program admins only."""
    _require_template_admin(actor)
    if kind not in AgreementKind.values:
        raise ValidationFailed("Unknown agreement kind.",
                               errors={"kind": [f"Choose one of: {', '.join(AgreementKind.values)}."]})
    versions = _lock_kind(kind)
    base = next((t for t in versions if t.active), versions[0] if versions else None)
    clean = _clean_template(dict(data or {}), base)
    if base is not None and all(same_content(getattr(base, field), clean[field]) for field in TEMPLATE_CONTENT_FIELDS):
        raise ValidationFailed(f"Nothing changed: this would repeat version {base.version}. Change at least one "
                               f"field to publish a new version.", errors={})
    number = (versions[0].version + 1) if versions else 1
    template = AgreementTemplate(kind=kind, version=number, active=False, created_by=actor, **clean)
    template.save()
    replaced = f"replaced by version {number}"
    _deactivate_others(actor=actor, template=template, versions=versions, note=replaced)
    template.active = True
    template.save(update_fields=["active"])
    audit.record_create(actor=actor, obj=template, verb="agreement_template.published", fields=TEMPLATE_AUDIT_FIELDS,
                        note=f"from version {base.version}" if base is not None else "first version")
    return template


@transaction.atomic
def set_template_active(*, actor, template: AgreementTemplate, active: bool) -> AgreementTemplate:
    """Switch a version on (new agreements of its kind are made from it; any other active version of the kind
    is switched off) or off (no new agreements of the kind until a version is switched on). Program admins only."""
    _require_template_admin(actor)
    if not isinstance(active, bool):
        raise ValidationFailed("Answer true or false.", errors={"active": ["Answer true or false."]})
    versions = _lock_kind(template.kind)
    template = next(t for t in versions if t.pk == template.pk)
    if template.active == active:
        return template
    if active:
        _deactivate_others(actor=actor, template=template, versions=versions,
                           note=f"version {template.version} switched on")
    template.active = active
    template.save(update_fields=["active"])
    audit.record(actor=actor, action=Action.UPDATE, verb="agreement_template." + ("activated" if active else
                                                                                  "deactivated"),
                 obj=template, changes={"active": [not active, active]})
    return template


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


# ---------------------------------------------------------------- lifecycle

def _locked(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("partner", "template").get(pk=agreement.pk)


def _transition(*, actor, agreement: Agreement, verb: str, note: str = "", ip_address=None, **fields) -> Agreement:
    before = audit.snapshot(agreement, AUDIT_FIELDS)
    for field, value in fields.items():
        setattr(agreement, field, value)
    agreement.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=agreement, partner=agreement.partner,
                 changes=audit.diff(before, audit.snapshot(agreement, AUDIT_FIELDS)), note=note,
                 ip_address=ip_address)
    return agreement


@transaction.atomic
def send(*, actor, agreement: Agreement) -> Agreement:
    """Draft → sent: the partner's admins are asked to sign it in the portal."""
    agreement = _locked(agreement)
    _require_manager(actor, agreement.partner)
    if agreement.status != Status.DRAFT:
        raise InvalidAgreementTransition(
            f"Only drafts can be sent; this agreement is {agreement.get_status_display().lower()}.")
    if agreement.ends_on < timezone.localdate():
        raise ValidationFailed("The term is already over.", errors={"ends_on": ["The end date has passed."]})
    _transition(actor=actor, agreement=agreement, verb="agreement.sent", status=Status.SENT, sent_at=timezone.now())
    _notify_partner(agreement, "sent")
    return agreement


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


@transaction.atomic
def sign(*, actor, agreement: Agreement, signer_name: str, ip_address: str | None = None,
         today: date | None = None) -> Agreement:
    """The partner admin signs with their typed name; time, user and IP are kept.

    The agreement becomes active at once when its term has started, else signed until its start date.
    """
    agreement = _locked(agreement)
    if not can_sign(actor, agreement):
        raise NotAllowed("Only a partner admin of this partner can sign its agreement.")
    if agreement.signed_at is not None:
        raise AlreadySigned(f"This agreement was already signed by {agreement.signer_name} "
                            f"on {timezone.localtime(agreement.signed_at):%Y-%m-%d}.")
    if agreement.status != Status.SENT:
        raise InvalidAgreementTransition(
            f"Only agreements sent for signature can be signed; this one is {agreement.get_status_display().lower()}.")
    name = " ".join((signer_name or "").split())
    if not name:
        raise ValidationFailed("Type your full name to sign.", errors={"signer_name": ["Type your full name to sign."]})
    if len(name) > 150:
        raise ValidationFailed("The name is too long.", errors={"signer_name": ["At most 150 characters."]})
    today = today or timezone.localdate()
    if agreement.ends_on < today:
        raise ValidationFailed("The agreement's term is already over; ask your channel manager for a new one.",
                               errors={"ends_on": ["The end date has passed."]})
    now = timezone.now()
    starts = agreement.starts_on <= today
    _transition(actor=actor, agreement=agreement, verb="agreement.signed", ip_address=_valid_ip(ip_address),
                note=f"signed by {name}", status=Status.ACTIVE if starts else Status.SIGNED, signed_at=now,
                signed_by=actor, signer_name=name, signer_ip=_valid_ip(ip_address),
                activated_at=now if starts else None)
    _notify_manager(agreement, "signed")
    return agreement


@transaction.atomic
def terminate(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """End an agreement before its term is over (or withdraw a draft or unsigned one); the reason is required."""
    agreement = _locked(agreement)
    _require_manager(actor, agreement.partner)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason for the termination.", errors={"reason": ["Give the reason."]})
    if agreement.is_final:
        raise InvalidAgreementTransition(
            f"This agreement has already ended ({agreement.get_status_display().lower()}).")
    _transition(actor=actor, agreement=agreement, verb="agreement.terminated", note=reason,
                status=Status.TERMINATED, terminated_at=timezone.now(), terminated_on=timezone.localdate(),
                terminated_by=actor, termination_reason=reason)
    _notify_partner(agreement, "terminated")
    return agreement


# ---------------------------------------------------------------- scheduled

def activate_due(*, today: date | None = None) -> int:
    """Signed agreements whose start date has come become active."""
    today = today or timezone.localdate()
    count = 0
    due = Agreement.objects.filter(status=Status.SIGNED, starts_on__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=pk)
            if agreement.status != Status.SIGNED or agreement.starts_on > today:
                continue
            _transition(actor="system", agreement=agreement, verb="agreement.activated", status=Status.ACTIVE,
                        activated_at=timezone.now(), note=f"term started {agreement.starts_on}")
            count += 1
    return count


def _next_term(agreement: Agreement) -> tuple[date, date]:
    """The next term: it starts the day after this one ends and is as long (whole months when they are)."""
    starts = agreement.ends_on + timedelta(days=1)
    for months in range(1, 121):
        if default_end(agreement.starts_on, months) == agreement.ends_on:
            return starts, default_end(starts, months)
    return starts, starts + (agreement.ends_on - agreement.starts_on)


def end_due(*, today: date | None = None) -> dict[str, int]:
    """Agreements whose term is over (ends_on before today): auto-renewing ones are renewed — the next term
    is a new active agreement pointing back at this one — and the others expire."""
    today = today or timezone.localdate()
    counts = {"renewed": 0, "expired": 0}
    due = Agreement.objects.filter(status__in=[Status.ACTIVE, Status.SIGNED], ends_on__lt=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner", "template").get(pk=pk)
            if agreement.status not in (Status.ACTIVE, Status.SIGNED) or agreement.ends_on >= today:
                continue
            if agreement.auto_renew:
                _renew(agreement)
                counts["renewed"] += 1
            else:
                _transition(actor="system", agreement=agreement, verb="agreement.expired", status=Status.EXPIRED,
                            ended_at=timezone.now(), note=f"term ended {agreement.ends_on}")
                _notify_partner(agreement, "expired")
                counts["expired"] += 1
    return counts


def _renew(agreement: Agreement) -> Agreement:
    starts, ends = _next_term(agreement)
    copied = {field: getattr(agreement, field) for field in EDITABLE_FIELDS if field not in ("starts_on", "ends_on")}
    now = timezone.now()
    renewal = Agreement.objects.create(
        partner=agreement.partner, template=agreement.template, template_version=agreement.template_version,
        starts_on=starts, ends_on=ends, status=Status.ACTIVE, renewed_from=agreement,
        # The renewal continues the signed agreement: same signature, carried over.
        signed_at=agreement.signed_at, signed_by=agreement.signed_by, signer_name=agreement.signer_name,
        signer_ip=agreement.signer_ip, sent_at=agreement.sent_at, activated_at=now, **copied)
    _transition(actor="system", agreement=agreement, verb="agreement.renewed", status=Status.RENEWED, ended_at=now,
                note=f"renewed as #{renewal.pk} for {starts} – {ends}")
    audit.record_create(actor="system", obj=renewal, verb="agreement.created", partner=agreement.partner,
                        fields=AUDIT_FIELDS, note=f"automatic renewal of #{agreement.pk}")
    _notify_partner(renewal, "renewed")
    _notify_manager(renewal, "renewed")
    return renewal


def send_reminders(*, today: date | None = None) -> int:
    """Remind the partner's admins and its channel manager before the notice date and before the end of the
    term; each reminder goes once per agreement."""
    today = today or timezone.localdate()
    sent = 0
    candidates = Agreement.objects.filter(status__in=[Status.ACTIVE, Status.SIGNED], ends_on__gte=today)
    for agreement in candidates.only("pk", "ends_on", "notice_days", "notice_reminder_sent_on",
                                     "expiry_reminder_sent_on"):
        due = []
        if agreement.notice_reminder_sent_on is None and \
                agreement.notice_date - timedelta(days=NOTICE_REMINDER_DAYS) <= today <= agreement.notice_date:
            due.append("notice")
        if agreement.expiry_reminder_sent_on is None and \
                agreement.ends_on - timedelta(days=EXPIRY_REMINDER_DAYS) <= today <= agreement.ends_on:
            due.append("expiry")
        for which in due:
            with transaction.atomic():
                # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the manager's outer join.
                locked = (Agreement.objects.select_for_update(of=("self",))
                          .select_related("partner", "partner__manager").get(pk=agreement.pk))
                flag = f"{which}_reminder_sent_on"
                if getattr(locked, flag) is not None or locked.status not in (Status.ACTIVE, Status.SIGNED):
                    continue
                setattr(locked, flag, today)
                locked.save(update_fields=[flag])
                note = f"notice date {locked.notice_date}" if which == "notice" else f"ends {locked.ends_on}"
                audit.record(actor="system", action=Action.UPDATE, verb=f"agreement.{which}_reminder", obj=locked,
                             partner=locked.partner, note=note)
                _notify_partner(locked, f"{which}_reminder")
                _notify_manager(locked, f"{which}_reminder")
                sent += 1
    return sent


# ---------------------------------------------------------------- notifications

_SUBJECTS = {
    "sent": "Please sign your {kind} agreement",
    "signed": "{partner} signed its {kind} agreement",
    "terminated": "Your {kind} agreement was terminated",
    "expired": "Your {kind} agreement has expired",
    "renewed": "The {kind} agreement of {partner} renewed for another term",
    "notice_reminder": "Notice date coming up for the {kind} agreement of {partner}",
    "expiry_reminder": "The {kind} agreement of {partner} ends soon",
}


def _subject(agreement: Agreement, event: str) -> str:
    return _SUBJECTS[event].format(kind=agreement.get_kind_display().lower(), partner=agreement.partner.name)


def _notify_partner(agreement: Agreement, event: str) -> None:
    """Tell the agreement's own partner admins (never another partner's people)."""
    admins = agreement.partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True)
    notify(users=list(admins), subject=_subject(agreement, event), template="agreements/email/agreement_event.txt",
           context={"agreement": agreement, "event": event, "side": "partner"},
           url=f"/portal/agreements/{agreement.pk}/")


def _notify_manager(agreement: Agreement, event: str) -> None:
    manager = agreement.partner.manager
    if manager is not None:
        notify(users=[manager], subject=_subject(agreement, event), template="agreements/email/agreement_event.txt",
               context={"agreement": agreement, "event": event, "side": "vendor"},
               url=f"/console/agreements/{agreement.pk}/")
