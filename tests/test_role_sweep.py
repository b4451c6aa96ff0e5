"""The role sweep: every route of the project, generated from the URL resolver, requested by the roles that
may not use it (NetBox-style: the list of routes is discovered, never written by hand).

- Anonymous: every page that is not public sends the caller to sign in; every API endpoint answers 401.
- The read-only vendor roles (`marketing`, `support`) change nothing anywhere: every state-changing request
  on every route is refused with 403 (405 where the route takes no such method; 404 where it names no object
  they can see), writes no row and records no audit event.
- Partner users never use the vendor console, even with their own partner's ids: 403, nothing written.
- A partner's non-admin users cannot use the pages and endpoints of partner admins (profile, people, domains,
  join requests) — 403, nothing written.

Each refusal also leaves Acme's rows and the audit trail exactly as they were (`isolation.state_of`).
"""

import json
import re

import pytest

from conftest import api_client_for, client_for, make_user

from . import isolation

ROUTES = isolation.discover_routes()
# The API's root is no endpoint (404 for everyone); every other route is protected unless allow-listed as public.
PROTECTED = [r for r in ROUTES if isolation.allowed(r) is None and r.route != "api/v1/"]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CONSOLE = [r for r in PROTECTED if r.route.startswith("console/")]

# Partner-admin work in the portal and the API (ARCHITECTURE roles table): a partner's other users only read.
PARTNER_ADMIN_ONLY = [r for r in PROTECTED if re.search(
    r"^portal/(profile/.|users/|invitations/|join-requests/|earnings/payout-details/)|"
    r"^api/v1/(invitations|partners/<partner_id>(/contacts)?$|contacts/|partners/<partner_id>/payout-details$)",
    r.route)]

REFUSED = {403, 404, 405}
OWN_ACCOUNT = re.compile(r"^api/v1/tokens")


@pytest.fixture
def world(acme, acme_admin, acme_rep, vendor_admin, channel_manager):
    return isolation.AcmeWorld(acme=acme, acme_admin=acme_admin, acme_rep=acme_rep, vendor_admin=vendor_admin,
                               channel_manager=channel_manager)


def _writes(route, world):
    """(method, path, body) of each state-changing request the sweep makes on `route` with Acme's ids."""
    path = isolation.fill(route, world)
    if route.kind == "api":
        methods = [m for m in route.methods if m in WRITE_METHODS] or ["POST"]
        return [(m, path, isolation.sample_body(route, m)) for m in methods]
    return [("POST", path, {})]


def _send(client, method, path, body, kind):
    if kind == "api":
        return client.generic(method, path, data=json.dumps(body or {}), content_type="application/json")
    return client.generic(method, path, data="")


def _state(world):
    """isolation.state_of without the tokens' last use: the sweep's own Acme token is used by every request."""
    state = isolation.state_of(world)
    state["acme_tokens"] = [{k: v for k, v in row.items() if k != "last_used_at"} for row in state["acme_tokens"]]
    return state


def _refused_without_change(route, world, user, allowed_statuses):
    if OWN_ACCOUNT.search(route.route):
        pytest.skip("the caller's own tokens: every role manages its own (accounts/tests/test_tokens.py)")
    requests = _writes(route, world)  # creates Acme's objects before the snapshot
    client = api_client_for(user) if route.kind == "api" else client_for(user)
    before = _state(world)
    problems = []
    for method, path, body in requests:
        try:
            response = _send(client, method, path, body, route.kind)
        except Exception as exc:  # a 500 is a failure of its own, named with its route
            problems.append(f"{method} {path} raised {type(exc).__name__}: {exc}")
            continue
        if response.status_code not in allowed_statuses:
            problems.append(f"{method} {path} as {user.role} answered {response.status_code}, "
                            f"expected one of {sorted(allowed_statuses)}")
    after = _state(world)
    problems += [f"{route.route} as {user.role} changed {key}: {before[key]!r} → {after[key]!r}"
                 for key in before if before[key] != after[key]]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", PROTECTED, ids=[r.id for r in PROTECTED])
def test_anonymous_is_sent_to_sign_in(route, world, anon):
    requests = [("GET", isolation.fill(route, world), None), *_writes(route, world)]
    before = isolation.state_of(world)
    problems = []
    for method, path, body in requests:
        response = _send(anon, method, path, body, route.kind)
        if route.kind == "api":
            if response.status_code not in (401, 405):
                problems.append(f"{method} {path} answered {response.status_code}, expected 401")
        elif response.status_code == 405:
            continue  # the page takes no such method: nothing to sign in for
        elif response.status_code != 302 or not response["Location"].startswith("/login/"):
            problems.append(f"{method} {path} answered {response.status_code} "
                            f"{response.get('Location', '')}, expected a redirect to /login/")
    after = isolation.state_of(world)
    problems += [f"{route.route} changed {key}" for key in before if before[key] != after[key]]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["marketing", "support"])
@pytest.mark.parametrize("route", PROTECTED, ids=[r.id for r in PROTECTED])
def test_read_only_vendor_roles_change_nothing(route, role, world):
    user = make_user(f"{role}@vendor.test", role, full_name=f"Read {role.title()}")
    _refused_without_change(route, world, user, REFUSED)


@pytest.mark.parametrize("route", CONSOLE, ids=[r.id for r in CONSOLE])
def test_partner_users_never_use_the_console_even_for_their_own_partner(route, world, acme_admin):
    _refused_without_change(route, world, acme_admin, {403, 405})


@pytest.mark.parametrize("route", PARTNER_ADMIN_ONLY, ids=[r.id for r in PARTNER_ADMIN_ONLY])
def test_a_partners_other_users_cannot_do_its_admins_work(route, world, acme_rep):
    _refused_without_change(route, world, acme_rep, {403, 405})


def test_the_role_sweep_covers_the_console_and_partner_admin_routes():
    assert len(CONSOLE) > 40 and len(PARTNER_ADMIN_ONLY) >= 8
    assert {r.kind for r in PARTNER_ADMIN_ONLY} == {"api", "page"}
