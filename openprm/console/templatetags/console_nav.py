"""`{% console_sidebar %}`: the console's navigation for the signed-in person (see console/navigation.py)."""

from django import template

from openprm.console.navigation import sidebar
from openprm.lib.navigation import current_name

register = template.Library()


@register.inclusion_tag("console/_sidebar.html", takes_context=True)
def console_sidebar(context):
    request = context["request"]
    return {"sections": sidebar(request.user, current_name(request))}
