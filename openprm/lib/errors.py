"""Domain errors: raised by services, mapped to 4xx responses in one place (api/errors.py, views)."""


class DomainError(Exception):
    """A rule of the domain refused a change. `code` is stable for API clients; `status` its HTTP status.

    `errors` maps field names to messages when the refusal is about particular fields.
    """

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.extra = extra


class ValidationFailed(DomainError):
    """Input broke a rule; `errors` says which fields and why."""

    code = "validation_error"
    status = 422


class Conflict(DomainError):
    """The change clashes with existing state (a duplicate, a stale transition)."""

    code = "conflict"
    status = 409


class NotAllowed(DomainError):
    """The actor may see the object but not make this change."""

    code = "forbidden"
    status = 403


def field_errors_from_django(exc) -> dict[str, list[str]]:
    """Field → messages from a django.core.exceptions.ValidationError, `__all__` for non-field ones."""
    if hasattr(exc, "message_dict"):
        return {("__all__" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}
