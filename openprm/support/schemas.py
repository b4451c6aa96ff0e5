"""API shapes for support tickets. Times are ISO 8601 with seconds and offset; due times are null before the
vendor's clock starts."""

from datetime import datetime

from ninja import Field, Schema

from openprm.lib import clock
from openprm.lib.schemas import InputSchema

from .models import Level, Priority, TicketStatus


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


class EndCustomerIn(InputSchema):
    name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    company: str = Field("", max_length=200)


class TicketIn(InputSchema):
    partner: int | None = Field(None, description="Vendor staff only; a partner user's own partner otherwise")
    subject: str = Field(..., max_length=200)
    description: str = Field(..., max_length=20000)
    priority: Priority = Priority.P3
    level: str = Field("L1", description="L1 or L2; opening at L2 needs `notes`")
    product: str = Field("", max_length=120)
    end_customer: EndCustomerIn | None = None
    notes: str = Field("", max_length=20000, description="The L1 troubleshooting notes")


class EscalateIn(InputSchema):
    to: Level
    notes: str = Field("", max_length=20000)
    defect_reference: str = Field("", max_length=120)


class CommentIn(InputSchema):
    body: str = Field(..., max_length=20000)
    internal: bool = False


class StatusIn(InputSchema):
    status: TicketStatus
    note: str = Field("", max_length=5000)


class AssignIn(InputSchema):
    assignee: int | None = None


class TicketOut(Schema):
    id: int
    partner: int = Field(..., alias="partner_id")
    subject: str
    description: str
    product: str
    priority: Priority
    level: Level
    status: TicketStatus
    assignee: int | None = Field(None, alias="assignee_id")
    end_customer: dict
    troubleshooting_notes: str
    defect_reference: str
    sla_started_at: str | None
    first_response_due: str | None
    resolution_due: str | None
    first_responded_at: str | None
    resolved_at: str | None
    paused: bool
    paused_seconds: int
    first_response_breached: bool
    resolution_breached: bool
    created_at: str

    @staticmethod
    def resolve_end_customer(obj):
        return {"name": obj.customer_name, "email": obj.customer_email, "company": obj.customer_company}

    @staticmethod
    def resolve_sla_started_at(obj):
        return iso(obj.sla_started_at)

    @staticmethod
    def resolve_first_response_due(obj):
        return iso(obj.first_response_due)

    @staticmethod
    def resolve_resolution_due(obj):
        # A running pause counts up to now: the due time shown moves while the ticket waits.
        return iso(obj.resolution_due_at(clock.moment()))

    @staticmethod
    def resolve_first_responded_at(obj):
        return iso(obj.first_responded_at)

    @staticmethod
    def resolve_resolved_at(obj):
        return iso(obj.resolved_at)

    @staticmethod
    def resolve_paused(obj):
        return obj.is_paused

    @staticmethod
    def resolve_paused_seconds(obj):
        return obj.total_paused_seconds(clock.moment())

    @staticmethod
    def resolve_first_response_breached(obj):
        return obj.first_response_breached_at is not None

    @staticmethod
    def resolve_resolution_breached(obj):
        return obj.resolution_breached_at is not None

    @staticmethod
    def resolve_created_at(obj):
        return iso(obj.created_at)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj):
        return f"/api/v1/tickets/{obj.comment.ticket_id}/attachments/{obj.pk}"


class CommentOut(Schema):
    id: int
    ticket: int = Field(..., alias="ticket_id")
    author: str
    by_vendor: bool
    internal: bool
    body: str
    created_at: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj):
        return obj.who

    @staticmethod
    def resolve_created_at(obj):
        return iso(obj.created_at)

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())


class TargetIO(Schema):
    first_response_minutes: int = Field(..., ge=1, le=525600)
    resolution_minutes: int = Field(..., ge=1, le=525600)


class SlaPolicyIn(InputSchema):
    P1: TargetIO | None = None
    P2: TargetIO | None = None
    P3: TargetIO | None = None
    P4: TargetIO | None = None


class SlaPolicyOut(Schema):
    P1: TargetIO
    P2: TargetIO
    P3: TargetIO
    P4: TargetIO
