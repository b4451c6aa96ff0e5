"""Every change to partners: profile, lifecycle stage, contacts, scorecard, onboarding, applications."""

import io
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from openprm.accounts.models import Role, User
from openprm.accounts.services import send_email_on_commit
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.errors import field_errors_from_django
from openprm.lib.text import InvalidDomain, normalize_domain, parse_domain

from .exceptions import Conflict, InvalidStageTransition, NotAllowed, ValidationFailed
from .models import (
    DEVELOPMENT_STAGES,
    Contact,
    OnboardingTask,
    OnboardingTemplate,
    Partner,
    PartnerType,
    PartnerTypeCode,
    ScorecardCriterion,
    ScorecardScore,
    Specialization,
    Stage,
    StageChange,
)

# What a partner admin may edit about its own organisation; the rest is the vendor's to set.
PARTNER_EDITABLE_FIELDS = [
    "name", "legal_name", "country", "time_zone", "languages", "website", "domain", "description",
    "locator_opt_in", "brand_name", "brand_primary_color", "brand_secondary_color", "support_email",
    "brand_domain",
]
VENDOR_EDITABLE_FIELDS = PARTNER_EDITABLE_FIELDS + ["manager", "reference_checks", "roi_projection", "roi_currency"]
AUDIT_FIELDS = VENDOR_EDITABLE_FIELDS + ["stage", "tier", "types", "specializations"]


