"""API shapes for people and access."""

from datetime import datetime

from ninja import Field, Schema

from openprm.lib.schemas import InputSchema, PatchSchema

from .models import Role


class MeOut(Schema):
    id: int
    email: str
    role: str
    partner: int | None = Field(None, alias="partner_id")
    full_name: str
    time_zone: str


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    partner: int | None = Field(None, alias="partner_id")
    is_active: bool
    last_login: datetime | None
    date_joined: datetime


class UserPatch(PatchSchema):
    full_name: str | None = Field(None, max_length=150)
    role: Role | None = None
    is_active: bool | None = None
    time_zone: str | None = None


class InvitationIn(InputSchema):
    email: str = Field(..., max_length=254)
    role: Role
    partner: int | None = None
    full_name: str = Field("", max_length=150)


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    partner: int | None = Field(None, alias="partner_id")
    status: str
    created_at: datetime
    expires_at: datetime


class TokenIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The secret; shown this once, never again.")
