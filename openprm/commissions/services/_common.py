"""Helpers every commissions service module shares: formatting for explanations, role checks, parsing
numbers and dates into field errors, and writing one ledger line idempotently."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from openprm.accounts.models import Role
from openprm.lib.money import plain_decimal

from ..exceptions import NotAllowed
from ..models import (
    LedgerLine,
)

HUNDRED = Decimal(100)
# The same refund or reward (same deal or partner, amount and reason) again within this window is a double
# submit, not a decision: refused. An API client that retries on purpose sends an Idempotency-Key instead.
DUPLICATE_WINDOW = timedelta(minutes=1)


def _fmt(value: Decimal) -> str:
    """An amount in an explanation: grouped, two decimals (1,234.50)."""
    return f"{value:,.2f}"


def _pct(value: Decimal) -> str:
    """A percentage in an explanation, without trailing zeros or exponent (12.5%)."""
    return f"{plain_decimal(value)}%"


def _require(actor, *roles) -> None:
    """Refuse (NotAllowed) unless the actor has one of `roles`."""
    if actor is None or actor.role not in roles:
        raise NotAllowed("Only " + " and ".join(Role(r).label.lower() for r in roles) + " may do this.")


def _decimal(value, field, errors, *, allow_none=True):
    """`value` as a finite Decimal, or None with a message for `field` in `errors`."""
    if value in (None, ""):
        if not allow_none:
            errors[field] = ["This field is required."]
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[field] = ["Enter a number."]
        return None
    if not number.is_finite():
        errors[field] = ["Enter a number."]
        return None
    return number


def _write_line(**fields) -> LedgerLine:
    """Create a ledger line; its unique source key makes a second writer get the first one's line."""
    try:
        with transaction.atomic():
            return LedgerLine.objects.create(**fields)
    except IntegrityError:
        # Two recalculations raced for the same earning: the other one booked it.
        return LedgerLine.objects.get(source_key=fields["source_key"])


def _date(value, field, errors):
    """`value` (a date or ISO text) as a date, or None with a message for `field` in `errors`."""
    if value in (None, ""):
        errors[field] = ["This field is required."]
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = ["Enter a date such as 2026-10-01."]
        return None


def _one_of(amount, percent, amount_field, percent_field, errors, what) -> tuple:
    """Exactly one of a positive amount and a percentage in (0, 100]."""
    amount = _decimal(amount, amount_field, errors)
    percent = _decimal(percent, percent_field, errors)
    if amount_field in errors or percent_field in errors:
        return amount, percent
    if (amount is None) == (percent is None):
        message = f"Give either an amount or a percentage for the {what}, not both."
        if amount is None:
            message = f"Give an amount or a percentage for the {what}."
        errors[amount_field] = [message]
        errors[percent_field] = [message]
    elif amount is not None and amount <= 0:
        errors[amount_field] = ["Greater than zero."]
    elif percent is not None and not 0 < percent <= 100:
        errors[percent_field] = ["A percentage above 0, up to 100."]
    return amount, percent
