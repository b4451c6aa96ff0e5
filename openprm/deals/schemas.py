"""API shapes for deal registration. Money is a decimal string; dates are ISO 8601."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from openprm.lib.schemas import InputSchema

from .models import (
    MAX_NOTES_LENGTH,
    MAX_PRODUCT_LENGTH,
    MAX_PRODUCTS,
    ConflictDecision,
    ConflictStep,
    ParticipantRole,
    RegistrationStatus,
)

ProductName = Annotated[str, Field(max_length=MAX_PRODUCT_LENGTH)]


class CustomerOut(Schema):
    name: str
    domain: str
    country: str


class ParticipantIO(InputSchema):
    partner: int
    role: ParticipantRole
    split_percent: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=2)


class RegistrationOut(Schema):
    id: int
    partner: int
    status: RegistrationStatus
    customer: CustomerOut
    contact_name: str
    contact_email: str
    products: list[str]
    amount: str
    currency: str
    expected_close_date: date
    notes: str
    submitted_at: datetime
    approved_at: datetime | None
    protected_until: date | None
    extension_status: str
    review_overdue: bool
    outside_territory: bool = Field(..., description="Flagged for review: outside the partner's agreement "
                                                     "territories, or a named account of another partner")
    conflict_case: int | None
    participants: list[ParticipantIO]
    won_amount: str | None
    won_currency: str | None
    closed_on: date | None
    lost_reason: str
    decision_note: str

    @staticmethod
    def resolve_partner(obj):
        return obj.partner_id

    @staticmethod
    def resolve_customer(obj):
        return {"name": obj.customer_name, "domain": obj.customer_domain, "country": obj.customer_country}

    @staticmethod
    def resolve_amount(obj):
        return str(obj.amount)

    @staticmethod
    def resolve_won_amount(obj):
        return None if obj.won_amount is None else str(obj.won_amount)

    @staticmethod
    def resolve_won_currency(obj):
        return obj.won_currency or None

    @staticmethod
    def resolve_conflict_case(obj):
        return obj.conflict_case_id

    @staticmethod
    def resolve_review_overdue(obj):
        return obj.is_review_overdue()

    @staticmethod
    def resolve_participants(obj):
        return [{"partner": p.partner_id, "role": p.role, "split_percent": p.split_percent}
                for p in obj.participants.all()]



class CloseOut(RegistrationOut):
    """The closed registration and what the person closing it should know."""

    warnings: list[str] = Field([], description="One sentence per participant of a won deal with no commission "
                                                "plan in force on the close date: nothing was booked for it")

    @staticmethod
    def resolve_warnings(obj):
        return list(getattr(obj, "close_warnings", []))

class RegistrationIn(InputSchema):
    customer_name: str = Field(..., min_length=1, max_length=200)
    customer_domain: str = Field("", max_length=253)
    customer_country: str = Field(..., min_length=2, max_length=2)
    contact_name: str = Field("", max_length=150)
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=40)
    products: list[ProductName] = Field([], max_length=MAX_PRODUCTS)
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(..., min_length=3, max_length=3)
    expected_close_date: date = Field(..., description="Not in the past, and at most the program's horizon "
                                                       "(default 730 days) ahead")
    notes: str = Field("", max_length=MAX_NOTES_LENGTH)
    partner: int | None = Field(None, description="Vendor staff register on a partner's behalf")


class PrecheckOut(Schema):
    protected: bool


class NoteIn(InputSchema):
    note: str = Field("", max_length=5000)


class ReasonIn(InputSchema):
    reason: str = Field(..., max_length=5000)


class ExtensionDecisionIn(InputSchema):
    note: str = Field("", max_length=5000)


class CloseIn(InputSchema):
    outcome: Literal["won", "lost"]
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    closed_on: date | None = None
    reason: str = ""


class ConflictNoteOut(Schema):
    step: str
    note: str
    author: int | None = Field(None, alias="author_id")
    created_at: datetime


class ConflictOut(Schema):
    id: int
    customer: CustomerOut
    step: ConflictStep
    opened_at: datetime
    decision: str
    decision_note: str
    decided_at: datetime | None
    closed_at: datetime | None
    registrations: list[int]
    notes: list[ConflictNoteOut]

    @staticmethod
    def resolve_customer(obj):
        return {"name": obj.customer.name, "domain": obj.customer.domain, "country": obj.customer.country}

    @staticmethod
    def resolve_registrations(obj):
        return [r.pk for r in obj.registrations.order_by("submitted_at", "pk")]

    @staticmethod
    def resolve_notes(obj):
        return list(obj.notes.all())


class AdvanceIn(InputSchema):
    step: ConflictStep
    note: str = Field("", max_length=5000)


class DecideIn(InputSchema):
    decision: ConflictDecision
    registration: int | None = None
    participants: list[ParticipantIO] | None = None
    note: str = Field("", max_length=5000)


class PreventIn(InputSchema):
    note: str = Field(..., max_length=5000)
    named_account_partner: int | None = None


class LeadImportIn(InputSchema):
    csv: str = Field(..., description="The CSV text: a header row naming the columns (company_name and country "
                                      "required), then one lead per line; products separated by semicolons")
    dry_run: bool = Field(False, description="Check every row and write nothing")
    source: str = Field("", max_length=200, description="Where the leads come from, e.g. the file name")


class LeadImportOut(Schema):
    count: int
    items: list["LeadOut"]


class LeadIn(InputSchema):
    company_name: str = Field(..., max_length=200)
    domain: str = Field("", max_length=253)
    country: str = Field(..., max_length=2)
    contact_name: str = Field("", max_length=150)
    contact_email: str = Field("", max_length=254)
    products: list[ProductName] = Field([], max_length=MAX_PRODUCTS)
    specialization: str = Field("", max_length=80)
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    currency: str = Field("USD", min_length=3, max_length=3)
    notes: str = Field("", max_length=MAX_NOTES_LENGTH)


class LeadOut(Schema):
    id: int
    partner: int | None = Field(None, alias="partner_id")
    company_name: str
    domain: str
    country: str
    contact_name: str
    contact_email: str
    products: list[str]
    specialization: str
    amount: str | None
    currency: str
    status: str
    offered_at: datetime | None
    respond_by: datetime | None
    registration: int | None = Field(None, alias="registration_id")

    @staticmethod
    def resolve_amount(obj):
        return None if obj.amount is None else str(obj.amount)


class LeadAcceptIn(InputSchema):
    expected_close_date: date | None = None
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2,
                                   description="The deal's estimated amount; required when the lead has none")
    currency: str | None = Field(None, min_length=3, max_length=3, description="Default: the lead's currency")
