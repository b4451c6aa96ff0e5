"""Partner isolation: the abstract base of partner-owned models and the scoping helpers.

The rules themselves live in `openprm.accounts.scoping` (users and invitations are scoped too);
domain apps import everything from here.
"""

from django.db import models

from openprm.accounts.scoping import PartnerScopedQuerySet, get_scoped_or_404

__all__ = ["PartnerOwnedModel", "PartnerScopedQuerySet", "get_scoped_or_404"]


class PartnerOwnedModel(models.Model):
    """Abstract base of everything that belongs to one partner; its manager scopes by user."""

    partner_lookup = "partner"
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        abstract = True
