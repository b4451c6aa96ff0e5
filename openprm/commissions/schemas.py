"""API shapes for commissions. Money is a decimal string; rates are percentages as decimal strings."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from openprm.lib import clock
from openprm.lib.money import money_str, plain_decimal
from openprm.lib.schemas import InputSchema

from .services import spiff_status


class BandIO(InputSchema):
    from_: Decimal = Field(..., alias="from", ge=0)
    to: Decimal | None = None
    rate_percent: Decimal = Field(..., ge=0, le=100)


class PlanIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    type: Literal["revenue_share", "tiered", "tier_based", "project_fee"]
    currency: str = Field("USD", min_length=3, max_length=3)
    period: Literal["month", "quarter", "year"] = "quarter"
    rate_percent: Decimal | None = Field(None, ge=0, le=100)
    bands: list[BandIO] = []
    basis: Literal["per_deal", "period_volume"] = "per_deal"
    retroactive: bool = False
    tier_rates: dict[str, Decimal] = {}
    fee: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    influenced_factor_percent: Decimal = Field(Decimal("50"), ge=0, le=100)
    base: Literal["gross", "net"] = "gross"
    holding_days: int = Field(30, ge=0, le=3650)


class PlanOut(Schema):
    id: int
    name: str
    type: str
    currency: str
    period: str
    rate_percent: str | None
    bands: list[dict]
    basis: str
    retroactive: bool
    tier_rates: dict
    fee: str | None
    influenced_factor_percent: str
    base: str
    holding_days: int

    @staticmethod
    def resolve_rate_percent(obj):
        return None if obj.rate_percent is None else plain_decimal(obj.rate_percent)

    @staticmethod
    def resolve_fee(obj):
        return None if obj.fee is None else str(obj.fee)

    @staticmethod
    def resolve_influenced_factor_percent(obj):
        return plain_decimal(obj.influenced_factor_percent)


class AssignIn(InputSchema):
    plan: int
    starts_on: date
    ends_on: date | None = None


class AssignOut(Schema):
    id: int
    partner: int = Field(..., alias="partner_id")
    plan: int = Field(..., alias="plan_id")
    starts_on: date
    ends_on: date | None


class LineOut(Schema):
    id: int
    partner: int = Field(..., alias="partner_id")
    registration: int | None = Field(None, alias="registration_id")
    kind: str
    amount: str
    currency: str
    status: str
    period: str
    accrued_on: date
    available_on: date
    explanation: str
    status_reason: str
    created_at: datetime

    @staticmethod
    def resolve_amount(obj):
        return money_str(obj.amount, obj.currency)


class ReasonIn(InputSchema):
    reason: str = Field(..., max_length=2000)


class RefundIn(InputSchema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    reason: str = Field(..., max_length=2000)


class StatementOut(Schema):
    partner: int
    period: str
    currency: str
    opening_balance: str
    lines: list[LineOut]
    earned: str
    paid: str
    closing_balance: str

    @staticmethod
    def resolve_opening_balance(obj):
        return money_str(obj["opening_balance"], obj["currency"])

    @staticmethod
    def resolve_earned(obj):
        return money_str(obj["earned"], obj["currency"])

    @staticmethod
    def resolve_paid(obj):
        return money_str(obj["paid"], obj["currency"])

    @staticmethod
    def resolve_closing_balance(obj):
        return money_str(obj["closing_balance"], obj["currency"])


class PayoutIn(InputSchema):
    currency: str = Field(..., min_length=3, max_length=3)
    up_to: date


class PayoutItemOut(Schema):
    partner: int = Field(..., alias="partner_id")
    amount: str
    can_be_paid: bool
    blocked_reason: str

    @staticmethod
    def resolve_can_be_paid(obj):
        return not obj.blocked_reason

    @staticmethod
    def resolve_amount(obj):
        return money_str(obj.amount, obj.payout.currency)


class PayoutOut(Schema):
    id: int
    status: str
    currency: str
    up_to: date
    items: list[PayoutItemOut]
    total: str
    reference: str

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())

    @staticmethod
    def resolve_total(obj):
        return money_str(obj.total, obj.currency)


class PayoutDetailsIn(InputSchema):
    """A partner's bank account: an IBAN, or an account number with a routing number (the service checks)."""

    account_holder: str = Field(..., max_length=140)
    iban: str | None = Field(None, max_length=50)
    account_number: str | None = Field(None, max_length=40)
    routing_number: str | None = Field(None, max_length=20)
    swift: str | None = Field(None, max_length=20)
    tax_id: str | None = Field(None, max_length=60)
    country: str = Field(..., max_length=60)  # the service checks the ISO code, with a field message


class PayoutDetailsOut(Schema):
    """Payout details as everyone reads them: the sensitive numbers masked to their last 4 characters."""

    partner: int = Field(..., alias="partner_id")
    account_holder: str
    iban: str
    account_number: str
    routing_number: str
    swift: str
    tax_id: str
    country: str
    updated_at: datetime

    @staticmethod
    def resolve_iban(obj):
        return obj.masked("iban")

    @staticmethod
    def resolve_account_number(obj):
        return obj.masked("account_number")

    @staticmethod
    def resolve_routing_number(obj):
        return obj.masked("routing_number")

    @staticmethod
    def resolve_tax_id(obj):
        return obj.masked("tax_id")


class PaidIn(InputSchema):
    reference: str = Field(..., max_length=120)


class SpiffIn(InputSchema):
    name: str = Field(..., max_length=120)
    products: list[str] = Field(..., max_length=50)
    starts_on: date
    ends_on: date
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    percent: Decimal | None = Field(None, max_digits=6, decimal_places=3)
    currency: str = Field("USD", max_length=3)


class SpiffOut(Schema):
    id: int
    name: str
    products: list[str]
    starts_on: date
    ends_on: date
    amount: str | None
    percent: str | None
    currency: str
    status: str

    @staticmethod
    def resolve_amount(obj):
        return None if obj.amount is None else money_str(obj.amount, obj.currency)

    @staticmethod
    def resolve_percent(obj):
        return None if obj.percent is None else plain_decimal(obj.percent)

    @staticmethod
    def resolve_status(obj):
        return spiff_status(obj, clock.today())


class SpiffEndIn(InputSchema):
    ends_on: date | None = None


class TargetIn(InputSchema):
    partner: int
    quarter: str = Field(..., max_length=7)
    target: Decimal = Field(..., max_digits=14, decimal_places=2)
    currency: str = Field("USD", max_length=3)
    bonus_amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    bonus_percent: Decimal | None = Field(None, max_digits=6, decimal_places=3)


class TargetOut(Schema):
    id: int
    partner: int = Field(..., alias="partner_id")
    quarter: str
    target: str
    currency: str
    bonus_amount: str | None
    bonus_percent: str | None

    @staticmethod
    def resolve_target(obj):
        return money_str(obj.target, obj.currency)

    @staticmethod
    def resolve_bonus_amount(obj):
        return None if obj.bonus_amount is None else money_str(obj.bonus_amount, obj.currency)

    @staticmethod
    def resolve_bonus_percent(obj):
        return None if obj.bonus_percent is None else plain_decimal(obj.bonus_percent)


class RewardIn(InputSchema):
    amount: Decimal = Field(..., max_digits=14, decimal_places=2)
    currency: str = Field("USD", max_length=3)
    reason: str = Field(..., max_length=2000)
