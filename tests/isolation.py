"""The partner-isolation sweep's machinery: every route of the project, filled with another partner's ids.

ARCHITECTURE "Partner isolation": another partner's object is a 404 on every page and endpoint. The sweep
(tests/test_isolation_sweep.py) discovers the routes at run time from Django's URL resolver, so pages and
endpoints added later are swept without anyone listing them here. What it needs to know is:

- `PARAMS`: which object of partner Acme fills a path parameter (`contact_id` → an Acme contact, …). A route
  with a parameter missing here fails the sweep with a message naming the route: map the parameter (an
  object of Acme's, created in `AcmeWorld`) or allow-list the route with the reason.
- `SEGMENT_PARAMS`: for generic names (`pk`, `id`), the path segment before the parameter says what it is
  (`partners/<int:pk>/` → `partner_id`).
- `ALLOW_LIST`: routes that are public or not partner-scoped, each with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from openprm.accounts.scoping import PartnerScopedQuerySet

API_PREFIX = "api/v1/"


@dataclass(frozen=True)
class AllowedRoute:
    pattern: str  # a regular expression matched against the route, e.g. r"^login/$"
    reason: str
    optional: bool = False  # True when the route exists only in some configurations (DEBUG media, …)


ALLOW_LIST = [
    AllowedRoute(r"^login/$", "public sign-in form; shows no partner data"),
    AllowedRoute(r"^logout/$", "signs the caller out; no object, no partner data"),
    AllowedRoute(r"^invitations/<str:secret>/$",
                 "public; the secret in the link is the credential (tested in accounts/tests/test_invitations.py)"),
    AllowedRoute(r"^account/", "the signed-in person's own settings and tokens, looked up through request.user "
                               "(revoking another's token is tested in accounts/tests/test_tokens.py)"),
    AllowedRoute(r"^notifications/", "the signed-in person's own notifications only (request.user.notifications)"),
    AllowedRoute(r"^password-reset/", "public password reset by e-mail; the uid/token pair is the credential "
                                      "(tested in accounts/tests/test_password_reset.py)"),
    AllowedRoute(r"^apply/", "public partner application form"),
    AllowedRoute(r"^partners/$", "public partner locator: active, opted-in partners only"),
    AllowedRoute(r"^join/", "public self-registration form (by verified e-mail domain)"),
    AllowedRoute(r"^admin/", "Django admin: only program admins (is_staff) get in; partner users are sent to the "
                             "admin sign-in (test_admin_refuses_partner_users)"),
    AllowedRoute(r"^api/v1/docs$", "static API documentation page"),
    AllowedRoute(r"^api/v1/openapi\.json$", "the API schema; no data"),
    AllowedRoute(r"^media/", "uploaded files in the demo (DEBUG only); production serves them itself",
                 optional=True),
    AllowedRoute(r"^static/", "static assets; no data", optional=True),
]

# Generic parameter names: the segment before the parameter names the object.
SEGMENT_PARAMS = {
    "partners": "partner_id", "partner": "partner_id", "board": "partner_id",
    "contacts": "contact_id", "users": "user_id", "people": "user_id", "invitations": "invitation_id",
    "tokens": "token_id", "onboarding": "task_id", "tasks": "task_id", "onboarding-tasks": "task_id",
    "domains": "domain_id", "join-requests": "join_id", "registrations": "registration_id",
    "deals": "registration_id", "conflicts": "conflict_id", "leads": "lead_id", "commission-plans": "plan_id",
    "plans": "plan_id", "commissions": "line_id", "lines": "line_id", "payouts": "payout_id",
    "tier-reviews": "review_id", "reviews": "review_id", "tiers": "code", "agreements": "agreement_id",
    "spiffs": "spiff_id",
}
GENERIC_NAMES = {"pk", "id", "object_id"}

# Path parameter → the AcmeWorld attribute giving its value. Anything not here fails the sweep.
PARAMS = {
    "partner_id": "partner_id",
    "contact_id": "contact_id",
    "task_id": "task_id",
    "user_id": "user_id",
    "invitation_id": "invitation_id",
    "token_id": "token_id",
    "domain_id": "domain_id",
    "join_id": "join_id",
    "registration_id": "registration_id",
    "conflict_id": "conflict_id",
    "lead_id": "lead_id",
    "plan_id": "plan_id",
    "line_id": "line_id",
    "payout_id": "payout_id",
    "review_id": "review_id",
    "code": "tier_code",
    "agreement_id": "agreement_id",
    "template_id": "template_id",
    "spiff_id": "spiff_id",
    "onboarding_template_id": "onboarding_template_id",
    "item_id": "onboarding_item_id",
    "criterion_code": "criterion_code",
    "run_id": "recalculation_run_id",
    "product_id": "product_id",
    "filter_id": "saved_filter_id",
}

# Parameters that choose a representation, not an object (`statements/download.<fmt>`): filled with a real
# value, and the route is swept like one without parameters (it must ignore another partner's id in the query).
FORMAT_PARAMS = {"fmt": "csv"}

# Program-wide objects of the vendor (not owned by a partner): partner users are refused by role, and their
# existence is no secret (tier codes are listed to everyone), so they need not answer like missing ones.
VENDOR_OBJECTS = {"tier_code", "plan_id", "payout_id", "review_id", "template_id", "spiff_id",
                  "onboarding_template_id", "onboarding_item_id", "criterion_code", "recalculation_run_id",
                  "product_id"}


@dataclass
class Route:
    route: str  # Django route syntax, e.g. "portal/profile/contacts/<int:contact_id>/"
    name: str
    kind: str  # "api" or "page"
    params: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)  # declared methods (API routes)
    is_regex: bool = False

    @property
    def id(self) -> str:
        return self.route or "<root>"


_PARAM_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def _api_methods() -> dict[str, list[str]]:
    """"api/v1/users/<user_id>" → ["GET", "PATCH"], from the ninja routers' path operations."""
    from openprm.api.api import api

    methods: dict[str, list[str]] = {}

    def walk(router, prefix):
        for path, path_view in router.path_operations.items():
            full = "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            key = API_PREFIX + re.sub(r"\{(?:\w+:)?(\w+)\}", r"<\1>", full)
            for operation in path_view.operations:
                methods.setdefault(key, [])
                methods[key].extend(m for m in operation.methods if m not in methods[key])
        for sub_prefix, sub_router in getattr(router, "_routers", []):
            walk(sub_router, "/".join(p for p in (prefix, sub_prefix) if p))

    for prefix, router in api._routers:
        walk(router, prefix)
    return methods


