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


class RateLimited(DomainError):
    """The client sent too many requests of one kind (a public form, a password reset) in the window."""

    code = "rate_limited"
    status = 429


__all__ = ["Conflict", "InvitationInvalid", "LockedOut", "NotAllowed", "RateLimited", "ValidationFailed"]
