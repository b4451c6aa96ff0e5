"""Errors of the partners domain."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidStageTransition(DomainError):
    """The partner cannot move from its current stage to the one asked for."""

    code = "invalid_transition"
    status = 409


__all__ = ["Conflict", "InvalidStageTransition", "NotAllowed", "ValidationFailed"]