def can_edit_profile(actor, partner) -> bool:
    """Program admins, the partner's channel manager and the partner's own admin edit its profile."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.CHANNEL_MANAGER:
        return partner.pk is None or partner.manager_id == actor.pk
    return actor.role == Role.PARTNER_ADMIN and actor.partner_id == partner.pk


def can_manage_lifecycle(actor, partner) -> bool:
    """Only vendor staff who own the relationship move stages, score and run onboarding."""
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationFailed("Please correct the errors below.", errors=field_errors_from_django(exc)) from None


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
    """Add a partner in Identification (vendor staff) or Qualification (public applications)."""
    if actor is not None and actor.role not in (Role.ADMIN, Role.CHANNEL_MANAGER):
        raise NotAllowed("Only program admins and channel managers add partners.")
    data = dict(data)
    data["types"] = _clean_types(data.get("types"))
    if actor is not None and actor.role == Role.CHANNEL_MANAGER and not data.get("manager"):
        data["manager"] = actor  # a channel manager who adds a partner owns it
    stage = Stage.QUALIFICATION if source == "application" else Stage.IDENTIFICATION
    partner = Partner(stage=stage, source=source)
    _apply_fields(partner, data, VENDOR_EDITABLE_FIELDS if actor is not None else PARTNER_EDITABLE_FIELDS)
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


# ---------------------------------------------------------------- lifecycle

def allowed_next_stages(partner: Partner) -> list[str]:
    """Where the partner may go from its stage: the next development stage, reinstatement, or an exit."""
    stage = partner.stage
    if stage == Stage.TERMINATED:
        return []
    if stage == Stage.SUSPENDED:
        return [partner.stage_before_suspension or Stage.ACTIVE, Stage.TERMINATED]
    moves = []
    index = DEVELOPMENT_STAGES.index(stage)
    if index + 1 < len(DEVELOPMENT_STAGES):
        moves.append(DEVELOPMENT_STAGES[index + 1])
    if index > 0:
        moves.append(DEVELOPMENT_STAGES[index - 1])  # e.g. negotiation fell through: back to qualification
    return moves + [Stage.SUSPENDED, Stage.TERMINATED]


@transaction.atomic
def change_stage(*, actor, partner: Partner, stage: str, note: str = "") -> Partner:
    """Move a partner along its development stages, or suspend/terminate it (a reason is required)."""
    if not can_manage_lifecycle(actor, partner):
        raise NotAllowed("Only the partner's channel manager or a program admin changes its stage.")
    if stage not in Stage.values:
        raise ValidationFailed("Unknown stage.", errors={"stage": [f"Choose one of: {', '.join(Stage.values)}."]})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    note = (note or "").strip()
    if stage not in allowed_next_stages(partner):
        raise InvalidStageTransition(
            f"A partner in {partner.get_stage_display()} cannot move to {Stage(stage).label}.",
            errors={"stage": [f"Allowed: {', '.join(allowed_next_stages(partner)) or 'none'}."]},
        )
    if stage in (Stage.SUSPENDED, Stage.TERMINATED) and not note:
        raise ValidationFailed("Give the reason.", errors={"note": ["A reason is required to suspend or terminate."]})
    previous = partner.stage
    now = timezone.now()
    if stage == Stage.SUSPENDED:
        partner.stage_before_suspension = previous
    partner.status_reason = note if stage in (Stage.SUSPENDED, Stage.TERMINATED) else ""
    partner.stage, partner.stage_entered_at = stage, now
    partner.save(update_fields=["stage", "stage_entered_at", "stage_before_suspension", "status_reason",
                                "updated_at"])
    StageChange.objects.create(partner=partner, from_stage=previous, to_stage=stage, note=note, actor=actor,
                               changed_at=now)
    audit.record(actor=actor, action=Action.TRANSITION, verb="partner.stage_changed", obj=partner,
                 partner=partner, changes={"stage": [previous, stage]}, note=note)
    if stage == Stage.ONBOARDING and not partner.onboarding_tasks.exists():
        start_onboarding(actor=actor, partner=partner)
    _notify_partner_admins(partner, subject=f"{partner.name} is now {partner.get_stage_display()}",
                           template="partners/email/stage_changed.txt", context={"note": note})
    return partner


def _notify_partner_admins(partner: Partner, *, subject: str, template: str, context: dict) -> None:
    for email in partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True).values_list("email", flat=True):
        send_email_on_commit(to=email, subject=subject, template=template, context={"partner": partner, **context})


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


# ---------------------------------------------------------------- qualification scorecard

@transaction.atomic
def score_partner(*, actor, partner: Partner, scores: dict, reference_checks: str | None = None,
                  roi_projection=None, roi_currency: str | None = None) -> Partner:
    """Record 1–5 scores per criterion (criterion code → score or (score, note)) and qualification notes."""
    if not can_manage_lifecycle(actor, partner):
        raise NotAllowed("Only the partner's channel manager or a program admin scores it.")
    criteria = {c.code: c for c in ScorecardCriterion.objects.all()}
    errors = {}
    for code, value in scores.items():
        score = value[0] if isinstance(value, (tuple, list)) else value
        if code not in criteria:
            errors[code] = ["Unknown criterion."]
        elif not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            errors[code] = ["Score from 1 to 5."]
    if errors:
        raise ValidationFailed("Please correct the scores.", errors=errors)
    changes = {}
    for code, value in scores.items():
        score, note = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, "")
        existing = ScorecardScore.objects.filter(partner=partner, criterion=criteria[code]).first()
        if existing is None:
            ScorecardScore.objects.create(partner=partner, criterion=criteria[code], score=score, note=note,
                                          scored_by=actor)
            changes[code] = [None, score]
        elif existing.score != score or existing.note != note:
            changes[code] = [existing.score, score]
            existing.score, existing.note, existing.scored_by = score, note, actor
            existing.scored_at = timezone.now()
            existing.save()
    extra = {}
    if reference_checks is not None:
        extra["reference_checks"] = reference_checks
    if roi_projection is not None:
        extra["roi_projection"] = roi_projection
    if roi_currency is not None:
        extra["roi_currency"] = roi_currency
    if extra:
        before = audit.snapshot(partner, list(extra))
        for field, value in extra.items():
            setattr(partner, field, value)
        _full_clean(partner)
        partner.save()
        changes.update(audit.diff(before, audit.snapshot(partner, list(extra))))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="partner.scored", obj=partner, partner=partner,
                     changes=changes)
    return partner


# ---------------------------------------------------------------- onboarding

def template_for(partner: Partner) -> OnboardingTemplate | None:
    """The onboarding template of the partner's first typed template, else the default one."""
    typed = OnboardingTemplate.objects.filter(partner_type__in=partner.types.all()).order_by("name").first()
    return typed or OnboardingTemplate.objects.filter(partner_type__isnull=True).order_by("id").first()


