"""API: the deal-registration settings at /api/v1/settings/deals (program admins only; audited)."""

from decimal import Decimal

from ninja import Field, Router, Schema

from openprm.accounts.access import require_program_admin
from openprm.lib.schemas import PatchSchema

from . import configuration

router = Router(tags=["settings"])
ONLY_ADMINS = "Program settings are for program admins."


class DealSettingsOut(Schema):
    protection_days: int
    extension_days: int
    review_target_hours: int
    reminder_days: int
    minimum_amount: Decimal | None
    minimum_currency: str
    match_domains: bool
    match_names: bool
    name_threshold: int
    lead_response_hours: int
    max_close_days: int


class DealSettingsPatch(PatchSchema):
    # null clears the minimum deal value: registrations of any amount are accepted.
    nullable = frozenset({"minimum_amount"})

    protection_days: int | None = Field(None, ge=1, le=3650)
    extension_days: int | None = Field(None, ge=1, le=3650)
    review_target_hours: int | None = Field(None, ge=1, le=87600)
    reminder_days: int | None = Field(None, ge=0, le=3650)
    minimum_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    minimum_currency: str | None = Field(None, min_length=3, max_length=3)
    match_domains: bool | None = None
    match_names: bool | None = None
    name_threshold: int | None = Field(None, ge=50, le=100)
    lead_response_hours: int | None = Field(None, ge=1, le=87600)
    max_close_days: int | None = Field(None, ge=1, le=3650)


@router.get("/settings/deals", response=DealSettingsOut)
def get_deal_settings(request):
    """How deal registration works: protection, extension, review target, matching, minimum value."""
    require_program_admin(request.user, ONLY_ADMINS)
    return configuration.deal_settings()


@router.patch("/settings/deals", response=DealSettingsOut)
def patch_deal_settings(request, payload: DealSettingsPatch):
    """Change deal-registration settings; fields left out keep their value. Audited."""
    require_program_admin(request.user, ONLY_ADMINS)
    return configuration.update_deal_settings(actor=request.user, data=payload.dict(exclude_unset=True))
