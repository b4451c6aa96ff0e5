"""Demo agreements, created through the services (`openprm demo` calls `seed_agreements` after the tier review).

Active partners get a signed, active agreement of the kind their partner type implies, with their country as the
territory and a discount inside their tier's range; a few end soon (so reminders and the expiring-soon filter have
something to show), a few renew automatically. Partners still negotiating or onboarding have a draft or one sent
for signature. Every step goes through the services, so the audit trail and notifications are real.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from openprm.accounts.models import Role
from openprm.partners.models import Partner, Stage

from . import services
from .models import Agreement, AgreementKind

# Partner type → the agreement kind it signs (the first match in the partner's types wins).
KIND_FOR_TYPE = {
    "distributor": AgreementKind.DISTRIBUTOR, "oem": AgreementKind.OEM, "reseller": AgreementKind.RESELLER,
    "msp": AgreementKind.RESELLER, "referral": AgreementKind.REFERRAL, "technology": AgreementKind.TECHNOLOGY,
    "alliance": AgreementKind.TECHNOLOGY, "co_marketing": AgreementKind.CO_MARKETING,
}
PRODUCTS = ["Analytics Cloud", "Edge Gateway", "Data Connectors", "Professional Services"]


def kind_for(partner: Partner) -> str:
    for code in partner.type_codes:
        if code in KIND_FOR_TYPE:
            return KIND_FOR_TYPE[code]
    return AgreementKind.RESELLER


def _discount(partner: Partner) -> str:
    """The middle of the partner's tier range, so the agreement is valid for its tier."""
    tier = services.tier_of(partner)
    if tier is None:
        return "0"
    return str(((tier.discount_min + tier.discount_max) / 2).quantize(Decimal("0.01")))


def _actor_for(partner: Partner, admin):
    return partner.manager if partner.manager_id else admin


def seed_agreements(*, rng: random.Random, partners, admin, today: date, plan_for=None) -> dict[str, int]:
    """Agreements for the demo partners; returns counts by status. Skips partners that already have one.

    `plan_for(partner)` gives the commission plan each agreement names (the demo passes the commissions demo's
    choice: agreements sits below commissions and does not pick plans itself); signing puts the partner on it.
    """
    counts: dict[str, int] = {}
    for partner in sorted(partners, key=lambda p: p.pk):
        partner.refresh_from_db()
        if Agreement.objects.filter(partner=partner).exists():
            continue
        signer = partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True).order_by("pk").first()
        actor = _actor_for(partner, admin)
        if partner.stage == Stage.ACTIVE and signer is not None:
            # Most terms started within the last year and run two; one in six ends within the next 60 days.
            if rng.random() < 1 / 6:
                ends_on = today + timedelta(days=rng.randint(10, 60))
                starts_on = ends_on - timedelta(days=365)
            else:
                starts_on = today - timedelta(days=rng.randint(30, 330))
                ends_on = starts_on + timedelta(days=730)
            status = _signed(partner, actor, signer, starts_on, ends_on, auto_renew=rng.random() < 0.5,
                             plan=plan_for(partner) if plan_for else None)
        elif partner.stage in (Stage.NEGOTIATION, Stage.ONBOARDING):
            starts_on = today + timedelta(days=rng.randint(7, 45))
            agreement = _draft(partner, actor, starts_on, starts_on + timedelta(days=365), auto_renew=True,
                               plan=plan_for(partner) if plan_for else None)
            if partner.stage == Stage.ONBOARDING:
                agreement = services.send(actor=actor, agreement=agreement)
            status = agreement.status
        else:
            continue
        counts[status] = counts.get(status, 0) + 1
    return counts


def _draft(partner, actor, starts_on, ends_on, *, auto_renew, plan=None) -> Agreement:
    return services.create_agreement(actor=actor, partner=partner, data={
        "kind": kind_for(partner), "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "auto_renew": auto_renew, "territories": [partner.country], "products": PRODUCTS[:2 + partner.pk % 3],
        "segments": ["Mid-market", "Enterprise"], "discount_percent": _discount(partner),
        "whitelabel": kind_for(partner) == AgreementKind.OEM,
        "whitelabel_terms": "The partner may sell Analytics Cloud under its own brand." if
        kind_for(partner) == AgreementKind.OEM else "",
        "commission_plan": plan.pk if plan else None,
    })


def _signed(partner, actor, signer, starts_on, ends_on, *, auto_renew, plan=None) -> str:
    agreement = _draft(partner, actor, starts_on, ends_on, auto_renew=auto_renew, plan=plan)
    services.send(actor=actor, agreement=agreement)
    agreement = services.sign(actor=signer, agreement=agreement, signer_name=signer.full_name,
                              ip_address="192.0.2.10")
    return agreement.status


__all__ = ["seed_agreements", "kind_for"]
