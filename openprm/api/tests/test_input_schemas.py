"""Issue 8 #10 and #13: every request body refuses unknown fields and explicit nulls it cannot mean.

The operations are read from the mounted API itself, so an endpoint added later is covered without
touching this file.
"""

import json
import re
import types
import typing

import pytest

from conftest import api_client_for
from openprm.api.api import api
from openprm.lib.schemas import InputSchema, PatchSchema


def _body_operations():
    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.models:
                    if model.__ninja_param_source__ == "body":
                        for field in model.model_fields.values():
                            found.append((operation.methods[0], path, field.annotation))
    return found


def _schema_of(annotation):
    """The schema class inside `X`, `list[X]` or `X | None`, and whether the body is a list."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is list:
        return args[0], True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return next(a for a in args if a is not type(None)), False
    return annotation, False


OPERATIONS = _body_operations()


def _url(path):
    return "/api/v1" + re.sub(r"\{\w+\}", "1", path)


def _send(client, method, path, body):
    return client.generic(method, _url(path), json.dumps(body), content_type="application/json")


def test_the_api_has_the_request_bodies_we_expect():
    # A guard that the introspection above finds the bodies at all (else the tests below assert nothing).
    assert len(OPERATIONS) >= 40
    assert ("PATCH", "/users/{user_id}") in {(m, p) for m, p, _ in OPERATIONS}


@pytest.mark.parametrize(("method", "path", "annotation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_body_schema_is_strict(method, path, annotation):
    schema, _ = _schema_of(annotation)
    assert issubclass(schema, InputSchema), f"{method} {path}: {schema} must inherit openprm.lib.schemas.InputSchema"
    if method == "PATCH":
        assert issubclass(schema, PatchSchema), f"{method} {path}: partial updates use PatchSchema"


@pytest.mark.parametrize(("method", "path", "annotation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_unknown_fields_are_a_422_naming_them(vendor_admin, method, path, annotation):
    _, is_list = _schema_of(annotation)
    body = [{"zz_unknown": 1}] if is_list else {"zz_unknown": 1}
    response = _send(api_client_for(vendor_admin), method, path, body)
    assert response.status_code == 422, (method, path, response.status_code, response.content)
    errors = response.json()["errors"]
    assert [name for name in errors if name.endswith("zz_unknown")], errors
    assert response.json()["code"] == "validation_error"


PATCH_FIELDS = [(method, path, name) for method, path, annotation in OPERATIONS if method == "PATCH"
                for name in _schema_of(annotation)[0].model_fields
                if name not in getattr(_schema_of(annotation)[0], "nullable", ())]


@pytest.mark.parametrize(("method", "path", "field"), PATCH_FIELDS, ids=[f"{p} {f}" for _, p, f in PATCH_FIELDS])
def test_an_explicit_null_on_a_patch_field_that_cannot_be_empty_is_a_422(vendor_admin, method, path, field):
    response = _send(api_client_for(vendor_admin), method, path, {field: None})
    assert response.status_code == 422, (path, field, response.status_code, response.content)
    assert field in response.json()["errors"], response.json()


def test_patch_user_full_name_null_is_refused_and_changes_nothing(acme_admin, vendor_admin):
    response = _send(api_client_for(vendor_admin), "PATCH", f"/users/{acme_admin.pk}", {"full_name": None})
    assert response.status_code == 422
    assert response.json()["errors"]["full_name"] == ["May not be null; leave the field out to keep its value."]
    acme_admin.refresh_from_db()
    assert acme_admin.full_name == "Alice Acme"


def test_unknown_fields_such_as_stage_are_named_and_nothing_changes(acme, vendor_admin):
    client = api_client_for(vendor_admin)
    response = _send(client, "PATCH", f"/partners/{acme.pk}", {"name": "Renamed", "stage": "active",
                                                               "tier": "gold", "status": "x"})
    assert response.status_code == 422
    assert {"stage", "tier", "status"} <= set(response.json()["errors"])
    acme.refresh_from_db()
    assert acme.name == "Acme Systems"
    assert acme.stage == "identification"


def test_fields_that_may_be_cleared_still_accept_null(acme, vendor_admin):
    response = _send(api_client_for(vendor_admin), "PATCH", f"/partners/{acme.pk}", {"manager": None})
    assert response.status_code == 200, response.content
    acme.refresh_from_db()
    assert acme.manager_id is None
