"""Errors of partner agreements."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class InvalidAgreementTransition(DomainError):
    """The agreement is not in a state that allows this action (e.g. sending one that is not a draft)."""

    code = "invalid_transition"
    status = 409


class AlreadySigned(Conflict):
    """The agreement was signed before; a signature is given once."""

    code = "already_signed"


__all__ = ["AlreadySigned", "Conflict", "InvalidAgreementTransition", "NotAllowed", "ValidationFailed"]
