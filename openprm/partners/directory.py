"""The public partner locator: which partners anyone may find, and how they are searched.

Only active partners that opted in are ever listed; nothing here depends on who is asking.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from openprm.lib.regions import Region, country_name

from .models import Partner, PartnerTypeCode, Specialization, Stage


def listed_partners() -> QuerySet[Partner]:
    """Every partner the public may see: active and opted in to the locator."""
    return Partner.objects.filter(stage=Stage.ACTIVE, locator_opt_in=True)


@dataclass(frozen=True)
class DirectoryFilters:
    """What a visitor searched for; empty strings mean 'any'."""

    q: str = ""
    country: str = ""
    region: str = ""
    type: str = ""
    specialization: str = ""
    tier: str = ""

    @classmethod
    def from_query(cls, params) -> "DirectoryFilters":
        def get(name, limit=100):
            return (params.get(name) or "").strip()[:limit]

        return cls(q=get("q"), country=get("country", 2).upper(), region=get("region"), type=get("type"),
                   specialization=get("specialization"), tier=get("tier").lower())

    @property
    def active(self) -> bool:
        return any(vars(self).values())


def public_directory(filters: DirectoryFilters | None = None) -> QuerySet[Partner]:
    """The listed partners matching the visitor's search, in a stable order, ready for display."""
    f = filters or DirectoryFilters()
    qs = listed_partners()
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(brand_name__icontains=f.q) | Q(description__icontains=f.q))
    if f.country:
        qs = qs.filter(country=f.country)
    if f.region in Region.values:
        qs = qs.filter(region=f.region)
    elif f.region:
        qs = qs.none()
    if f.type in PartnerTypeCode.values:
        qs = qs.filter(types__code=f.type)
    elif f.type:
        qs = qs.none()
    if f.specialization:
        qs = qs.filter(specializations__name=f.specialization)
    if f.tier:
        qs = qs.filter(tier=f.tier)
    # Filtering through the many-to-many tables cannot duplicate rows here (one value each), but keep it safe.
    return qs.distinct().prefetch_related("types", "specializations").order_by("name", "id")


def filter_choices() -> dict:
    """Options for the locator's filters, drawn from listed partners only (nothing unlisted leaks)."""
    listed = listed_partners()
    countries = sorted({c for c in listed.values_list("country", flat=True)})
    tiers = sorted({t for t in listed.exclude(tier="").values_list("tier", flat=True)}, key=_tier_order)
    specializations = Specialization.objects.filter(partners__in=listed).distinct().order_by("name")
    return {
        "countries": sorted(((c, country_name(c)) for c in countries), key=lambda pair: pair[1]),
        "regions": Region.choices,
        "types": PartnerTypeCode.choices,
        "specializations": list(specializations.values_list("name", flat=True)),
        "tiers": [(t, t.replace("_", " ").title()) for t in tiers],
    }


_TIER_RANK = {"platinum": 0, "gold": 1, "silver": 2, "bronze": 3}


def _tier_order(code: str):
    return (_TIER_RANK.get(code, 99), code)
