"""Who may open console and portal pages: vendor staff and partner users respectively.

One rule more for every console page: the read-only vendor roles (`READ_ONLY_VENDOR_ROLES`: marketing and
support) may look at every page but change nothing, so any state-changing request from them is a 403 before
the view runs — unless the view names the role in `writers` (`@vendor_required(writers={Role.MARKETING})`),
which is how an app whose work belongs to such a role (MDF for marketing, tickets for support) opens its
own pages to it. The API applies the same rule in `openprm.api.auth`.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from openprm.lib.errors import NotAllowed

from .models import READ_ONLY_VENDOR_ROLES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def may_write(user, method: str, writers=frozenset()) -> bool:
    """False when `user` holds a read-only vendor role not listed in `writers` and the request changes state."""
    return method in SAFE_METHODS or user.role not in READ_ONLY_VENDOR_ROLES or user.role in writers


def _side_required(check):
    def decorator(view=None, *, writers=frozenset()):
        def wrap(view):
            @wraps(view)
            def wrapper(request, *args, **kwargs):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not check(request.user):
                    raise PermissionDenied("This page is not for your role.")
                if not may_write(request.user, request.method, writers):
                    raise PermissionDenied("Your role may look but not change anything here.")
                return view(request, *args, **kwargs)

            return wrapper

        # Used bare (`@vendor_required`) or with the roles that may write (`@vendor_required(writers=…)`).
        return wrap(view) if view is not None else wrap

    return decorator


vendor_required = _side_required(lambda user: user.is_vendor)
partner_required = _side_required(lambda user: user.is_partner_user and user.partner_id is not None)
program_admin_required = _side_required(lambda user: user.is_program_admin)


def require_program_admin(actor, message: str = "Only program admins change the program settings.") -> None:
    """Services' own check (the pages and endpoints check earlier): refuse anyone but a program admin."""
    if actor is None or not getattr(actor, "is_program_admin", False):
        raise NotAllowed(message)


def require_partner_admin(user) -> None:
    """Portal changes to the partner's profile and people are its partner admins' alone (others: 403)."""
    if not user.is_partner_admin:
        raise PermissionDenied("Only your partner admins can do this.")