def _walk(patterns, prefix="", regex=False):
    for entry in patterns:
        is_regex = regex or not isinstance(entry.pattern, RoutePattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), is_regex)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name or "", is_regex


def discover_routes() -> list[Route]:
    """Every URL pattern of the project (includes followed), one Route per distinct route string."""
    api_methods = _api_methods()
    routes: dict[str, Route] = {}
    for route, name, is_regex in _walk(get_resolver().url_patterns):
        if route in routes:
            continue
        kind = "api" if route.startswith(API_PREFIX) else "page"
        params = [m.group("name") for m in _PARAM_RE.finditer(route)
                  if m.group("name") not in FORMAT_PARAMS] if not is_regex else []
        routes[route] = Route(route=route, name=name, kind=kind, params=params,
                              methods=api_methods.get(_PARAM_RE.sub(lambda m: f"<{m.group('name')}>", route), []),
                              is_regex=is_regex)
    return list(routes.values())


def allowed(route: Route) -> AllowedRoute | None:
    for entry in ALLOW_LIST:
        if re.search(entry.pattern, route.route):
            return entry
    return None


def param_key(route: Route, name: str) -> str | None:
    """The PARAMS key a path parameter stands for, or None when the sweep does not know it."""
    if name in GENERIC_NAMES:
        match = next(m for m in _PARAM_RE.finditer(route.route) if m.group("name") == name)
        segments = [s for s in route.route[: match.start()].split("/") if s and "<" not in s]
        return SEGMENT_PARAMS.get(segments[-1]) if segments else None
    return name if name in PARAMS else None


def owns_partner_objects(route: Route) -> bool:
    """True when some path parameter names an object of Acme's (rather than a program-wide one)."""
    return any(PARAMS.get(param_key(route, name)) not in VENDOR_OBJECTS for name in route.params)


def unmapped_params(route: Route) -> list[str]:
    return [name for name in route.params if param_key(route, name) is None]


MISSING_ID = "987654321"


