"""What other apps ask of agreements: territories in force, the partner's discount and tier, and the
tier requirement fact 'has an agreement in force'. Reads only."""

from datetime import date
from decimal import Decimal

from openprm.lib import clock
from openprm.lib.money import plain_decimal
from openprm.lib.regions import COUNTRIES
from openprm.programs.models import Tier

from ..models import (
    Agreement,
)
from .common import REGION_CODES

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
    on = on or clock.today()
    codes: dict[int, list[str]] = {}
    for partner_id, territories in (Agreement.objects.filter(partner_id__in=list(partner_ids)).in_force_on(on)
                                    .values_list("partner_id", "territories")):
        codes.setdefault(partner_id, []).extend(territories or [])
    expanded = {partner_id: expand_territories(found) for partner_id, found in codes.items()}
    return {partner_id: countries for partner_id, countries in expanded.items() if countries}


def discount_on(*, partner_id: int, on: date) -> Decimal | None:
    """The partner's discount % from its agreement in force on `on`; None when no agreement was in force.

    Commission plans on a net base earn on the deal value after this discount (commissions calls this directly).
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


def active_agreement(*, partner_ids: list[int], as_of: date) -> dict[int, bool]:
    """{partner_id: True} for each partner with an agreement in force on `as_of`; others are left out (False).

    A tier requirement fact (registered in settings.TIER_REQUIREMENT_FACTS)."""
    in_force = Agreement.objects.in_force_on(as_of).filter(partner_id__in=partner_ids)
    return {pk: True for pk in in_force.values_list("partner_id", flat=True).distinct()}
