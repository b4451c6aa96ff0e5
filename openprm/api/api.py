"""The NinjaAPI instance at /api/v1: auth, error mapping, and every app's router."""

from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser

from . import errors
from .auth import api_auth
from .renderers import PlainDecimalRenderer


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StrictParser(Parser):
    """JSON bodies and query strings, refusing NUL characters: PostgreSQL cannot store or compare them, so
    they would otherwise surface as a 500 instead of a 400."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValueError("NUL characters are not allowed")  # ninja answers 400 "Cannot parse request body"
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        if _has_nul(result):
            raise HttpError(400, "NUL characters are not allowed in query parameters.")
        return result


api = NinjaAPI(
    title="OpenPRM API",
    version="1",
    description="Partner Relationship Management. Authenticate with `Authorization: Bearer <token>` "
    "(create tokens in the portal or with `openprm createtoken`).",
    auth=api_auth,
    parser=StrictParser(),
    renderer=PlainDecimalRenderer(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


def _mount_routers() -> None:
    from openprm.accounts.api import router as accounts_router
    from openprm.agreements.api import router as agreements_router
    from openprm.audit.api import router as audit_router
    from openprm.commissions.api import router as commissions_router
    from openprm.deals.api import router as deals_router
    from openprm.partners.api import router as partners_router
    from openprm.programs.api import router as programs_router
    from openprm.support.api import router as support_router

    api.add_router("", accounts_router)
    api.add_router("", partners_router)
    api.add_router("", programs_router)
    api.add_router("", agreements_router)
    api.add_router("", deals_router)
    api.add_router("", commissions_router)
    api.add_router("", audit_router)
    api.add_router("", support_router)
    # The program settings of each app (GET/PATCH /settings/…), program admins only.
    from openprm.commissions.configuration_api import router as commission_settings_router
    from openprm.deals.configuration_api import router as deal_settings_router
    from openprm.partners.configuration_api import router as partner_settings_router

    api.add_router("", partner_settings_router)
    api.add_router("", deal_settings_router)
    api.add_router("", commission_settings_router)


_mount_routers()
