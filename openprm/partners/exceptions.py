"""Errors of the partners domain."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidStageTransition(DomainError):
    """The partner cannot move from its current stage to the one asked for."""

    code = "invalid_transition"
    status = 409


class JoinConfirmationInvalid(DomainError):
    """The link to confirm a join request is unknown, expired, already used or replaced by a newer one."""

    code = "join_confirmation_invalid"
    status = 400


__all__ = ["Conflict", "InvalidStageTransition", "JoinConfirmationInvalid", "NotAllowed", "ValidationFailed"]
