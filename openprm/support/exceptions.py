"""Errors of support tickets."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidTicketTransition(DomainError):
    """The ticket is not in a state or level that allows this action (e.g. escalating a closed ticket)."""

    code = "invalid_transition"
    status = 409


__all__ = ["Conflict", "InvalidTicketTransition", "NotAllowed", "ValidationFailed"]
