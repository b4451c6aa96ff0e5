"""Read-only ticket queries shared by the support pages and the API."""

from django.db.models import Q

from .models import Ticket


def filter_tickets(tickets, *, partner=None, level=None, status=None, priority=None, breached=None, tier=None,
                   assignee=None, q: str = ""):
    """Narrow an already scoped ticket queryset by the queue filters (None / "" = no filter)."""
    if partner:
        tickets = tickets.filter(partner_id=partner)
    if level:
        tickets = tickets.filter(level=level)
    if status:
        tickets = tickets.filter(status=status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if tier:
        tickets = tickets.filter(partner__tier=tier)
    if assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee:
        tickets = tickets.filter(assignee_id=assignee)
    if breached is True:
        tickets = tickets.breached()
    elif breached is False:
        tickets = tickets.exclude(pk__in=Ticket.objects.breached().values("pk"))
    q = (q or "").strip()
    if q:
        term = Q(subject__icontains=q) | Q(customer_name__icontains=q) | Q(customer_company__icontains=q)
        if q.lstrip("#").isdigit() and len(q) < 10:
            term |= Q(pk=int(q.lstrip("#")))
        tickets = tickets.filter(term)
    return tickets


def overview(tickets, now) -> dict:
    """The support overview: open tickets by level and priority, breaches this month, and the median first-response
    and resolution times (paused time left out) by the tier the clock started with."""
    from statistics import median

    from .models import OPEN_STATUSES, Level, Priority

    open_counts = {level: {p: 0 for p in Priority.values} for level in Level.values}
    for level, priority in tickets.filter(status__in=OPEN_STATUSES).values_list("level", "priority"):
        open_counts[level][priority] += 1
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    breaches = (tickets.filter(first_response_breached_at__gte=month_start).count()
                + tickets.filter(resolution_breached_at__gte=month_start).count())
    first, resolution = {}, {}
    for tier, started, answered, resolved, paused in tickets.filter(sla_started_at__isnull=False).values_list(
            "sla_tier", "sla_started_at", "first_responded_at", "resolved_at", "paused_seconds"):
        tier = tier or "none"
        if answered:
            first.setdefault(tier, []).append((answered - started).total_seconds())
        if resolved:
            resolution.setdefault(tier, []).append((resolved - started).total_seconds() - paused)
    tiers = sorted(set(first) | set(resolution))
    by_tier = [{"tier": t, "first_response": median(first[t]) if t in first else None,
                "resolution": median(resolution[t]) if t in resolution else None,
                "count": len(resolution.get(t, []))} for t in tiers]
    return {"open": [{"level": lvl, "counts": [open_counts[lvl][p] for p in Priority.values],
                      "total": sum(open_counts[lvl].values())} for lvl in Level.values],
            "priorities": Priority.values, "breaches_this_month": breaches, "by_tier": by_tier}
