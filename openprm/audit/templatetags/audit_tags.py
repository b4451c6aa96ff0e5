"""`{% audit_timeline events %}`: the one way pages render audit events, as the signed-in person may read them."""

from django import template

from openprm.audit.scoping import as_seen_by

register = template.Library()


@register.inclusion_tag("includes/audit_list.html", takes_context=True)
def audit_timeline(context, events):
    """Render `events` for the request's user (see `audit.scoping.as_seen_by`)."""
    request = context.get("request")
    return {"events": as_seen_by(events, getattr(request, "user", None))}
