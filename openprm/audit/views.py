"""The console's audit trail: every event the viewer may see, filtered, paginated or exported as CSV.

Read-only. Events are listed through the audit app's scoping rule (`events_for_user`). Audit sits below
partners, so the partner filter reaches partners through the events' own `partner` foreign key.
"""

import json
from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from openprm.accounts.access import vendor_required
from openprm.lib import tables
from openprm.lib.params import querystring
from openprm.lib.pickers import picked_id, picked_text

from .describe import object_type_label
from .models import Action, AuditEvent
from .scoping import as_seen_by, events_for_user

PER_PAGE = 50
_Partner = AuditEvent._meta.get_field("partner").related_model


def _day_start(value: str):
    """The start of the day `value` (YYYY-MM-DD) in the active time zone, or None."""
    day = parse_date(value or "") if value else None
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@vendor_required
def console_list(request):
    """The audit trail, filtered by text, partner, actor, verb, object type, action and dates."""
    user = request.user
    events = events_for_user(user).select_related("partner")
    filters = {name: request.GET.get(name, "").strip() for name in
               ("q", "partner", "actor", "verb", "object_type", "action", "date_from", "date_to")}
    if filters["q"]:
        q = filters["q"]
        events = events.filter(Q(object_repr__icontains=q) | Q(actor_label__icontains=q) | Q(verb__icontains=q)
                               | Q(note__icontains=q))
    if picked_id(filters["partner"]) is not None:
        events = events.filter(partner_id=picked_id(filters["partner"]))
    if filters["actor"]:
        events = events.filter(actor_label__icontains=filters["actor"])
    if filters["verb"]:
        events = events.filter(verb__startswith=filters["verb"])
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"])
    if filters["action"] in Action.values:
        events = events.filter(action=filters["action"])
    start, end = _day_start(filters["date_from"]), _day_start(filters["date_to"])
    if start:
        events = events.filter(created_at__gte=start)
    if end:
        events = events.filter(created_at__lt=end + timedelta(days=1))
    if request.GET.get("format") == "csv":
        return tables.csv_stream("audit-trail.csv", ["time", "actor", "action", "verb", "object_type", "object_id",
                                                     "object", "partner", "changes", "note"],
                                 ([e.created_at.isoformat(), e.actor_label, e.action, e.verb, e.object_type,
                                   e.object_id, e.object_repr, e.partner.name if e.partner else "",
                                   json.dumps(e.changes, ensure_ascii=False), e.note]
                                  for e in events.iterator(chunk_size=1000)))
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    object_types = events_for_user(user).order_by("object_type").values_list("object_type", flat=True).distinct()
    return render(request, "audit/console_list.html", {
        # Each event told as a sentence (audit/describe.py), as the viewer may read it.
        "page": page, "events": as_seen_by(page.object_list, user), "filters": filters,
        "querystring": querystring(request.GET),
        "csv_query": querystring(request.GET, drop=("page", "format")), "filtered": any(filters.values()),
        "partner_text": picked_text(_Partner.objects.for_user(user), filters["partner"]),
        "object_types": [(code, object_type_label(code)) for code in object_types],
        "actions": Action.choices,
    })
