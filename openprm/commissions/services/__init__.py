"""Every change to commissions, one module per concern: `plans`, `accrual` (booking won deals, recalculating a
period), `ledger` (line statuses, the approval job, refunds), `incentives` (SPIFFs, quarterly targets and
bonuses, rewards), `payouts` and `recalculation` (a period recalculation run from the console). Amounts are
computed at full precision and each line is rounded once, half-up.

Callers import from the package (`from openprm.commissions import services`, then `services.refund(...)`):
this module re-exports the public functions of its modules.
"""

from ..exceptions import (
    Conflict,
    FourEyesRequired,
    InvalidLineTransition,
    LikelyDuplicate,
    NotAllowed,
    ValidationFailed,
)
from ..models import Spiff
from ._common import DUPLICATE_WINDOW, HUNDRED
from .accrual import Recalculation, accrue_registration, booked_for_other_participants, recalculate
from .incentives import (
    ACTIVE,
    ENDED,
    UPCOMING,
    Progress,
    award_quarterly_bonuses,
    award_reward,
    create_spiff,
    credited_wins,
    end_spiff,
    running_spiffs,
    set_quarterly_target,
    spiff_pays,
    spiff_status,
    spiffs_by_status,
    target_bonus,
    target_progress,
)
from .ledger import APPROVAL_CHUNK, approve_due_lines, cancel_line, hold_line, refund, release_line
from .payout_details import can_edit_payout_details, clean_payout_details, iban_is_valid, set_payout_details
from .payouts import (
    approve_payout,
    create_payout,
    mark_exported,
    mark_paid,
    minimum_payout,
    needs_other_approver,
)
from .plans import (
    PLAN_FIELDS,
    assign_plan,
    assign_plan_from_agreement,
    create_plan,
    no_plan_warnings,
    plan_for,
    tier_on,
)
from .recalculation import run_recalculation, start_recalculation

__all__ = [
    "ACTIVE", "APPROVAL_CHUNK", "DUPLICATE_WINDOW", "ENDED", "HUNDRED", "PLAN_FIELDS", "UPCOMING",
    "Conflict", "FourEyesRequired", "InvalidLineTransition", "LikelyDuplicate", "NotAllowed", "Progress",
    "Recalculation", "Spiff",
    "ValidationFailed",
    "accrue_registration", "approve_due_lines", "approve_payout", "assign_plan", "assign_plan_from_agreement",
    "award_quarterly_bonuses",
    "award_reward", "booked_for_other_participants", "cancel_line", "create_payout", "create_plan", "create_spiff",
    "credited_wins", "end_spiff", "hold_line", "mark_exported", "mark_paid", "no_plan_warnings", "plan_for",
    "recalculate", "refund", "run_recalculation", "start_recalculation",
    "release_line", "running_spiffs", "set_quarterly_target", "spiff_pays", "spiff_status", "spiffs_by_status",
    "target_bonus", "target_progress", "tier_on",
    "can_edit_payout_details", "clean_payout_details", "iban_is_valid", "minimum_payout", "needs_other_approver",
    "set_payout_details",
]
