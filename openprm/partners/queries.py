"""Read-only helpers of the partner pages: lateness in stage and the list filters shared with the API.

The console home uses them too (its late partners), so they live here, in the app that owns the rule.
"""

from datetime import timedelta

from django.db.models import Q
from pydantic import ValidationError

from openprm.lib import clock

from .api import PartnerFilters, filter_partners
from .services import stage_targets


def late_q(targets: dict[str, int], now=None) -> Q:
    """Partners in a stage longer than its target (the same rule as Partner.is_late, in the database)."""
    now = now or clock.moment()
    q = Q(pk__in=[])
    for stage, days in targets.items():
        if days:
            q |= Q(stage=stage, stage_entered_at__lt=now - timedelta(days=days))
    return q


def mark_late(partners, targets: dict[str, int], now=None):
    """Give each partner `days_in` and `late` without one query per partner; returns a list."""
    now = now or clock.moment()
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
