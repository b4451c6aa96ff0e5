"""The one place passwords are checked, so every sign-in page shares the lock-out.

Django's `authenticate()` is what the product's /login/ form and the Django admin's login form (and any
future entry point) call; putting the lock-out here rather than in one form means no page can skip it.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import ratelimit, services
from .exceptions import LockedOut

# The dotted path stored in sessions by login(); it must be in settings.AUTHENTICATION_BACKENDS.
BACKEND_PATH = "openprm.accounts.backends.ThrottledModelBackend"


class ThrottledModelBackend(ModelBackend):
    """E-mail and password, refused while the address (or the client IP) is locked; failures are counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        email = str(email or "").strip().lower()
        if not email or password is None:
            return None
        ip_address = ratelimit.client_ip(request) or None
        try:
            services.check_not_locked(email, ip_address)
        except LockedOut:
            # PermissionDenied makes authenticate() stop at once: no other backend may accept the password.
            raise PermissionDenied from None
        user = super().authenticate(request, username=email, password=password)
        if user is None:
            # A wrong password, an unknown address or an inactive account: each counts towards the lock.
            services.record_login_failure(email, ip_address)
        return user
