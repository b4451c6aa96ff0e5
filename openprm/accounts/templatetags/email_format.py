"""Filters for e-mail templates: amounts read as people write them ("1,234,567.50 USD", "5,000 JPY")."""

from decimal import Decimal, InvalidOperation

from django import template

from openprm.lib.money import format_money

register = template.Library()


@register.filter
def money(value, currency):
    """`{{ amount|money:currency }}`: grouped, at the currency's decimals, with its code; "—" when missing."""
    if value is None or value == "" or not currency:
        return "—"
    try:
        return format_money(Decimal(value), str(currency))
    except (InvalidOperation, TypeError, ValueError):
        return "—"
