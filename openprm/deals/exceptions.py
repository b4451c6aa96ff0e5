"""Errors of deal registration."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class DuplicateRegistration(Conflict):
    """The same partner already holds an active registration for this customer."""

    code = "duplicate_registration"


class InvalidDealTransition(DomainError):
    """The registration is not in a state that allows this action."""

    code = "invalid_transition"
    status = 409


__all__ = ["Conflict", "DuplicateRegistration", "InvalidDealTransition", "NotAllowed", "ValidationFailed"]