@transaction.atomic
def start_onboarding(*, actor, partner: Partner) -> list[OnboardingTask]:
    """Create the partner's onboarding checklist from its template; due dates count from today."""
    if not can_manage_lifecycle(actor, partner):
        raise NotAllowed("Only the partner's channel manager or a program admin runs onboarding.")
    if partner.onboarding_tasks.exists():
        raise Conflict("The onboarding checklist already exists.")
    template = template_for(partner)
    if template is None:
        raise ValidationFailed("No onboarding template is configured.")
    today = timezone.localdate()
    tasks = [
        OnboardingTask(partner=partner, title=item.title, description=item.description,
                       owner_side=item.owner_side, position=item.position,
                       owner=partner.manager if item.owner_side == "vendor" else None,
                       due_on=today + timedelta(days=item.due_after_days))
        for item in template.items.all()
    ]
    OnboardingTask.objects.bulk_create(tasks)
    audit.record(actor=actor, action=Action.CREATE, verb="onboarding.started", obj=partner, partner=partner,
                 note=f"{len(tasks)} tasks from template {template.name}")
    return tasks


@transaction.atomic
def set_task_done(*, actor, task: OnboardingTask, done: bool) -> OnboardingTask:
    """Tick or untick an onboarding step; vendor steps are ticked by the vendor, partner steps by either side."""
    partner = task.partner
    vendor_ok = can_manage_lifecycle(actor, partner)
    partner_ok = actor.role == Role.PARTNER_ADMIN and actor.partner_id == partner.pk and task.owner_side == "partner"
    if not (vendor_ok or partner_ok):
        raise NotAllowed("You may not update this onboarding step.")
    if done == task.is_done:
        return task
    task.completed_at, task.completed_by = (timezone.now(), actor) if done else (None, None)
    task.save(update_fields=["completed_at", "completed_by"])
    verb = "onboarding.task_done" if done else "onboarding.task_reopened"
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=task, partner=partner,
                 changes={"done": [not done, done]})
    return task


@transaction.atomic
def update_task(*, actor, task: OnboardingTask, owner=None, due_on=None) -> OnboardingTask:
    """Reassign an onboarding step or move its due date."""
    if not can_manage_lifecycle(actor, task.partner):
        raise NotAllowed("You may not update this onboarding step.")
    before = audit.snapshot(task, ["owner_id", "due_on"])
    if owner is not None:
        task.owner = owner
    if due_on is not None:
        task.due_on = due_on
    task.save(update_fields=["owner", "due_on"])
    changes = audit.diff(before, audit.snapshot(task, ["owner_id", "due_on"]))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="onboarding.task_updated", obj=task,
                     partner=task.partner, changes=changes)
    return task


# ---------------------------------------------------------------- public application

@transaction.atomic
def submit_application(*, data: dict, contact: dict) -> Partner:
    """A company applies from the public form: it lands in Qualification for review, never approved."""
    partner = create_partner(actor=None, data=data, source="application")
    save_contact_public = Contact(partner=partner, is_primary=True, **contact)
    _full_clean(save_contact_public, exclude=["partner"])
    save_contact_public.save()
    audit.record(actor="public", action=Action.CREATE, verb="contact.created", obj=save_contact_public,
                 partner=partner, changes={k: [None, v] for k, v in contact.items() if v})
    for email in User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True):
        send_email_on_commit(to=email, subject=f"New partner application: {partner.name}",
                             template="partners/email/application_received.txt",
                             context={"partner": partner, "contact": save_contact_public})
    if contact.get("email"):
        send_email_on_commit(to=contact["email"], subject="We received your partner application",
                             template="partners/email/application_ack.txt",
                             context={"partner": partner, "contact": save_contact_public})
    return partner


# ---- self-registration
# People from a partner's verified e-mail domains ask for an account at /join/; the partner's admins
# approve or decline. Domains are added by the partner (or the vendor) and verified by the vendor.

# Webmail providers: nobody owns them, so they are never a partner's domain.
FREE_EMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com", "hotmail.co.uk",
    "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.com",
    "yandex.ru", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com", "tutanota.com", "hey.com",
    "rediffmail.com", "libero.it", "orange.fr", "free.fr", "t-online.de", "uol.com.br", "bol.com.br",
})
# Partners whose people may ask to join: those being onboarded or active in the program.
JOINABLE_STAGES = (Stage.ONBOARDING, Stage.ACTIVE)
JOIN_DEFAULT_ROLE = Role.PARTNER_SALES

