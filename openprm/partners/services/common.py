"""Who may change a partner, and the small helpers every services module shares."""


from django.core.exceptions import ValidationError

from openprm.accounts.models import Role
from openprm.accounts.services import send_email_on_commit
from openprm.lib.errors import field_errors_from_django

from ..exceptions import ValidationFailed
from ..models import (
    Partner,
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


def _notify_partner_admins(partner: Partner, *, subject: str, template: str, context: dict) -> None:
    for email in partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True).values_list("email", flat=True):
        send_email_on_commit(to=email, subject=subject, template=template, context={"partner": partner, **context})

