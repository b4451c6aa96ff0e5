"""Errors of people and access."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class LockedOut(DomainError):
    """Too many failed sign-ins for this e-mail; try again later."""

    code = "locked_out"
    status = 429


class InvitationInvalid(DomainError):
    """The invitation link is unknown, used, revoked or expired."""

    code = "invitation_invalid"
    status = 400


__all__ = ["Conflict", "InvitationInvalid", "LockedOut", "NotAllowed", "ValidationFailed"]
