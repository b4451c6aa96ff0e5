"""Template context every page gets."""

from django.conf import settings


def openprm(request):
    """Demo flag, product name, and the signed-in person's unread notification count for the bell."""
    user = getattr(request, "user", None)
    unread = user.notifications.unread().count() if user is not None and user.is_authenticated else 0
    return {"DEMO": settings.DEMO, "PRODUCT_NAME": "OpenPRM", "UNREAD_NOTIFICATIONS": unread}
