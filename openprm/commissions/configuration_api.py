"""API: the commission settings at /api/v1/settings/commissions (program admins only; audited)."""

from decimal import Decimal

from ninja import Field, Router, Schema

from openprm.accounts.access import require_program_admin
from openprm.lib.schemas import PatchSchema

from . import configuration

router = Router(tags=["settings"])
ONLY_ADMINS = "Program settings are for program admins."


class CommissionSettingsOut(Schema):
    minimum_payout: Decimal
    minimum_payout_overrides: dict[str, Decimal]
    payout_four_eyes: bool


class CommissionSettingsPatch(PatchSchema):
    minimum_payout: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    minimum_payout_overrides: dict[str, Decimal] | None = None
    payout_four_eyes: bool | None = None


@router.get("/settings/commissions", response=CommissionSettingsOut)
def get_commission_settings(request):
    """The commission settings: the minimum payout in the program currency, per-currency minimums (smaller
    balances carry forward), and whether a payout batch needs a second approver (four-eyes)."""
    require_program_admin(request.user, ONLY_ADMINS)
    return configuration.commission_settings()


@router.patch("/settings/commissions", response=CommissionSettingsOut)
def patch_commission_settings(request, payload: CommissionSettingsPatch):
    """Change the commission settings. Audited."""
    require_program_admin(request.user, ONLY_ADMINS)
    return configuration.update_commission_settings(actor=request.user, data=payload.dict(exclude_unset=True))
