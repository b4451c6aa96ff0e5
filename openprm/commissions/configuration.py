"""The commissions app's configuration services: the commission settings (one row, `CommissionSettings`).

Edited on the console's settings page (commissions:console_settings) and through
`/api/v1/settings/commissions`, never in Django admin, so every change is validated and audited here.
"""

from django.db import transaction

from openprm.accounts.access import require_program_admin
from openprm.audit.changes import save_audited

from .models import CommissionSettings

COMMISSION_SETTINGS_FIELDS = ["minimum_payout"]


def commission_settings() -> CommissionSettings:
    """The commission settings row (created with the defaults on first read)."""
    return CommissionSettings.current()


def _rules(row: CommissionSettings) -> dict:
    # The column allows negatives; a negative minimum would pay out negative balances.
    if row.minimum_payout < 0:
        return {"minimum_payout": ["Enter an amount of zero or more."]}
    return {}


@transaction.atomic
def update_commission_settings(*, actor, data: dict) -> CommissionSettings:
    """Change the commission settings (the minimum payout: smaller balances carry forward to the next payout);
    program admins only, one audit event with the values before and after."""
    require_program_admin(actor)
    row = CommissionSettings.objects.select_for_update().get(pk=commission_settings().pk)
    save_audited(actor=actor, obj=row, data=data, fields=COMMISSION_SETTINGS_FIELDS,
                 verb="commission_settings.updated", message="Please correct the commission settings.",
                 check=_rules)
    return row