# Imported here so this section stays self-contained below the rest of the module.
import hashlib  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import password_validation  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.validators import validate_email  # noqa: E402
from django.urls import reverse  # noqa: E402

from openprm.accounts import services as accounts  # noqa: E402
from openprm.accounts.models import PARTNER_ROLES, Invitation  # noqa: E402
from openprm.lib import clock  # noqa: E402

from .exceptions import JoinConfirmationInvalid  # noqa: E402
from .models import JoinRequest, JoinRequestStatus, PartnerDomain  # noqa: E402


def is_free_email_domain(domain: str) -> bool:
    """Whether the domain belongs to a webmail provider (an unparsable one is nobody's webmail)."""
    try:
        return normalize_domain(domain) in FREE_EMAIL_DOMAINS
    except InvalidDomain:
        return False


@transaction.atomic
def add_domain(*, actor, partner: Partner, domain: str) -> PartnerDomain:
    """Claim an e-mail domain for the partner; it stays unverified until the vendor verifies it."""
    if not can_edit_profile(actor, partner):
        raise NotAllowed("You may not change this partner's domains.")
    try:
        value = parse_domain(domain or "")
    except InvalidDomain as exc:
        raise ValidationFailed("Invalid domain.", errors={"domain": [exc.message]}) from exc
    if not value:
        raise ValidationFailed("Invalid domain.", errors={"domain": ["Enter a domain such as example.com."]})
    if value in FREE_EMAIL_DOMAINS:
        raise ValidationFailed("Public e-mail domain.", errors={
            "domain": [f"{value} is a public e-mail provider; add your company's own domain."]})
    existing = PartnerDomain.objects.filter(domain=value).first()
    if existing is not None:
        message = ("This domain is already on your list." if existing.partner_id == partner.pk
                   else "This domain is already claimed by another partner. Contact your channel manager.")
        raise Conflict(message, errors={"domain": [message]})
    item = PartnerDomain.objects.create(partner=partner, domain=value, verified=False)
    audit.record_create(actor=actor, obj=item, verb="partner_domain.added", partner=partner,
                        fields=["domain", "verified"])
    if not actor.is_vendor and partner.manager_id and partner.manager.is_active:
        send_email_on_commit(to=partner.manager.email, subject=f"{partner.name} added the domain {value}",
                             template="partners/email/domain_added.txt",
                             context={"partner": partner, "domain": item, "actor": actor})
    return item


@transaction.atomic
def remove_domain(*, actor, domain) -> None:
    """Drop one of the partner's domains; people from it can no longer ask to join."""
    if not can_edit_profile(actor, domain.partner):
        raise NotAllowed("You may not change this partner's domains.")
    audit.record(actor=actor, action=Action.DELETE, verb="partner_domain.removed", obj=domain,
                 partner=domain.partner, changes={"domain": [domain.domain, None], "verified": [domain.verified, None]})
    domain.delete()


@transaction.atomic
def verify_domain(*, actor, domain, verified: bool = True):
    """The vendor confirms (or withdraws) that the partner owns the domain; only then may people join from it."""
    if not can_manage_lifecycle(actor, domain.partner):
        raise NotAllowed("Only the partner's channel manager or a program admin verifies domains.")
    if domain.verified == verified:
        return domain
    domain.verified = verified
    domain.save(update_fields=["verified"])
    audit.record(actor=actor, action=Action.TRANSITION,
                 verb="partner_domain.verified" if verified else "partner_domain.unverified", obj=domain,
                 partner=domain.partner, changes={"verified": [not verified, verified]})
    return domain


def partner_for_email(email: str) -> Partner | None:
    """The partner whose verified domain the address is at, if that partner accepts people joining."""
    try:
        domain = normalize_domain((email or "").rsplit("@", 1)[-1])
    except InvalidDomain:  # e.g. an address literal such as a@[1.2.3.4]: no partner owns it
        return None
    if not domain:
        return None
    found = PartnerDomain.objects.select_related("partner").filter(
        domain=domain, verified=True, partner__stage__in=JOINABLE_STAGES).first()
    return found.partner if found else None


