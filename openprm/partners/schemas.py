"""API shapes for partners. Choices are enums so unknown values are a 422 naming the field."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import field_validator

from openprm.lib.regions import COUNTRIES
from openprm.lib.schemas import InputSchema, PatchSchema

from .models import PartnerTypeCode, Stage


class PartnerOut(Schema):
    id: int
    name: str
    legal_name: str
    types: list[str]
    country: str
    region: str
    time_zone: str
    languages: list[str]
    stage: str
    stage_entered_at: datetime
    late: bool
    tier: str | None
    manager: int | None
    website: str
    domain: str
    specializations: list[str]
    locator_opt_in: bool
    created_at: datetime

    @staticmethod
    def resolve_types(obj):
        return obj.type_codes

    @staticmethod
    def resolve_tier(obj):
        return obj.tier or None

    @staticmethod
    def resolve_manager(obj):
        return obj.manager_id

    @staticmethod
    def resolve_late(obj):
        return obj.is_late()

    @staticmethod
    def resolve_specializations(obj):
        return sorted(s.name for s in obj.specializations.all())


def _check_country(value):
    if value is not None and value.upper() not in COUNTRIES:
        raise ValueError("Unknown country; give an ISO 3166 alpha-2 code such as US or DE.")
    return value.upper() if value else value


class PartnerIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    legal_name: str = Field("", max_length=200)
    types: list[PartnerTypeCode] = Field(..., min_length=1)
    country: str = Field(..., min_length=2, max_length=2)
    time_zone: str = "UTC"
    languages: list[str] = []
    website: str = ""
    domain: str = ""
    description: str = ""
    specializations: list[str] = []
    manager: int | None = None
    locator_opt_in: bool = False

    _country = field_validator("country")(classmethod(lambda cls, v: _check_country(v)))


class PartnerPatch(PatchSchema):
    # null unassigns the channel manager and clears the ROI projection; every other field needs a value.
    nullable = frozenset({"manager", "roi_projection"})

    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=200)
    types: list[PartnerTypeCode] | None = Field(None, min_length=1)
    country: str | None = Field(None, min_length=2, max_length=2)
    time_zone: str | None = None
    languages: list[str] | None = None
    website: str | None = None
    domain: str | None = None
    description: str | None = None
    specializations: list[str] | None = None
    manager: int | None = None
    locator_opt_in: bool | None = None
    brand_name: str | None = None
    brand_primary_color: str | None = None
    brand_secondary_color: str | None = None
    support_email: str | None = None
    brand_domain: str | None = None
    reference_checks: str | None = None
    roi_projection: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    roi_currency: str | None = None

    _country = field_validator("country")(classmethod(lambda cls, v: _check_country(v)))


class StageIn(InputSchema):
    stage: Stage
    note: str = Field("", max_length=2000)


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    note: str
    actor: int | None = Field(None, alias="actor_id")
    changed_at: datetime


class ContactIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=150)
    email: str = ""
    phone: str = Field("", max_length=40)
    job_title: str = Field("", max_length=120)
    is_primary: bool = False


class ContactPatch(PatchSchema):
    """A contact's changes: fields left out keep their value."""

    name: str | None = Field(None, min_length=1, max_length=150)
    email: str | None = None
    phone: str | None = Field(None, max_length=40)
    job_title: str | None = Field(None, max_length=120)
    is_primary: bool | None = None


class ContactOut(Schema):
    id: int
    partner: int = Field(..., alias="partner_id")
    name: str
    email: str
    phone: str
    job_title: str
    is_primary: bool


class ScoreIn(InputSchema):
    criterion: str
    score: int = Field(..., ge=1, le=5)
    note: str = Field("", max_length=500)


class ScorecardIn(InputSchema):
    scores: list[ScoreIn] = []
    reference_checks: str | None = None
    roi_projection: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    roi_currency: str | None = None


class ScoreOut(Schema):
    criterion: str
    name: str
    weight: Decimal
    score: int | None
    note: str


class ScorecardOut(Schema):
    weighted_score: Decimal | None
    scores: list[ScoreOut]
    reference_checks: str
    roi_projection: Decimal | None
    roi_currency: str


class OnboardingTaskOut(Schema):
    id: int
    title: str
    owner_side: str
    owner: int | None = Field(None, alias="owner_id")
    due_on: date | None
    done: bool = Field(..., alias="is_done")
    completed_at: datetime | None


class TaskDoneIn(InputSchema):
    done: bool
