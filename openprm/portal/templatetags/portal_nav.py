"""`{% portal_tabs %}`: the portal's navigation for the signed-in person (see portal/navigation.py)."""

from django import template

from openprm.lib.navigation import current_name
from openprm.portal.navigation import tabs

register = template.Library()


@register.inclusion_tag("portal/_tabs.html", takes_context=True)
def portal_tabs(context):
    request = context["request"]
    return {"tabs": tabs(request.user, current_name(request))}
