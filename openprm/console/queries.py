"""Read-only helpers of the console pages: lateness in stage, list filters shared with the API, CSV streaming."""

from datetime import timedelta

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils import timezone
from pydantic import ValidationError

from openprm.agreements.models import Agreement
from openprm.commissions.periods import period_bounds, period_key
from openprm.deals.models import DealProgram, Registration, RegistrationStatus
from openprm.deals.queries import conflict_cases_for, pipeline_totals
from openprm.deals.services import can_work_conflicts
from openprm.lib import tables
from openprm.partners.api import PartnerFilters, filter_partners
from openprm.partners.services import stage_targets


def late_q(targets: dict[str, int], now=None) -> Q:
    """Partners in a stage longer than its target (the same rule as Partner.is_late, in the database)."""
    now = now or timezone.now()
    q = Q(pk__in=[])
    for stage, days in targets.items():
        if days:
            q |= Q(stage=stage, stage_entered_at__lt=now - timedelta(days=days))
    return q


def mark_late(partners, targets: dict[str, int], now=None):
    """Give each partner `days_in` and `late` without one query per partner; returns a list."""
    now = now or timezone.now()
    items = list(partners)
    for p in items:
        p.days_in = (now - p.stage_entered_at).days
        days = targets.get(p.stage)
        p.target_days = days
        p.late = bool(days and now > p.stage_entered_at + timedelta(days=days))
    return items


def partner_filters(params) -> PartnerFilters:
    """The API's PartnerFilters from GET parameters; a value the API would refuse is dropped, not an error."""
    raw = {name: (params.get(name) or "").strip() for name in PartnerFilters.model_fields}
    raw = {k: v for k, v in raw.items() if v}
    try:
        return PartnerFilters(**raw)
    except ValidationError as exc:
        bad = {error["loc"][0] for error in exc.errors() if error.get("loc")}
        return PartnerFilters(**{k: v for k, v in raw.items() if k not in bad})


def filtered_partners(queryset, params, targets: dict[str, int] | None = None):
    """Apply the API's filters plus the console's `late=1` and `source`."""
    partners = filter_partners(queryset, partner_filters(params))
    if params.get("source") in ("vendor", "application", "import"):
        partners = partners.filter(source=params["source"])
    if params.get("late") == "1":
        partners = partners.filter(late_q(targets if targets is not None else stage_targets()))
    return partners


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """Stream rows as CSV through the formula guard of `openprm.lib.tables`."""
    return tables.csv_stream(filename, header, rows)


def deal_and_agreement_kpis(user, today) -> dict:
    """The console home's second row: what waits on the channel team in deals, conflicts and agreements,
    and the quarter's won revenue in the program currency — each over what `user` may see."""
    registrations = Registration.objects.for_user(user)
    waiting = registrations.filter(status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT])
    target = timezone.now() - timedelta(hours=DealProgram.current().review_target_hours)
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
