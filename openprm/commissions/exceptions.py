"""Errors of commissions and payouts."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidLineTransition(DomainError):
    """The ledger line's status does not allow this change."""

    code = "invalid_transition"
    status = 409


class LikelyDuplicate(Conflict):
    """The same refund or reward was just booked: most likely a double submit, so it is not booked again."""

    code = "likely_duplicate"


__all__ = ["Conflict", "InvalidLineTransition", "LikelyDuplicate", "NotAllowed", "ValidationFailed"]
