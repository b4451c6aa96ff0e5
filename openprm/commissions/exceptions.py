"""Errors of commissions and payouts."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidLineTransition(DomainError):
    """The ledger line's status does not allow this change."""

    code = "invalid_transition"
    status = 409


class FourEyesRequired(DomainError):
    """The person who built a payout batch tried to approve it while the program requires a second approver."""

    code = "four_eyes_required"
    status = 409


class LikelyDuplicate(Conflict):
    """The same refund or reward was just booked: most likely a double submit, so it is not booked again."""

    code = "likely_duplicate"


__all__ = ["Conflict", "FourEyesRequired", "InvalidLineTransition", "LikelyDuplicate", "NotAllowed", "ValidationFailed"]
