"""A partner's profile, branding and logo, and its contacts."""

import io

from django.core.files.base import ContentFile
from django.db import transaction

from openprm.accounts.models import Role, User
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.regions import country_defaults
from openprm.lib.text import InvalidDomain, parse_domain

from ..exceptions import Conflict, NotAllowed, ValidationFailed
from ..models import (
    Contact,
    Partner,
    PartnerType,
    PartnerTypeCode,
    Specialization,
    Stage,
    StageChange,
)
from .common import AUDIT_FIELDS, PARTNER_EDITABLE_FIELDS, VENDOR_EDITABLE_FIELDS, _full_clean, can_edit_profile


def _partner_snapshot(partner: Partner) -> dict:
    snap = audit.snapshot(partner, [f for f in AUDIT_FIELDS if f not in ("types", "specializations", "manager")])
    snap["manager"] = partner.manager_id
    if partner.pk:
        snap["types"] = partner.type_codes
        snap["specializations"] = sorted(s.name for s in partner.specializations.all())
    return snap


def _clean_types(types) -> list[str]:
    codes = sorted(set(types or []))
    bad = [c for c in codes if c not in PartnerTypeCode.values]
    if bad:
        raise ValidationFailed("Unknown partner type.", errors={
            "types": [f"Unknown type {', '.join(map(str, bad))}; choose from {', '.join(PartnerTypeCode.values)}."]
        })
    if not codes:
        raise ValidationFailed("Choose at least one partner type.", errors={"types": ["Choose at least one type."]})
    return codes


def _clean_manager(manager):
    if manager is None or isinstance(manager, User):
        user = manager
    else:
        user = User.objects.filter(pk=manager).first()
        if user is None:
            raise ValidationFailed("Unknown manager.", errors={"manager": ["No such user."]})
    if user is not None and (user.role != Role.CHANNEL_MANAGER or not user.is_active):
        raise ValidationFailed("The owner must be an active channel manager.",
                               errors={"manager": ["Choose an active channel manager."]})
    return user


def _apply_fields(partner: Partner, data: dict, allowed: list[str]) -> None:
    unknown = set(data) - set(allowed) - {"types", "specializations"}
    if unknown:
        raise ValidationFailed("These fields cannot be set.", errors={k: ["Cannot be changed."] for k in unknown})
    for field, value in data.items():
        if field in ("types", "specializations"):
            continue
        if field == "manager":
            partner.manager = _clean_manager(value)
        elif field in ("domain", "brand_domain"):
            try:
                domain = parse_domain(value or "")
            except InvalidDomain as exc:
                raise ValidationFailed("Invalid domain.", errors={field: [exc.message]}) from exc
            setattr(partner, field, domain)
        elif field == "country":
            partner.country = (value or "").upper()
        elif field == "languages":
            if not isinstance(value, list) or not all(isinstance(v, str) and 2 <= len(v) <= 3 for v in value):
                raise ValidationFailed("Invalid languages.", errors={"languages": ["Give ISO 639-1 codes."]})
            partner.languages = [v.lower() for v in value]
        else:
            setattr(partner, field, value if value is not None else "")


def _set_relations(partner: Partner, data: dict) -> None:
    if "types" in data:
        partner.types.set(PartnerType.objects.filter(code__in=data["types"]))
    if "specializations" in data:
        names = sorted({(n or "").strip() for n in data["specializations"] if (n or "").strip()})
        specs = [Specialization.objects.get_or_create(name=n[:80])[0] for n in names]
        partner.specializations.set(specs)


@transaction.atomic
def create_partner(*, actor, data: dict, source: str = "vendor") -> Partner:
    """Add a partner in Identification (vendor staff) or Qualification (public applications); its time zone
    and currency default from its country."""
    if actor is not None and actor.role not in (Role.ADMIN, Role.CHANNEL_MANAGER):
        raise NotAllowed("Only program admins and channel managers add partners.")
    data = dict(data)
    data["types"] = _clean_types(data.get("types"))
    if actor is not None and actor.role == Role.CHANNEL_MANAGER and not data.get("manager"):
        data["manager"] = actor  # a channel manager who adds a partner owns it
    stage = Stage.QUALIFICATION if source == "application" else Stage.IDENTIFICATION
    partner = Partner(stage=stage, source=source)
    _apply_fields(partner, data, VENDOR_EDITABLE_FIELDS if actor is not None else PARTNER_EDITABLE_FIELDS)
    # A time zone and currency not given default from the country, not to UTC and USD for everyone.
    defaults = country_defaults(partner.country)
    if not data.get("time_zone"):
        partner.time_zone = defaults["time_zone"]
    if not data.get("roi_currency"):
        partner.roi_currency = defaults["currency"]
    _full_clean(partner)
    if partner.domain and Partner.objects.filter(domain=partner.domain).exclude(stage=Stage.TERMINATED).exists():
        raise Conflict("A partner with this domain already exists.", errors={"domain": ["Already used by a partner."]})
    partner.save()
    _set_relations(partner, data)
    StageChange.objects.create(partner=partner, from_stage="", to_stage=stage, actor=actor,
                               note="Application received" if source == "application" else "")
    audit.record(actor=actor or "public", action=Action.CREATE, verb="partner.created", obj=partner,
                 partner=partner, changes={k: [None, v] for k, v in _partner_snapshot(partner).items()
                                           if v not in (None, "", [], False)})
    return partner


