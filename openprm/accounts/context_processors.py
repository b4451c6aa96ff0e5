"""Template context every page gets."""

from functools import cache

from django.conf import settings


def openprm(request):
    """Demo flag, product name, and the signed-in person's unread notification count for the bell.

    The count is a callable the template resolves when it shows the bell, once per page: pages without
    the bell (sign-in, public pages, errors) run no query.
    """
    user = getattr(request, "user", None)

    @cache
    def unread_notifications() -> int:
        if user is None or not user.is_authenticated:
            return 0
        return user.notifications.unread().count()

    return {"DEMO": settings.DEMO, "PRODUCT_NAME": "OpenPRM", "UNREAD_NOTIFICATIONS": unread_notifications}
