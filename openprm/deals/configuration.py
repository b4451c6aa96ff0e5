"""The deals app's configuration services: the deal-registration program settings (one row, `DealProgram`).

Edited on the console's settings page (deals:console_settings) and through `/api/v1/settings/deals`, never
in Django admin, so every change is validated and audited here. `services` keeps the registration work.
"""

from django.db import transaction

from openprm.accounts.access import require_program_admin
from openprm.audit.changes import save_audited

from .models import DealProgram

DEAL_SETTINGS_FIELDS = [
    "protection_days", "extension_days", "review_target_hours", "reminder_days", "minimum_amount",
    "minimum_currency", "match_domains", "match_names", "name_threshold", "lead_response_hours", "max_close_days",
]


def deal_settings() -> DealProgram:
    """The deal-registration settings row (created with the defaults on first read)."""
    return DealProgram.current()


def _rules(program: DealProgram) -> dict:
    # The column allows any decimal; a negative minimum value would mean nothing to anybody.
    if program.minimum_amount is not None and program.minimum_amount < 0:
        return {"minimum_amount": ["Enter an amount of zero or more, or leave it empty for no minimum."]}
    return {}


@transaction.atomic
def update_deal_settings(*, actor, data: dict) -> DealProgram:
    """Change deal-registration settings (matching, thresholds, minimum value, review target…); program
    admins only, validated as a whole (nothing is saved when one value is wrong), one audit event with the
    values before and after."""
    require_program_admin(actor)
    program = DealProgram.objects.select_for_update().get(pk=deal_settings().pk)
    data = dict(data)
    if isinstance(data.get("minimum_currency"), str):
        data["minimum_currency"] = data["minimum_currency"].upper()
    save_audited(actor=actor, obj=program, data=data, fields=DEAL_SETTINGS_FIELDS, verb="deal_program.updated",
                 message="Please correct the deal settings.", check=_rules)
    return program
