"""Agreement templates: publishing versions and choosing the active one (program admins)."""


from django.db import transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.formatting import article

from ..exceptions import NotAllowed, ValidationFailed
from ..models import (
    TEMPLATE_CONTENT_FIELDS,
    AgreementKind,
    AgreementTemplate,
    same_content,
)

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
                                 f"for {article(f'{months}-month term')}."]
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

