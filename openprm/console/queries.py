"""Read-only helpers of the console home (lateness and the partner list filters live in openprm.partners.queries)."""

from datetime import timedelta

from django.db.models import Sum

from openprm.agreements.models import Agreement
from openprm.commissions.models import LedgerLine, LineStatus
from openprm.commissions.periods import period_bounds, period_key
from openprm.deals.models import DealProgram, Registration, RegistrationStatus
from openprm.deals.queries import conflict_cases_for, pipeline_totals
from openprm.deals.services import can_work_conflicts
from openprm.lib import clock
from openprm.lib.money import format_money


def deal_and_agreement_kpis(user, today) -> dict:
    """The console home's second row: what waits on the channel team in deals, conflicts and agreements,
    and the quarter's won revenue in the program currency — each over what `user` may see."""
    registrations = Registration.objects.for_user(user)
    waiting = registrations.filter(status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT])
    target = clock.moment() - timedelta(hours=DealProgram.current().review_target_hours)
    quarter = period_key("quarter", today)
    quarter_start, _ = period_bounds(quarter)
    won = registrations.filter(status=RegistrationStatus.WON, closed_on__gte=quarter_start, closed_on__lte=today)
    won_total = pipeline_totals(won, today).get(RegistrationStatus.WON)
    return {
        "waiting": waiting.count(),
        "past_target": waiting.filter(submitted_at__lt=target).count(),
        "open_conflicts": conflict_cases_for(user).filter(closed_at__isnull=True).count(),
        "works_conflicts": can_work_conflicts(user),
        "protected": registrations.filter(status=RegistrationStatus.APPROVED).count(),
        "won_count": won.count(),
        "won_total": won_total,
        "quarter": quarter,
        "expiring": Agreement.objects.for_user(user).expiring_within(60, today).count(),
    }


def commission_liability(user, today) -> dict:
    """Finance's home: what the program owes partners, per currency (amounts in different currencies are never
    added up): pending (still in the holding period), approved (payable), and paid this quarter."""
    quarter = period_key("quarter", today)
    quarter_start, quarter_end = period_bounds(quarter)
    lines = LedgerLine.objects.for_user(user)
    totals: dict[str, dict] = {}
    owed = (lines.filter(status__in=[LineStatus.PENDING, LineStatus.APPROVED])
            .values("currency", "status").annotate(total=Sum("amount")))
    paid = (lines.filter(status=LineStatus.PAID, paid_at__date__gte=quarter_start, paid_at__date__lte=quarter_end)
            .values("currency").annotate(total=Sum("amount")))
    for row in owed:
        totals.setdefault(row["currency"], {})[row["status"]] = row["total"]
    for row in paid:
        totals.setdefault(row["currency"], {})["paid"] = row["total"]
    rows = [{"currency": currency,
             **{key: format_money(amounts[key], currency) if key in amounts else "—"
                for key in (LineStatus.PENDING, LineStatus.APPROVED, "paid")}}
            for currency, amounts in sorted(totals.items())]
    return {"quarter": quarter, "rows": rows}
