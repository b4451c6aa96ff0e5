"""Who may open console and portal pages: vendor staff and partner users respectively."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def _side_required(check):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied("This page is not for your role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


vendor_required = _side_required(lambda user: user.is_vendor)
partner_required = _side_required(lambda user: user.is_partner_user and user.partner_id is not None)
program_admin_required = _side_required(lambda user: user.is_program_admin)
