"""API authentication: personal bearer tokens, or the browser session (with CSRF) for the web UIs."""

from ninja.security import HttpBearer, SessionAuth

from openprm.accounts.ratelimit import client_ip
from openprm.accounts.services import authenticate_token, check_not_locked, record_token_failure


class TokenAuth(HttpBearer):
    """`Authorization: Bearer oprm_…` — the token's user becomes request.user."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        # Tokens are credentials too: unknown ones count against the client like failed sign-ins.
        ip_address = client_ip(request) or None
        check_not_locked("", ip_address)
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        elif ip_address:
            record_token_failure(ip_address)
        return user


class ActiveSessionAuth(SessionAuth):
    """The signed-in browser session, for the console's and portal's own calls."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [TokenAuth(), ActiveSessionAuth()]
