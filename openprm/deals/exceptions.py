"""Errors of deal registration."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class DuplicateRegistration(Conflict):
    """The same partner already holds an active registration for this customer."""

    code = "duplicate_registration"


class InvalidDealTransition(DomainError):
    """The registration is not in a state that allows this action."""

    code = "invalid_transition"
    status = 409


class ParticipantsFrozen(Conflict):
    """A closed deal's participants are fixed: its commissions were booked (or refused) for exactly them."""

    code = "participants_frozen"


__all__ = ["Conflict", "DuplicateRegistration", "InvalidDealTransition", "NotAllowed", "ParticipantsFrozen",
           "ValidationFailed"]
