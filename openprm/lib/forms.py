"""Bridging domain errors to Django forms, so pages show the same field messages the API returns."""

from .errors import DomainError


def apply_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal on the form: field messages on their fields, the rest on the form."""
    placed = False
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
