"""Show times in the signed-in user's own time zone, and dates in the reader's locale."""

import zoneinfo

from django.utils import timezone

from openprm.lib import formatting


class UserTimezoneMiddleware:
    """Activate the user's time zone for the request (UTC for anonymous visitors)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        # Day or month first, from the browser's first language (lib.formatting: the |day and |moment filters).
        token = formatting.use_date_style(formatting.date_style_for(request.headers.get("Accept-Language", "")))
        try:
            return self.get_response(request)
        finally:
            formatting.reset_date_style(token)
