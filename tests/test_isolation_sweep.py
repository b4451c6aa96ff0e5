"""The partner-isolation sweep: every route of the project, requested with Acme's ids by Globex's admin and
by a channel manager who does not own Acme.

Routes are discovered at run time (tests/isolation.py), so a page or endpoint added later is swept too. Each
one must refuse them — 404 for Acme's objects, exactly as for an id that does not exist; 403 where the page
is the vendor's — show nothing of Acme's, and change nothing: not Acme's rows, not the audit trail.
"""

import json

import pytest

from conftest import api_client_for, client_for

from . import isolation

ROUTES = isolation.discover_routes()
SWEPT = [r for r in ROUTES if isolation.allowed(r) is None]

# What a refusal may look like. A 2xx or a redirect (a form that "worked") for Acme's object is a leak;
# 409 would tell that the object exists. 422 is a body rejected before any object was looked up.
OBJECT_PAGE_STATUSES = {403, 404, 405}
OBJECT_API_STATUSES = {403, 404, 405, 422}
VENDOR_PAGE_STATUSES = {403, 404, 405}


@pytest.fixture
def world(acme, acme_admin, acme_rep, vendor_admin, channel_manager):
    return isolation.AcmeWorld(acme=acme, acme_admin=acme_admin, acme_rep=acme_rep, vendor_admin=vendor_admin,
                               channel_manager=channel_manager)


def _requests(route, world):
    """(method, path, body, path with missing ids) for each request the sweep makes on `route`."""
    path, missing = isolation.fill(route, world), isolation.fill(route, None)
    requests = [("GET", path, None, missing), ("POST", path, {}, missing)]
    if not route.params:
        # Lists and statements must not take another partner's id as a filter either.
        requests.append(("GET", f"{path}?partner={world.acme.pk}&partner_id={world.acme.pk}", None, None))
    elif route.kind == "api":
        # A plausible body gets past validation, so the endpoint reaches (and must refuse) its object lookup.
        for method in route.methods:
            requests.append((method, path, isolation.sample_body(route, method), missing))
            if method != "POST":
                requests.append((method, path, {}, missing))
    return requests


def _send(client, method, path, body, kind):
    if kind == "api":
        data = None if body is None else json.dumps(body)
        return client.generic(method, path, data=data or "", content_type="application/json")
    return client.generic(method, path, data="" if body is None else "")


@pytest.mark.parametrize("route", SWEPT, ids=[r.id for r in SWEPT])
def test_another_partner_cannot_reach_acmes_objects(route, world, globex_admin):
    sweep(route, world, globex_admin)


@pytest.mark.parametrize("route", SWEPT, ids=[r.id for r in SWEPT])
def test_another_channel_manager_cannot_reach_acmes_objects(route, world, other_manager, globex):
    sweep(route, world, other_manager)


def sweep(route, world, user):
    unmapped = isolation.unmapped_params(route)
    assert not unmapped, (
        f"The isolation sweep does not know the path parameter(s) {unmapped} of route '{route.route}' "
        f"({route.name}). Map them to one of Acme's objects in tests/isolation.py (PARAMS / SEGMENT_PARAMS and "
        f"AcmeWorld), or add the route to ALLOW_LIST with the reason it is not partner-scoped."
    )
    assert not route.is_regex, (
        f"Route '{route.route}' is a regular expression the sweep cannot fill; allow-list it with a reason "
        f"or write it as a path() route."
    )
    requests = _requests(route, world)  # creates Acme's objects before the snapshot
    client = api_client_for(user) if route.kind == "api" else client_for(user)
    before = isolation.state_of(world)
    problems = []
    for method, path, body, missing in requests:
        try:
            response = _send(client, method, path, body, route.kind)
            as_missing = _send(client, method, missing, body, route.kind) if route.params else None
        except Exception as exc:  # a 500 is a failure of its own, named with its route
            problems.append(f"{method} {path} raised {type(exc).__name__}: {exc}")
            continue
        status = response.status_code
        content = response.content.decode(errors="replace")
        if route.params and not isolation.owns_partner_objects(route) and user.is_vendor:
            # A program-wide object (a tier, a plan) that vendor staff may well see; only no leak, no change.
            if status >= 500:
                problems.append(f"{method} {path} answered {status}")
        elif route.params:
            expected = OBJECT_API_STATUSES if route.kind == "api" else OBJECT_PAGE_STATUSES
            if status not in expected:
                problems.append(f"{method} {path} answered {status}, expected one of {sorted(expected)}")
            elif isolation.owns_partner_objects(route) and status != as_missing.status_code:
                problems.append(f"{method} {path} answered {status} but {as_missing.status_code} for an id that "
                                f"does not exist: the answer tells that Acme's object exists")
        elif route.kind == "page" and route.route.startswith("console/") and user.is_partner_user:
            if status not in VENDOR_PAGE_STATUSES:
                problems.append(f"{method} {path} (vendor console) answered {status}, expected 403")
        elif status >= 500:
            problems.append(f"{method} {path} answered {status}")
        for secret in world.secrets:
            if secret.lower() in content.lower():
                problems.append(f"{method} {path} ({status}) shows Acme's data: {secret!r}")
    after = isolation.state_of(world)
    for key in before:
        if before[key] != after[key]:
            problems.append(f"requests to {route.route} changed {key}: {before[key]!r} → {after[key]!r}")
    assert not problems, "\n".join(problems)