def fill(route: Route, world: AcmeWorld | None) -> str:
    """The route as a URL path, every parameter filled with the id of one of Acme's objects.

    With `world` None, every parameter gets an id that exists nowhere: Acme's object must answer exactly as a
    missing one does, or the answer tells Globex that it exists.
    """

    def value(match):
        if match.group("name") in FORMAT_PARAMS:
            return FORMAT_PARAMS[match.group("name")]
        key = PARAMS[param_key(route, match.group("name"))]
        if world is None:
            return "no-such-thing" if key == "tier_code" else MISSING_ID
        return str(getattr(world, key))

    return "/" + _PARAM_RE.sub(value, route.route)


class AcmeWorld:
    """Objects owned by partner Acme (or about it), created on first use so each route pays only for its own."""

    def __init__(self, *, acme, acme_admin, acme_rep, vendor_admin, channel_manager):
        self.acme, self.acme_admin, self.acme_rep = acme, acme_admin, acme_rep
        self.vendor_admin, self.channel_manager = vendor_admin, channel_manager

    # Text that must never appear in a response to another partner.
    @property
    def secrets(self) -> list[str]:
        return [self.acme.name, "acme.test", "Wile E. Coyote", "Roadrunner"]

    def _activate(self):
        from openprm.partners.models import Partner, Stage

        if self.acme.stage != Stage.ACTIVE:
            Partner.objects.filter(pk=self.acme.pk).update(stage=Stage.ACTIVE)
            self.acme.refresh_from_db()

    @property
    def partner_id(self):
        return self.acme.pk

    @cached_property
    def contact_id(self):
        from openprm.partners import services

        return services.save_contact(actor=self.vendor_admin, partner=self.acme, data={
            "name": "Wile E. Coyote", "email": "wile@acme.test", "is_primary": True}).pk

    @cached_property
    def task_id(self):
        from openprm.partners.models import OnboardingTask

        return OnboardingTask.objects.create(partner=self.acme, title="Acme Systems kickoff",
                                             owner_side="partner").pk

    @property
    def user_id(self):
        return self.acme_rep.pk

    @cached_property
    def invitation_id(self):
        from openprm.accounts import services

        invitation, _ = services.invite(actor=self.acme_admin, email="newbie@acme.test", role="partner_sales",
                                        partner=self.acme, full_name="Newbie Acme")
        return invitation.pk

    @cached_property
    def token_id(self):
        from openprm.accounts import services

        token, _ = services.create_token(actor=None, user=self.acme_admin, name="Acme CRM sync")
        return token.pk

    @cached_property
    def domain_id(self):
        from openprm.partners.models import PartnerDomain

        return PartnerDomain.objects.create(partner=self.acme, domain="acme.test", verified=True).pk

    @cached_property
    def join_id(self):
        from openprm.partners.models import JoinRequest

        # Confirmed, as only confirmed requests reach the partner's admins.
        return JoinRequest.objects.create(partner=self.acme, email="joiner@acme.test", full_name="Joiner Acme",
                                          password=make_password("Some-long-passphrase-1"), status="pending",
                                          confirmed_at=timezone.now()).pk

    @cached_property
    def registration(self):
        from openprm.deals import services

        self._activate()
        return services.register(actor=self.acme_rep, partner=self.acme, data={
            "customer_name": "Roadrunner Foods", "customer_domain": "roadrunner-foods.example",
            "customer_country": "US", "products": ["Analytics"], "amount": "125000.00", "currency": "USD",
            "expected_close_date": (timezone.localdate() + timedelta(days=60)).isoformat(), "notes": "",
        })

    @property
    def registration_id(self):
        return self.registration.pk

    @cached_property
    def conflict_id(self):
        from openprm.deals.models import ConflictCase

        return ConflictCase.objects.create(customer=self.registration.customer).pk

    @cached_property
    def lead_id(self):
        from openprm.deals.models import Lead

        return Lead.objects.create(partner=self.acme, company_name="Roadrunner Leads Ltd", country="US",
                                   contact_email="buyer@roadrunner.example", created_by=self.vendor_admin,
                                   offered_at=timezone.now(), respond_by=timezone.now() + timedelta(days=3)).pk

    @cached_property
    def plan_id(self):
        from openprm.commissions import services

        plan = services.create_plan(actor=self.vendor_admin, data={
            "name": "Reseller revenue share", "type": "revenue_share", "rate_percent": "10"})
        services.assign_plan(actor=self.vendor_admin, partner=self.acme, plan=plan,
                             starts_on=timezone.localdate() - timedelta(days=30))
        return plan.pk

    @cached_property
    def line_id(self):
        from openprm.commissions import services

        self._activate()
        return services.award_reward(actor=self.vendor_admin, partner=self.acme, amount=Decimal("500.00"),
                                     currency="USD", reason="Acme Systems partner of the year").pk

    @cached_property
    def payout_id(self):
        from openprm.commissions.models import Payout

        return Payout.objects.create(currency="USD", up_to=timezone.localdate(), created_by=self.vendor_admin).pk

    @cached_property
    def recalculation_run_id(self):
        from openprm.commissions.models import RecalculationRun

        return RecalculationRun.objects.create(period="2026-Q1").pk

    @cached_property
    def spiff_id(self):
        from openprm.commissions import services

        today = timezone.localdate()
        return services.create_spiff(actor=self.vendor_admin, name="Analytics launch", products=["Analytics"],
                                     starts_on=today, ends_on=today + timedelta(days=30), amount="250").pk

    @cached_property
    def saved_filter_id(self):
        # A saved filter is its owner's alone (Acme's channel manager here): anyone else gets a 404.
        from openprm.accounts import services

        return services.save_filter(actor=self.channel_manager, list_name="partners", name="Acme's partners",
                                    query="q=acme").pk

    @cached_property
    def product_id(self):
        from openprm.programs.models import Product

        return Product.objects.create(name="Analytics", family="Data").pk

    @cached_property
    def review_id(self):
        from openprm.programs.models import TierReview

        return TierReview.objects.create(as_of=timezone.localdate(), currency="USD",
                                         created_by=self.vendor_admin).pk

    @cached_property
    def agreement_id(self):
        from openprm.agreements import services

        agreement = services.create_agreement(actor=self.channel_manager, partner=self.acme, data={
            "kind": "reseller", "starts_on": timezone.localdate().isoformat(), "territories": ["US"],
            "products": ["Analytics"], "responsibilities_partner": "Acme Systems resells Roadrunner analytics."})
        return services.send(actor=self.channel_manager, agreement=agreement).pk

    @cached_property
    def template_id(self):
        from openprm.agreements import services

        return services.publish_template_version(actor=self.vendor_admin, kind="referral",
                                                 data={"title": "Referral agreement (2nd edition)"}).pk

    @cached_property
    def onboarding_template_id(self):
        from openprm.partners.models import OnboardingTemplate

        return OnboardingTemplate.objects.order_by("pk").values_list("pk", flat=True).first()

    @cached_property
    def onboarding_item_id(self):
        from openprm.partners.models import OnboardingTemplateItem

        return (OnboardingTemplateItem.objects.filter(template_id=self.onboarding_template_id).order_by("pk")
                .values_list("pk", flat=True).first())

    @cached_property
    def criterion_code(self):
        from openprm.partners.models import ScorecardCriterion

        return ScorecardCriterion.objects.order_by("pk").values_list("code", flat=True).first()

    @cached_property
    def tier_code(self):
        from openprm.programs.models import Tier

        return Tier.objects.order_by("pk").values_list("code", flat=True).first()


