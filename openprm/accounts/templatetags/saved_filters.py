"""`{% saved_filters "partners" %}`: the user's saved filters of a console list as links, and a form to save the
list's current filters under a name."""

from urllib.parse import urlencode

from django import template

from ..models import READ_ONLY_VENDOR_ROLES, SavedFilter
from ..services import UNSAVED_PARAMS

register = template.Library()


@register.inclusion_tag("accounts/_saved_filters.html", takes_context=True)
def saved_filters(context, list_name: str):
    request = context["request"]
    user = request.user
    query = urlencode([(k, v) for k, values in request.GET.lists() if k not in UNSAVED_PARAMS
                       for v in values if v])
    return {
        "list_name": list_name,
        # The user's own filters only: a saved filter is personal.
        "filters": list(SavedFilter.objects.filter(user=user, list_name=list_name)) if user.is_authenticated else [],
        "query": query, "current": request.GET.urlencode() and query,
        "next": request.get_full_path(), "csrf_token": context.get("csrf_token"),
        "can_save": user.is_authenticated and user.role not in READ_ONLY_VENDOR_ROLES,
    }
