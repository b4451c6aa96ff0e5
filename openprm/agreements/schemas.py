"""API shapes for agreements. Percentages are decimal strings; dates are ISO 8601."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from openprm.lib.schemas import InputSchema, PatchSchema

from .models import AgreementKind, AgreementStatus

PERCENT = {"ge": 0, "le": 100, "max_digits": 5, "decimal_places": 2}


class AgreementIn(InputSchema):
    partner: int
    kind: AgreementKind
    starts_on: date
    ends_on: date | None = Field(None, description="Last day of the term; default: the template's term")
    auto_renew: bool = False
    notice_days: int | None = Field(None, ge=0, le=3650)
    territories: list[str] = Field([], description="ISO country codes (US, DE) and/or regions (europe, apac)")
    segments: list[str] = []
    products: list[str] = []
    discount_percent: Decimal | None = Field(None, description="Within the partner tier's range", **PERCENT)
    margin_percent: Decimal | None = Field(None, **PERCENT)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    whitelabel: bool = False
    whitelabel_terms: str = Field("", max_length=5000)
    commission_plan: int | None = Field(None, ge=1, le=2 ** 31 - 1,
                                        description="Id of the commission plan the partner earns on")
    responsibilities_vendor: str | None = Field(None, max_length=20000)
    responsibilities_partner: str | None = Field(None, max_length=20000)
    support_split: str | None = Field(None, max_length=200)
    ip_terms: str | None = Field(None, max_length=20000)
    termination_terms: str | None = Field(None, max_length=20000)


class AgreementPatch(PatchSchema):
    nullable = frozenset({"commission_plan"})  # null: the agreement names no plan

    kind: AgreementKind | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    auto_renew: bool | None = None
    notice_days: int | None = Field(None, ge=0, le=3650)
    territories: list[str] | None = None
    segments: list[str] | None = None
    products: list[str] | None = None
    discount_percent: Decimal | None = Field(None, **PERCENT)
    margin_percent: Decimal | None = Field(None, **PERCENT)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    whitelabel: bool | None = None
    whitelabel_terms: str | None = Field(None, max_length=5000)
    commission_plan: int | None = Field(None, ge=1, le=2 ** 31 - 1, description="Id of a plan; null: none")
    responsibilities_vendor: str | None = Field(None, max_length=20000)
    responsibilities_partner: str | None = Field(None, max_length=20000)
    support_split: str | None = Field(None, max_length=200)
    ip_terms: str | None = Field(None, max_length=20000)
    termination_terms: str | None = Field(None, max_length=20000)


class SignIn(InputSchema):
    signer_name: str = Field(..., max_length=150, description="The signer's full name, typed")


class ReasonIn(InputSchema):
    reason: str = Field(..., max_length=5000)


class AgreementOut(Schema):
    id: int
    partner: int = Field(..., alias="partner_id")
    kind: AgreementKind
    status: AgreementStatus
    template: int = Field(..., alias="template_id")
    template_version: int
    starts_on: date
    ends_on: date
    auto_renew: bool
    notice_days: int
    notice_date: date
    territories: list[str]
    segments: list[str]
    products: list[str]
    responsibilities_vendor: str
    responsibilities_partner: str
    discount_percent: str
    margin_percent: str | None
    payment_terms_days: int
    support_split: str
    ip_terms: str
    termination_terms: str
    commission_plan: int | None = Field(None, alias="commission_plan_id")
    commission_plan_name: str | None = None
    whitelabel: bool
    whitelabel_terms: str
    created_at: datetime
    sent_at: datetime | None
    signed_at: datetime | None
    signed_by: int | None = Field(None, alias="signed_by_id")
    signer_name: str
    signer_ip: str | None
    signer_email: str
    signer_user_agent: str
    activated_at: datetime | None
    terminated_at: datetime | None
    termination_reason: str
    renewed_from: int | None = Field(None, alias="renewed_from_id")

    @staticmethod
    def resolve_commission_plan_name(obj):
        return obj.commission_plan.name if obj.commission_plan_id else None

    @staticmethod
    def resolve_discount_percent(obj):
        return str(obj.discount_percent)

    @staticmethod
    def resolve_margin_percent(obj):
        return None if obj.margin_percent is None else str(obj.margin_percent)


class TemplateIn(InputSchema):
    """A new version of `kind`'s template: fields left out keep the current version's value."""

    kind: AgreementKind
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=100000)
    default_term_months: int | None = Field(None, description="1–120")
    notice_days: int | None = Field(None, description="Shorter than the term")
    payment_terms_days: int | None = Field(None, description="0–365")
    responsibilities_vendor: str | None = Field(None, max_length=20000)
    responsibilities_partner: str | None = Field(None, max_length=20000)
    support_split: str | None = Field(None, max_length=200)
    ip_terms: str | None = Field(None, max_length=20000)
    termination_terms: str | None = Field(None, max_length=20000)


class TemplateActiveIn(InputSchema):
    active: bool


class TemplateOut(Schema):
    id: int
    kind: AgreementKind
    version: int
    active: bool
    title: str
    body: str
    default_term_months: int
    notice_days: int
    payment_terms_days: int
    responsibilities_vendor: str
    responsibilities_partner: str
    support_split: str
    ip_terms: str
    termination_terms: str
    created_at: datetime
    created_by: int | None = Field(None, alias="created_by_id")
    agreement_count: int = Field(0, description="Agreements made from this version")
