"""One place that turns every refusal into a 4xx JSON body: {"detail", "code", "errors": {field: [...]}}."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openprm.lib.errorpages import too_big_json
from openprm.lib.errors import DomainError, field_errors_from_django

_LOCATIONS = {"body", "query", "path", "form", "header", "cookie", "file"}


def _field_name(loc) -> str:
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
        # ninja nests a body under the parameter's name (e.g. "payload"); clients know fields, not that.
        if len(parts) > 1 and isinstance(parts[0], str) and parts[0] in ("payload", "data", "body"):
            parts = parts[1:]
    return ".".join(str(p) for p in parts) or "__all__"


def _ninja_validation(request, exc, api):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        message = error.get("msg", "Invalid value.")
        if error.get("type") == "extra_forbidden":
            message = "Unknown field: it is not part of this endpoint's input, so it would not be applied."
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        errors.setdefault(_field_name(error.get("loc", [])), []).append(message)
    return api.create_response(
        request, {"detail": "Invalid input.", "code": "validation_error", "errors": errors}, status=422
    )


def _domain_error(request, exc: DomainError, api):
    body = {"detail": exc.message, "code": exc.code, "errors": exc.errors, **exc.extra}
    return api.create_response(request, body, status=exc.status)


def _django_validation(request, exc, api):
    body = {"detail": "Invalid input.", "code": "validation_error", "errors": field_errors_from_django(exc)}
    return api.create_response(request, body, status=422)


def _not_found(request, exc, api):
    return api.create_response(request, {"detail": "Not found.", "code": "not_found", "errors": {}}, status=404)


def _forbidden(request, exc, api):
    message = str(exc) or "You may not do this."
    return api.create_response(request, {"detail": message, "code": "forbidden", "errors": {}}, status=403)


def _http_error(request, exc: HttpError, api):
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 429: "throttled"}.get(exc.status_code, "error")
    return api.create_response(request, {"detail": str(exc), "code": code, "errors": {}}, status=exc.status_code)


def _overflow(request, exc, api):
    # SQLite cannot compare a foreign key with an integer beyond 64 bits (e.g. ?manager=99999999999999999999).
    body = {"detail": "A number is out of range.", "code": "bad_request", "errors": {}}
    return api.create_response(request, body, status=400)


def _too_big(request, exc, api):
    # The body over DATA_UPLOAD_MAX_MEMORY_SIZE, raised when the parser first reads it.
    return too_big_json()


def install(api) -> None:
    """Register the handlers on the NinjaAPI instance."""
    api.add_exception_handler(NinjaValidationError, lambda r, e: _ninja_validation(r, e, api))
    api.add_exception_handler(DomainError, lambda r, e: _domain_error(r, e, api))
    api.add_exception_handler(DjangoValidationError, lambda r, e: _django_validation(r, e, api))
    api.add_exception_handler(Http404, lambda r, e: _not_found(r, e, api))
    api.add_exception_handler(PermissionDenied, lambda r, e: _forbidden(r, e, api))
    api.add_exception_handler(AuthenticationError, lambda r, e: _http_error(r, e, api))
    api.add_exception_handler(HttpError, lambda r, e: _http_error(r, e, api))
    api.add_exception_handler(OverflowError, lambda r, e: _overflow(r, e, api))
    api.add_exception_handler(RequestDataTooBig, lambda r, e: _too_big(r, e, api))
    api.add_exception_handler(TooManyFieldsSent, lambda r, e: _too_big(r, e, api))
