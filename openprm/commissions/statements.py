"""Statements: what a partner earned in a period and what it is owed, per currency (read-only queries)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from .models import LedgerLine, LineStatus
from .periods import period_bounds


def statement(*, partner, period: str) -> list[dict]:
    """One statement per currency: the balance owed at the start, the period's lines, payments, the end.

    Owed = every non-canceled line accrued so far − what has been paid. A line belongs to the period it
    accrued in; a payment to the period its batch was paid in.
    """
    start, end = period_bounds(period)
    lines = LedgerLine.objects.filter(partner=partner).exclude(status=LineStatus.CANCELED)
    currencies = sorted(set(LedgerLine.objects.filter(partner=partner, accrued_on__lte=end)
                            .values_list("currency", flat=True)))
    result = []
    for currency in currencies:
        mine = lines.filter(currency=currency)
        earned_before = mine.filter(accrued_on__lt=start).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        paid_before = mine.filter(paid_at__date__lt=start).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        period_lines = list(LedgerLine.objects.filter(partner=partner, currency=currency,
                                                      accrued_on__range=(start, end)).order_by("accrued_on", "id"))
        earned = sum((line.amount for line in period_lines if line.status != LineStatus.CANCELED), Decimal(0))
        paid = mine.filter(paid_at__date__range=(start, end)).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        opening = earned_before - paid_before
        by_status = defaultdict(Decimal)
        for line in period_lines:
            by_status[line.status] += line.amount
        result.append({
            "partner": partner.pk, "period": period, "currency": currency, "opening_balance": opening,
            "lines": period_lines, "earned": earned, "paid": paid, "closing_balance": opening + earned - paid,
            "by_status": dict(by_status),
        })
    return result


def earnings_summary(partner) -> dict[str, dict[str, Decimal]]:
    """currency → {pending, approved, on_hold, paid} totals, for the partner's earnings page."""
    rows = (LedgerLine.objects.filter(partner=partner).exclude(status=LineStatus.CANCELED)
            .values("currency", "status").annotate(total=Sum("amount")).order_by())
    summary: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        summary[row["currency"]][row["status"]] += row["total"]
    return {c: dict(v) for c, v in summary.items()}


