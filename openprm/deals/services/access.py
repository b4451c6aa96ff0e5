"""Who may do what with deals: register, review, close, work conflicts, share leads.

One place for the role rules every deal service (and the pages that hide buttons) asks.
"""

from openprm.accounts.models import PARTNER_ROLES, Role

REGISTERING_ROLES = {Role.PARTNER_ADMIN, Role.PARTNER_SALES}


def can_register_for(actor, partner) -> bool:
    """Partner admins and sales reps register for their own partner; program admins and its manager too."""
    if actor.role in PARTNER_ROLES:
        return actor.role in REGISTERING_ROLES and actor.partner_id == partner.pk
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def can_review(actor, partner) -> bool:
    """Program admins and the partner's channel manager decide on registrations; partners never do."""
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def can_close(actor, partner) -> bool:
    """Outcomes come from the vendor (staff or the CRM sync acting as an admin)."""
    return can_review(actor, partner)


def can_work_conflicts(actor) -> bool:
    """Conflicts span partners, so program admins and channel managers work them."""
    return actor.role in (Role.ADMIN, Role.CHANNEL_MANAGER)


LEAD_CREATOR_ROLES = (Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING)


def can_create_leads(actor) -> bool:
    """The vendor's channel and marketing teams (and program admins) share leads."""
    return bool(actor is not None and actor.is_vendor and actor.role in LEAD_CREATOR_ROLES)
