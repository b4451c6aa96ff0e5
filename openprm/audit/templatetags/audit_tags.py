"""`{% audit_timeline events %}`: the one way pages render audit events, as the signed-in person may read them.

The filters write what the audit trail page shows of an event's changes in words (`audit.describe`).
"""

from django import template

from openprm.audit import describe
from openprm.audit.scoping import as_seen_by

register = template.Library()


@register.inclusion_tag("includes/audit_list.html", takes_context=True)
def audit_timeline(context, events):
    """Render `events` for the request's user (see `audit.scoping.as_seen_by`)."""
    request = context.get("request")
    return {"events": as_seen_by(events, getattr(request, "user", None))}


@register.filter
def audit_value(value):
    """A recorded change value as words: `318083.000` → 318,083.00, `True` → yes, `2026-12-04` → 4 Dec 2026."""
    return describe.readable_value(value)


@register.filter
def audit_field(name):
    """A recorded field name as words: `won_amount` → won amount."""
    return describe.readable_field(str(name))


@register.filter
def object_type_label(object_type):
    """`deals.registration` → registration."""
    return describe.object_type_label(str(object_type))
