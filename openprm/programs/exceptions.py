"""Errors of the program and its tiers."""

from openprm.lib.errors import Conflict, DomainError, NotAllowed, ValidationFailed


class MissingFxRate(DomainError):
    """No stored rate converts this currency on this date; never assume 1.0."""

    code = "missing_fx_rate"
    status = 422


__all__ = ["Conflict", "MissingFxRate", "NotAllowed", "ValidationFailed"]
