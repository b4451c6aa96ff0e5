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
