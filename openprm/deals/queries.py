"""Read helpers shared by the deal pages and the API (no writes here; changes go through services)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from openprm.lib.money import format_money
from openprm.programs.models import Program
from openprm.programs.services import rate_lookup

from .models import ConflictCase, RegistrationStatus
from .services import can_work_conflicts


@dataclass
class ColumnTotal:
    """One board column's money: the sum in the program currency (at `on`'s rates) and per deal currency."""

    converted: str | None = None  # None when a currency has no rate: never a silent 1.0
    missing_rates: list[str] = field(default_factory=list)
    by_currency: list[str] = field(default_factory=list)


def pipeline_totals(registrations, on: date) -> dict[str, ColumnTotal]:
    """status → its total: estimated amounts, or the final amounts of won deals, in every currency, and
    converted to the program currency with the stored FX rates of `on` (latest on or before it)."""
    program_currency = Program.current().currency
    sums: dict[str, list[tuple[str, Decimal]]] = {}
    for status, currency, total in (registrations.exclude(status=RegistrationStatus.WON)
                                    .values_list("status", "currency").annotate(t=Sum("amount"))
                                    .order_by("status", "currency")):
        sums.setdefault(status, []).append((currency, total))
    for currency, total in (registrations.filter(status=RegistrationStatus.WON).values_list("won_currency")
                            .annotate(t=Sum("won_amount")).order_by("won_currency")):
        if currency and total is not None:
            sums.setdefault(RegistrationStatus.WON, []).append((currency, total))
    rate = rate_lookup()
    result = {}
    for status, parts in sums.items():
        column = ColumnTotal(by_currency=[format_money(Decimal(t), c) for c, t in parts])
        converted = Decimal(0)
        for currency, total in parts:
            if rate(currency, on) is None:
                column.missing_rates.append(currency)
            else:
                converted += Decimal(total) * rate(currency, on)
        if not column.missing_rates:
            column.converted = format_money(converted, program_currency)
        result[status] = column
    return result


def conflict_cases_for(user):
    """Conflict cases `user` may work: every case for program admins, for a channel manager those touching one
    of the partners they manage, none for anyone else.

    Conflict cases span partners, so they are not partner-owned rows with `for_user`; this is their scoping.
    """
    if user is None or not user.is_authenticated or not can_work_conflicts(user):
        return ConflictCase.objects.none()
    cases = ConflictCase.objects.select_related("customer").prefetch_related("notes")
    if not user.sees_all_partners:
        cases = cases.filter(registrations__partner__manager=user).distinct()
    return cases