@transaction.atomic
def request_to_join(*, email: str, full_name: str, password: str):
    """Someone asks for an account with a partner: an unconfirmed request, and a confirmation link to the address.

    Nobody hears of the request until the link is followed (`confirm_join_request`): anyone can type someone
    else's address, only its owner can read the mail. A newer request from the same address replaces an
    older unconfirmed one, so a stranger's request cannot block the real person.
    """
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    if not full_name:
        errors["full_name"] = ["Enter your name."]
    if errors:
        raise ValidationFailed("Please correct the errors below.", errors=errors)
    partner = partner_for_email(email)
    if partner is None:
        message = ("Your e-mail domain is not registered with any partner. Ask your company's partner admin "
                   "for an invitation, or apply to become a partner.")
        raise ValidationFailed(message, errors={"email": [message]})
    _check_may_join(email)
    try:
        password_validation.validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationFailed("The password is too weak.", errors={"password": list(exc.messages)}) from None
    for older in JoinRequest.objects.select_for_update().filter(email=email, status=JoinRequestStatus.UNCONFIRMED):
        older.status = JoinRequestStatus.SUPERSEDED
        older.password = ""
        older.save(update_fields=["status", "password"])
        audit.record(actor="public", action=Action.TRANSITION, verb="join_request.superseded", obj=older,
                     partner=older.partner, changes={"status": ["unconfirmed", "superseded"]})
    join = JoinRequest.objects.create(partner=partner, email=email, full_name=full_name[:150],
                                      password=make_password(password), created_at=clock.moment(),
                                      status=JoinRequestStatus.UNCONFIRMED)
    audit.record_create(actor="public", obj=join, verb="join_request.created", partner=partner,
                        fields=["email", "full_name", "status"], note="Confirmation link e-mailed to the address")
    link = settings.SITE_URL + reverse("partners:join_confirm", args=[join_confirmation_token(join)])
    send_email_on_commit(to=email, subject=f"Confirm your e-mail to join {partner.name} on OpenPRM",
                         template="partners/email/join_confirm.txt",
                         context={"join": join, "partner": partner, "link": link,
                                  "hours": settings.JOIN_CONFIRMATION_SECONDS // 3600})
    return join


def _check_may_join(email: str) -> None:
    """Refuse addresses that already have an account, a request waiting for approval or an invitation."""
    if User.objects.filter(email=email).exists():
        message = "An account with this e-mail already exists. Sign in or reset your password."
        raise Conflict(message, errors={"email": [message]})
    if JoinRequest.objects.filter(email=email, status=JoinRequestStatus.PENDING).exists():
        message = "You already asked to join; your partner admin has not decided yet."
        raise Conflict(message, errors={"email": [message]})
    if Invitation.objects.pending().filter(email=email).exists():
        message = "You already have an invitation: use the link in the invitation e-mail."
        raise Conflict(message, errors={"email": [message]})


# Separates these signatures from every other use of SECRET_KEY, so no other signed value works as a link.
JOIN_CONFIRMATION_SALT = "openprm.partners.join-confirmation"


def join_confirmation_token(join) -> str:
    """The secret part of the confirmation link: the request and its address, signed with SECRET_KEY.

    The address goes in as a digest, so links copied into logs or proxies do not spell it out.
    """
    return signing.dumps({"join": join.pk, "address": _address_digest(join.email)}, salt=JOIN_CONFIRMATION_SALT)


def _address_digest(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def find_unconfirmed_join(token: str):
    """The unconfirmed, unexpired request a confirmation link points to, or JoinConfirmationInvalid."""
    invalid = "This confirmation link is invalid, expired or already used. Ask to join again."
    try:
        payload = signing.loads(token or "", salt=JOIN_CONFIRMATION_SALT)
    except signing.BadSignature:
        raise JoinConfirmationInvalid(invalid) from None
    join = JoinRequest.objects.select_related("partner").filter(pk=payload.get("join")).first()
    if join is None or payload.get("address") != _address_digest(join.email):
        raise JoinConfirmationInvalid(invalid)
    if join.status != JoinRequestStatus.UNCONFIRMED:
        raise JoinConfirmationInvalid(invalid)
    if clock.moment() - join.created_at > timedelta(seconds=settings.JOIN_CONFIRMATION_SECONDS):
        raise JoinConfirmationInvalid(invalid)
    return join


@transaction.atomic
def confirm_join_request(*, token: str):
    """The person followed the e-mailed link: the request waits for approval and the partner admins hear of it.

    The link works once (the request leaves `unconfirmed`) and only within JOIN_CONFIRMATION_SECONDS.
    """
    join = find_unconfirmed_join(token)
    # Lock the row so two clicks on the same link confirm (and notify) once.
    join = JoinRequest.objects.select_for_update().select_related("partner").get(pk=join.pk)
    if join.status != JoinRequestStatus.UNCONFIRMED:
        raise JoinConfirmationInvalid("This confirmation link has already been used.")
    _check_may_join(join.email)
    partner = join.partner
    if partner_for_email(join.email) != partner:
        message = "Your company no longer accepts requests to join. Ask your partner admin for an invitation."
        raise ValidationFailed(message, errors={"email": [message]})
    join.status, join.confirmed_at = JoinRequestStatus.PENDING, clock.moment()
    join.save(update_fields=["status", "confirmed_at"])
    audit.record(actor="public", action=Action.TRANSITION, verb="join_request.confirmed", obj=join, partner=partner,
                 changes={"status": ["unconfirmed", "pending"]}, note="Address confirmed by the e-mailed link")
    subject = f"{join.full_name} asks to join {partner.name} on OpenPRM"
    if partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True).exists():
        _notify_partner_admins(partner, subject=subject, template="partners/email/join_request.txt",
                               context={"join": join})
    elif partner.manager_id and partner.manager.is_active:
        # No partner admin yet: the channel manager, who may manage the partner's people, decides instead.
        send_email_on_commit(to=partner.manager.email, subject=subject, template="partners/email/join_request.txt",
                             context={"join": join, "partner": partner, "to_manager": True})
    return join


def _check_join_decider(actor, join) -> None:
    if not accounts.can_manage_people_of(actor, join.partner):
        raise NotAllowed("You may not decide on this request.")
    if join.status == JoinRequestStatus.UNCONFIRMED or join.confirmed_at is None:
        # Whoever typed the address may not own it: nobody decides until its owner confirmed it.
        raise Conflict("The person has not confirmed their e-mail address yet.")
    if join.status != JoinRequestStatus.PENDING:
        raise Conflict(f"The request is already {join.get_status_display().lower()}.")


@transaction.atomic
def approve_join_request(*, actor, join, role: str = JOIN_DEFAULT_ROLE) -> User:
    """Create the account the person asked for, with the password they chose, in a partner role."""
    join = JoinRequest.objects.select_for_update().select_related("partner").get(pk=join.pk)
    _check_join_decider(actor, join)
    if role not in PARTNER_ROLES:
        raise ValidationFailed("Choose a partner role.", errors={"role": ["Choose a partner role."]})
    user = accounts.create_user(actor=actor, email=join.email, role=role, partner=join.partner,
                                full_name=join.full_name)
    user.password = join.password  # the hash of the password the person chose at /join/
    user.save(update_fields=["password"])
    join.status, join.decided_at, join.decided_by, join.user = JoinRequestStatus.APPROVED, timezone.now(), actor, user
    join.save(update_fields=["status", "decided_at", "decided_by", "user"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="join_request.approved", obj=join,
                 partner=join.partner, changes={"status": ["pending", "approved"], "role": [None, role]})
    send_email_on_commit(to=join.email, subject=f"Welcome to {join.partner.name} on OpenPRM",
                         template="partners/email/join_approved.txt",
                         context={"join": join, "partner": join.partner, "user": user,
                                  "link": settings.SITE_URL + reverse("accounts:login")})
    return user


@transaction.atomic
def decline_join_request(*, actor, join):
    """Refuse a request to join; the person is told by e-mail and may not sign in."""
    join = JoinRequest.objects.select_for_update().select_related("partner").get(pk=join.pk)
    _check_join_decider(actor, join)
    join.status, join.decided_at, join.decided_by = JoinRequestStatus.DECLINED, timezone.now(), actor
    join.password = ""  # nothing to keep once declined
    join.save(update_fields=["status", "decided_at", "decided_by", "password"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="join_request.declined", obj=join,
                 partner=join.partner, changes={"status": ["pending", "declined"]})
    send_email_on_commit(to=join.email, subject=f"Your request to join {join.partner.name}",
                         template="partners/email/join_declined.txt", context={"join": join, "partner": join.partner})
    return join


# ---- program configuration
# Program-wide settings of the partner lifecycle: how long a partner may stay in each development stage
# before it is flagged late, and how much each scorecard criterion weighs. Program admins only; audited.

from decimal import Decimal, InvalidOperation  # noqa: E402

from .models import DEFAULT_STAGE_TARGET_DAYS, StageTarget  # noqa: E402

MAX_STAGE_TARGET_DAYS = 3650
MAX_CRITERION_WEIGHT = Decimal("100")


def _check_program_admin(actor) -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise NotAllowed("Only program admins change the program settings.")


def stage_targets() -> dict[str, int]:
    """Stage → target days: the configured rows over the seed's defaults."""
    targets = {str(stage): days for stage, days in DEFAULT_STAGE_TARGET_DAYS.items()}
    targets.update(dict(StageTarget.objects.values_list("stage", "target_days")))
    return targets


@transaction.atomic
def set_stage_targets(*, actor, targets: dict) -> list[StageTarget]:
    """Set the target days of development stages (stage → whole days, 1–3650); one audit event per change."""
    _check_program_admin(actor)
    errors, clean = {}, {}
    for stage, value in targets.items():
        if stage not in Stage.values or stage in (Stage.ACTIVE, Stage.SUSPENDED, Stage.TERMINATED):
            errors[str(stage)] = ["Targets are set for identification, qualification, negotiation and onboarding."]
            continue
        try:
            days = int(value)
        except (TypeError, ValueError):
            days = None
        if isinstance(value, bool) or days is None or str(value).strip() != str(days) \
                or not 1 <= days <= MAX_STAGE_TARGET_DAYS:
            errors[stage] = [f"Enter whole days from 1 to {MAX_STAGE_TARGET_DAYS}."]
        else:
            clean[stage] = days
    if errors:
        raise ValidationFailed("Please correct the stage targets.", errors=errors)
    changed = []
    for stage, days in clean.items():
        target = StageTarget.objects.select_for_update().filter(stage=stage).first()
        before = target.target_days if target else DEFAULT_STAGE_TARGET_DAYS.get(stage)
        if target is None:
            target = StageTarget.objects.create(stage=stage, target_days=days)
        elif target.target_days != days:
            target.target_days = days
            target.save(update_fields=["target_days"])
        else:
            continue
        if before != days:
            audit.record(actor=actor, action=Action.UPDATE, verb="stage_target.updated", obj=target,
                         changes={"target_days": [before, days]})
            changed.append(target)
    return changed


@transaction.atomic
def set_criterion_weights(*, actor, weights: dict) -> list[ScorecardCriterion]:
    """Set scorecard criterion weights (code → 0–100, two decimals); at least one must stay above zero."""
    _check_program_admin(actor)
    criteria = {c.code: c for c in ScorecardCriterion.objects.select_for_update()}
    errors, clean = {}, {}
    for code, value in weights.items():
        if code not in criteria:
            errors[str(code)] = ["Unknown criterion."]
            continue
        try:
            weight = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            weight = None
        if isinstance(value, bool) or weight is None or not weight.is_finite() \
                or not Decimal(0) <= weight <= MAX_CRITERION_WEIGHT or weight != weight.quantize(Decimal("0.01")):
            errors[code] = [f"Enter a weight from 0 to {MAX_CRITERION_WEIGHT} with at most two decimals."]
        else:
            clean[code] = weight.quantize(Decimal("0.01"))
    if errors:
        raise ValidationFailed("Please correct the weights.", errors=errors)
    resulting = {code: clean.get(code, c.weight) for code, c in criteria.items()}
    if criteria and not any(w > 0 for w in resulting.values()):
        raise ValidationFailed("At least one criterion must weigh more than zero.",
                               errors={code: ["At least one weight must be above zero."] for code in clean})
    changed = []
    for code, weight in clean.items():
        criterion = criteria[code]
        if criterion.weight == weight:
            continue
        before = criterion.weight
        criterion.weight = weight
        criterion.save(update_fields=["weight"])
        audit.record(actor=actor, action=Action.UPDATE, verb="scorecard_criterion.updated", obj=criterion,
                     changes={"weight": [before, weight]})
        changed.append(criterion)
    return changed