@transaction.atomic
def update_partner(*, actor, partner: Partner, data: dict) -> Partner:
    """Edit a partner's profile; partner admins may change only their own profile and branding fields."""
    if not can_edit_profile(actor, partner):
        raise NotAllowed("You may not edit this partner.")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    allowed = VENDOR_EDITABLE_FIELDS if actor.is_vendor else PARTNER_EDITABLE_FIELDS
    data = dict(data)
    if "types" in data:
        if not actor.is_vendor:
            raise ValidationFailed("Types are set by the vendor.", errors={"types": ["Cannot be changed."]})
        data["types"] = _clean_types(data["types"])
    if "specializations" in data and not isinstance(data["specializations"], list):
        raise ValidationFailed("Invalid specializations.", errors={"specializations": ["Give a list of names."]})
    before = _partner_snapshot(partner)
    _apply_fields(partner, data, allowed)
    _full_clean(partner)
    if partner.domain and Partner.objects.filter(domain=partner.domain).exclude(pk=partner.pk).exclude(
        stage=Stage.TERMINATED
    ).exists():
        raise Conflict("Another partner already uses this domain.", errors={"domain": ["Already used."]})
    partner.save()
    _set_relations(partner, data)
    changes = audit.diff(before, _partner_snapshot(partner))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="partner.updated", obj=partner, partner=partner,
                     changes=changes)
    return partner


# Logos are raster images only: an SVG is a document that can carry script (issue 8, item 4).
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096  # a small file can decode to a huge image (a "decompression bomb")
LOGO_TYPES_TEXT = "Use a PNG, JPEG or WebP image."


def _re_encoded_logo(upload) -> tuple[bytes, str]:
    """The upload decoded and encoded afresh (bytes, extension); ValidationFailed unless it is a PNG, JPEG or
    WebP image — decided by its content, never by its name or the browser's content type.

    Re-encoding keeps only pixels: whatever an upload carries besides them (metadata, bytes after the image
    end, a second file format in the same bytes) is not written.
    """
    from PIL import Image, UnidentifiedImageError

    def refuse(message):
        return ValidationFailed("Logo not accepted.", errors={"brand_logo": [message]})

    data = upload.read()
    try:
        with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as probe:
            kind, (width, height) = probe.format, probe.size
            if width * height > LOGO_MAX_PIXELS:
                raise refuse(f"The logo must be at most {LOGO_MAX_PIXELS:,} pixels (4096 × 4096).")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            image.load()
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            elif kind != "JPEG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
            image.save(out, format=kind, **options)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse(LOGO_TYPES_TEXT) from None
    return out.getvalue(), LOGO_FORMATS[kind]


@transaction.atomic
def set_brand_logo(*, actor, partner: Partner, upload) -> Partner:
    """Replace the partner's logo with a re-encoded PNG, JPEG or WebP image of at most 1 MB (see
    `_re_encoded_logo`); the stored file is named by its real type, `logos/partner-<id>.<png|jpg|webp>`, which
    is what `openprm.lib.security.serve_media` shows inline."""
    if not can_edit_profile(actor, partner):
        raise NotAllowed("You may not edit this partner.")
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationFailed("Logo too large.", errors={"brand_logo": ["The logo must be at most 1 MB."]})
    content, extension = _re_encoded_logo(upload)
    old = partner.brand_logo.name
    if old:
        partner.brand_logo.delete(save=False)  # the new file takes its name, not a suffixed copy of it
    partner.brand_logo.save(f"partner-{partner.pk}.{extension}", ContentFile(content), save=True)
    audit.record(actor=actor, action=Action.UPDATE, verb="partner.logo_changed", obj=partner, partner=partner,
                 changes={"brand_logo": [old, partner.brand_logo.name]})
    return partner


# ---------------------------------------------------------------- contacts

CONTACT_FIELDS = ["name", "email", "phone", "job_title", "is_primary"]


def _check_contact_editor(actor, partner):
    if not can_edit_profile(actor, partner):
        raise NotAllowed("You may not change this partner's contacts.")


@transaction.atomic
def save_contact(*, actor, partner: Partner, data: dict, contact: Contact | None = None) -> Contact:
    """Add a contact, or edit one; a new primary contact demotes the previous one."""
    _check_contact_editor(actor, partner)
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={k: ["Unknown field."] for k in unknown})
    creating = contact is None
    contact = contact or Contact(partner=partner)
    before = audit.snapshot(contact, CONTACT_FIELDS)
    for field, value in data.items():
        setattr(contact, field, value if value is not None else "")
    _full_clean(contact, exclude=["partner"])
    if contact.is_primary:
        Contact.objects.filter(partner=partner, is_primary=True).exclude(pk=contact.pk).update(is_primary=False)
    contact.save()
    after = audit.snapshot(contact, CONTACT_FIELDS)
    audit.record(actor=actor, action=Action.CREATE if creating else Action.UPDATE,
                 verb="contact.created" if creating else "contact.updated", obj=contact, partner=partner,
                 changes=audit.diff({} if creating else before, after))
    return contact


@transaction.atomic
def delete_contact(*, actor, contact: Contact) -> None:
    """Remove a contact; the audit event keeps what it said."""
    _check_contact_editor(actor, contact.partner)
    audit.record(actor=actor, action=Action.DELETE, verb="contact.deleted", obj=contact, partner=contact.partner,
                 changes={k: [v, None] for k, v in audit.snapshot(contact, CONTACT_FIELDS).items()})
    contact.delete()

