"""The abstract base of partner-owned models.

It lives here because it points at `partners.Partner`; the isolation rules themselves (`for_user`,
`get_scoped_or_404`, `PartnerScopedQuerySet`) live in `openprm.accounts.scoping` alone, and every app
imports them from there — nothing is re-exported here.
"""

from django.db import models

from openprm.accounts.scoping import PartnerScopedQuerySet


class PartnerOwnedModel(models.Model):
    """Abstract base of everything that belongs to one partner; its manager scopes by user."""

    partner_lookup = "partner"
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        abstract = True