def test_the_sweep_covers_every_route():
    """Every route is either swept or allow-listed with a reason, and the sweep knows every parameter."""
    assert len(ROUTES) > 30
    kinds = {r.kind for r in SWEPT}
    assert kinds == {"api", "page"}
    problems = [f"{r.route}: unknown parameter(s) {isolation.unmapped_params(r)}"
                for r in SWEPT if isolation.unmapped_params(r)]
    assert not problems, "\n".join(problems)
    for entry in isolation.ALLOW_LIST:
        assert entry.reason.strip(), entry.pattern


def test_every_allow_list_entry_still_matches_a_route():
    """A stale allow-list entry could silently exempt a future route; each must match something today."""
    stale = [e.pattern for e in isolation.ALLOW_LIST
             if not e.optional and not any(isolation.allowed(r) is e for r in ROUTES)]
    assert not stale, f"allow-list entries matching no route: {stale}"


def test_object_routes_are_not_allow_listed_by_accident():
    """Only the routes whose parameter is itself a credential or a non-partner object may skip the sweep."""
    # `slug`: a partner's public help page (issue 11), published by the partner for anyone; off = 404.
    exempt_params = {"secret", "uidb64", "token", "path", "token_id", "slug"}
    for route in ROUTES:
        entry = isolation.allowed(route)
        if entry and route.params and not route.route.startswith("admin/"):
            assert set(route.params) <= exempt_params, f"{route.route} is allow-listed but takes {route.params}"


def test_an_unmapped_parameter_names_the_route():
    route = isolation.Route(route="portal/widgets/<int:widget_id>/", name="widget", kind="page",
                            params=["widget_id"])
    assert isolation.unmapped_params(route) == ["widget_id"]
    generic = isolation.Route(route="console/partners/<int:pk>/", name="partner", kind="page", params=["pk"])
    assert isolation.unmapped_params(generic) == []
    assert isolation.param_key(generic, "pk") == "partner_id"
    unknown_generic = isolation.Route(route="console/gizmos/<int:pk>/", name="gizmo", kind="page", params=["pk"])
    assert isolation.unmapped_params(unknown_generic) == ["pk"]


def test_admin_refuses_partner_users(acme, globex_admin):
    response = client_for(globex_admin).get(f"/admin/partners/partner/{acme.pk}/change/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert acme.name not in response.content.decode()


# ---------------------------------------------------------------- whether, never by whom

OPEN_TO_PARTNERS = [r for r in ROUTES if isolation.partner_can_open(r)]


@pytest.fixture
def touched_globex(globex, globex_admin, other_manager, vendor_admin, acme, acme_admin, acme_rep):
    """Globex's own objects, on which Acme's people have acted (a conflicting registration, a co-sell)."""
    own = isolation.OwnWorld(acme=globex, acme_admin=globex_admin, acme_rep=globex_admin,
                             vendor_admin=vendor_admin, channel_manager=other_manager)
    isolation.touch_from_another_partner(own=own, other=acme, other_users=[acme_rep, acme_admin],
                                         vendor_admin=vendor_admin)
    return own


@pytest.mark.parametrize("route", OPEN_TO_PARTNERS, ids=[r.id for r in OPEN_TO_PARTNERS])
def test_a_partner_never_reads_who_at_another_partner_touched_its_objects(route, touched_globex, globex_admin,
                                                                         acme):
    """Issue 8 item 3: history, timelines, notifications and API answers say whether — never by whom.

    Acme's rep registered a customer Globex holds; Globex's admin opens every page and API read it can, filled
    with Globex's own ids, and must find no e-mail address or name of any of Acme's people.
    """
    path = isolation.fill(route, touched_globex)
    client = api_client_for(globex_admin) if route.kind == "api" else client_for(globex_admin)
    response = client.get(path)
    assert response.status_code < 500, f"GET {path} answered {response.status_code}"
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
        errors="replace").lower()
    leaked = [secret for secret in isolation.people_of(acme) if secret.lower() in body]
    assert not leaked, f"GET {path} ({response.status_code}) names Acme's people: {leaked}"


def test_the_cross_partner_sweep_sees_the_touched_timeline(touched_globex, globex_admin, acme_rep):
    """The sweep must be able to fail: Globex's timeline holds an event whose actor is Acme's rep."""
    from openprm.audit.models import AuditEvent

    events = AuditEvent.objects.for_object(touched_globex.registration)
    assert events.filter(actor=acme_rep).exists()
    assert any(r.route == "portal/deals/<int:registration_id>/" for r in OPEN_TO_PARTNERS)
    assert "rick@acme.test" in isolation.people_of(acme_rep.partner)
    page = client_for(globex_admin).get(f"/portal/deals/{touched_globex.registration_id}/").content.decode()
    assert "Another partner put registration" in page and "into a conflict case" in page  # whether, never by whom


def test_emails_to_a_partner_never_name_another_partners_people(globex, globex_admin, other_manager, vendor_admin,
                                                                  acme, acme_admin, acme_rep, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    """The e-mail side of the notifications Globex gets when Acme's people touch its registration."""
    own = isolation.OwnWorld(acme=globex, acme_admin=globex_admin, acme_rep=globex_admin,
                             vendor_admin=vendor_admin, channel_manager=other_manager)
    with django_capture_on_commit_callbacks(execute=True):
        isolation.touch_from_another_partner(own=own, other=acme, other_users=[acme_rep, acme_admin],
                                             vendor_admin=vendor_admin)
    to_globex = [m for m in mailoutbox if globex_admin.email in m.to]
    assert to_globex, "Globex's admin should have been told about the conflict and the decision"
    for message in to_globex:
        text = f"{message.subject}\n{message.body}".lower()
        leaked = [secret for secret in isolation.people_of(acme) if secret.lower() in text]
        assert not leaked, f"e-mail {message.subject!r} names Acme's people: {leaked}"
