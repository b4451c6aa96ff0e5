"""The commissions app's configuration services: the commission settings (one row, `CommissionSettings`).

Edited on the console's settings page (commissions:console_settings) and through
`/api/v1/settings/commissions`, never in Django admin, so every change is validated and audited here.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from openprm.accounts.access import require_program_admin
from openprm.audit.changes import save_audited
from openprm.lib.money import CURRENCIES

from .models import CommissionSettings

COMMISSION_SETTINGS_FIELDS = ["minimum_payout", "minimum_payout_overrides", "payout_four_eyes"]


def commission_settings() -> CommissionSettings:
    """The commission settings row (created with the defaults on first read)."""
    return CommissionSettings.current()


def _overrides(value) -> tuple[dict, list[str]]:
    """Per-currency minimums as {"JPY": "5000"} (codes upper-cased, amounts as plain decimal text), and the
    problems found in them."""
    if not isinstance(value, dict):
        return {}, ['Give per-currency minimums such as {"JPY": "5000"}.']
    clean, problems = {}, []
    for code, amount in value.items():
        code = str(code).strip().upper()
        if code not in CURRENCIES:
            problems.append(f"{code or '(empty)'} is not a supported currency.")
            continue
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            problems.append(f"The {code} minimum is not a number.")
            continue
        if not number.is_finite() or number < 0 or number >= Decimal("1e10"):
            problems.append(f"The {code} minimum must be an amount of zero or more.")
            continue
        clean[code] = f"{number:f}"
    return clean, problems


def _rules(row: CommissionSettings) -> dict:
    errors = {}
    # The column allows negatives; a negative minimum would pay out negative balances.
    if row.minimum_payout < 0:
        errors["minimum_payout"] = ["Enter an amount of zero or more."]
    clean, problems = _overrides(row.minimum_payout_overrides)
    if problems:
        errors["minimum_payout_overrides"] = problems
    else:
        row.minimum_payout_overrides = clean
    return errors


@transaction.atomic
def update_commission_settings(*, actor, data: dict) -> CommissionSettings:
    """Change the commission settings (the default minimum payout in the program currency and per-currency
    minimums: smaller balances carry forward to the next payout; whether a payout batch needs a second
    approver); program admins only, one audit event with the values before and after."""
    require_program_admin(actor)
    if isinstance(data.get("minimum_payout_overrides"), dict):
        # The API hands amounts as Decimal, which a JSON column cannot hold; _rules checks the text.
        data = {**data, "minimum_payout_overrides": {k: str(v) for k, v in data["minimum_payout_overrides"].items()}}
    row = CommissionSettings.objects.select_for_update().get(pk=commission_settings().pk)
    save_audited(actor=actor, obj=row, data=data, fields=COMMISSION_SETTINGS_FIELDS,
                 verb="commission_settings.updated", message="Please correct the commission settings.",
                 check=_rules)
    return row