def partner_scoped_models():
    return [m for m in apps.get_models() if issubclass(m._default_manager._queryset_class, PartnerScopedQuerySet)]


def state_of(world: AcmeWorld) -> dict:
    """Everything a refused request must leave alone: the audit trail's length and every row of Acme's."""
    from openprm.accounts.models import ApiToken
    from openprm.audit.models import AuditEvent

    state = {"audit_events": AuditEvent.objects.count()}
    for model in partner_scoped_models():
        state[model._meta.label] = list(model._default_manager.for_partner(world.acme).order_by("pk").values())
    state["acme_tokens"] = list(ApiToken.objects.filter(user__partner=world.acme).order_by("pk").values())
    return state


def sample(schema: dict, components: dict, depth: int = 0):
    """A plausible value for a JSON schema, so a write endpoint gets past validation to its object lookup."""
    if depth > 6:
        return None
    if "$ref" in schema:
        return sample(components.get(schema["$ref"].rsplit("/", 1)[-1], {}), components, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return sample(options[0], components, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: sample(sub, components, depth + 1) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if kind == "array":
        count = max(1, schema.get("minItems", 0))
        return [sample(schema.get("items", {}), components, depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return "1"
    if kind == "boolean":
        return True
    formats = {"email": "sweep@globex.test", "date": timezone.localdate().isoformat(),
               "date-time": timezone.now().isoformat(), "uri": "https://globex.test"}
    return formats.get(schema.get("format"), "Sweep")


def sample_body(route: Route, method: str):
    """A request body built from the OpenAPI schema of the route's operation, or {} when it takes none."""
    from openprm.api.api import api

    schema = _openapi(api)
    path = "/" + _PARAM_RE.sub(lambda m: "{" + m.group("name") + "}", route.route)
    operation = schema["paths"].get(path, {}).get(method.lower(), {})
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        return {}
    return sample(body, schema.get("components", {}).get("schemas", {}))


_OPENAPI: dict = {}


def _openapi(api) -> dict:
    if "schema" not in _OPENAPI:
        _OPENAPI["schema"] = api.get_openapi_schema()  # paths as "/api/v1/users/{user_id}"
    return _OPENAPI["schema"]


# ---------------------------------------------------------------- whether, never by whom

# Routes a partner user cannot open at all (refused by role, or no page of data): the cross-partner sweep skips
# them. The main sweep above checks that partner users are refused there.
NOT_PARTNER_PAGES = [r"^console/", r"^admin/", r"^logout/$", r"^media/", r"^static/", r"^api/v1/docs$",
                     r"^api/v1/openapi\.json$"]


def partner_can_open(route: Route) -> bool:
    """Pages and API reads a partner user may open (GET), for the 'whether, never by whom' sweep."""
    if any(re.search(p, route.route) for p in NOT_PARTNER_PAGES):
        return False
    if unmapped_params(route):  # the parameter is a credential (invitation secret, reset token), not an object
        return False
    return route.kind == "page" or "GET" in route.methods


class OwnWorld(AcmeWorld):
    """The same objects as AcmeWorld, owned by another partner (Globex) that the sweep signs in as.

    Names and addresses are Globex's own, so that what the sweep looks for (Acme's people) appears only if a
    page leaks it.
    """

    @cached_property
    def contact_id(self):
        from openprm.partners import services

        return services.save_contact(actor=self.vendor_admin, partner=self.acme, data={
            "name": "Gerd Globex", "email": "gerd@globex.test", "is_primary": True}).pk

    @cached_property
    def invitation_id(self):
        from openprm.accounts import services

        invitation, _ = services.invite(actor=self.acme_admin, email="newbie@globex.test", role="partner_sales",
                                        partner=self.acme, full_name="Newbie Globex")
        return invitation.pk

    @cached_property
    def domain_id(self):
        from openprm.partners.models import PartnerDomain

        return PartnerDomain.objects.create(partner=self.acme, domain="globex.test", verified=True).pk

    @cached_property
    def join_id(self):
        from openprm.partners.models import JoinRequest

        return JoinRequest.objects.create(partner=self.acme, email="joiner@globex.test", full_name="Joiner Globex",
                                          password=make_password("Some-long-passphrase-1")).pk


def touch_from_another_partner(*, own: OwnWorld, other, other_users, vendor_admin) -> None:
    """Let `other`'s people act on things that touch `own.acme`: a later registration of the same customer
    (which puts own's registration into a conflict case, recorded with the other partner's user as actor) and
    a co-selling decision naming both partners."""
    from openprm.deals import services
    from openprm.partners.models import Partner, Stage

    Partner.objects.filter(pk=other.pk).update(stage=Stage.ACTIVE)
    other.refresh_from_db()
    registration = own.registration  # own registers first
    later = services.register(actor=other_users[0], partner=other, data={
        "customer_name": registration.customer_name, "customer_domain": registration.customer_domain,
        "customer_country": registration.customer_country, "products": ["Analytics"], "amount": "90000.00",
        "currency": "USD", "expected_close_date": (timezone.localdate() + timedelta(days=45)).isoformat(),
        "notes": "We met their CFO first."})
    later.refresh_from_db()
    services.decide_conflict(actor=vendor_admin, case=later.conflict_case, decision="co_sell",
                             registration=registration, participants=[
                                 {"partner": own.acme.pk, "role": "sourced", "split_percent": "60"},
                                 {"partner": other.pk, "role": "influenced", "split_percent": "40"}],
                             note="Both partners work the deal together.")
    own.registration.refresh_from_db()


def people_of(partner) -> list[str]:
    """The e-mail addresses and full names of every user of `partner`: what another partner must never read."""
    from openprm.accounts.models import User

    found = []
    for email, full_name in User.objects.filter(partner=partner).values_list("email", "full_name"):
        found += [email, full_name] if full_name else [email]
    return found
