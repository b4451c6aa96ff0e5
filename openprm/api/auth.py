"""API authentication: personal bearer tokens, or the browser session (with CSRF) for the web UIs."""

from ninja.security import HttpBearer, SessionAuth

from openprm.accounts.access import may_write
from openprm.accounts.ratelimit import client_ip
from openprm.accounts.services import authenticate_token, check_not_locked, record_token_failure
from openprm.lib.errors import NotAllowed


def _check_may_write(request, user, writers) -> None:
    # The read-only vendor roles change nothing through the API either (accounts.access); an operation
    # that one of them may use says so with `auth=auth_allowing(...)`. Raised here, before the body is
    # validated, so the refusal is the same 403 whatever the body holds.
    if user is not None and not may_write(user, request.method, writers):
        raise NotAllowed("Your role may read but not change anything through the API.")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer oprm_…` — the token's user becomes request.user."""

    openapi_scheme = "bearer"

    def __init__(self, writers=frozenset()):
        super().__init__()
        self.writers = frozenset(writers)

    def authenticate(self, request, token):
        # Tokens are credentials too: unknown ones count against the client like failed sign-ins.
        ip_address = client_ip(request) or None
        check_not_locked("", ip_address)
        user = authenticate_token(token)
        if user is not None:
            request.user = user
            _check_may_write(request, user, self.writers)
        elif ip_address:
            record_token_failure(ip_address)
        return user


class ActiveSessionAuth(SessionAuth):
    """The signed-in browser session, for the console's and portal's own calls."""

    def __init__(self, writers=frozenset()):
        super().__init__()
        self.writers = frozenset(writers)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        user = user if user is not None and user.is_active else None
        _check_may_write(request, user, self.writers)
        return user


def auth_allowing(*roles):
    """The API's authentication for an operation that the given read-only vendor roles may also use to write."""
    return [TokenAuth(writers=roles), ActiveSessionAuth(writers=roles)]


api_auth = auth_allowing()
