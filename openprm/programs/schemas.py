"""API shapes for the program: tiers, tier reviews, FX rates."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from openprm.lib.schemas import InputSchema, PatchSchema


class TierOut(Schema):
    code: str
    name: str
    rank: int
    top_percent: Decimal | None
    discount_min: Decimal
    discount_max: Decimal
    sla_multiplier: Decimal
    mdf_budget: Decimal
    benefits: list[str]
    requirements: dict

    @staticmethod
    def resolve_benefits(obj):
        return obj.benefits()

    @staticmethod
    def resolve_requirements(obj):
        return obj.requirements()


class TierPatch(PatchSchema):
    # null opens the cut-off: the catch-all tier (Bronze) takes everyone the better tiers did not.
    nullable = frozenset({"top_percent"})

    name: str | None = Field(None, min_length=1, max_length=60)
    top_percent: Decimal | None = Field(None, gt=0, le=100, max_digits=5, decimal_places=2)
    discount_min: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    discount_max: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    sla_multiplier: Decimal | None = Field(None, gt=0, max_digits=4, decimal_places=2)
    mdf_budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    min_certified_people: int | None = Field(None, ge=0)
    requires_active_agreement: bool | None = None


class ReviewIn(InputSchema):
    as_of: date | None = None


class ProposalOut(Schema):
    partner: int = Field(..., alias="partner_id")
    current_tier: str | None
    proposed_tier: str
    percentile_tier: str
    score: Decimal
    rank: int
    reason: str
    applied: bool

    @staticmethod
    def resolve_current_tier(obj):
        return obj.current_tier or None

    @staticmethod
    def resolve_applied(obj):
        return obj.applied_at is not None


class ReviewOut(Schema):
    id: int
    as_of: date
    status: str
    currency: str
    created_at: datetime
    proposals: list[ProposalOut]

    @staticmethod
    def resolve_proposals(obj):
        return list(obj.proposals.all())


class ApplyIn(InputSchema):
    partners: list[int] | None = None


class FxRateIO(InputSchema):
    currency: str = Field(..., min_length=3, max_length=3)
    valid_on: date
    rate: Decimal = Field(..., gt=0, max_digits=18, decimal_places=8)


class TierPlacementIn(InputSchema):
    """A partner placed in a tier by hand (program admins), with the reason kept in its tier history."""

    tier: str = Field(..., min_length=1, max_length=20)
    reason: str = Field(..., max_length=2000)
