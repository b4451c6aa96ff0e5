"""Errors of commissions and payouts."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidLineTransition(DomainError):
    """The ledger line's status does not allow this change."""

    code = "invalid_transition"
    status = 409


__all__ = ["Conflict", "InvalidLineTransition", "NotAllowed", "ValidationFailed"]
