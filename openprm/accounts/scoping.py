"""Partner isolation, decided in one place (partners.scoping re-exports it with the abstract base).

Every partner-owned model's queryset has `for_user(user)`; every view and API endpoint lists through it
and loads single objects through `get_scoped_or_404`. Another partner's object is simply not found.
"""

from django.db import models
from django.http import Http404


class PartnerScopedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what one user may see.

    The model names the lookup from itself to its owning Partner in `partner_lookup`
    ("" for Partner itself, "partner" for a direct foreign key, "registration__partner" and so on).
    """

    def _partner_path(self) -> str:
        return self.model.partner_lookup

    def for_partner(self, partner):
        path = self._partner_path()
        return self.filter(**{(f"{path}_id" if path else "pk"): getattr(partner, "pk", partner)})

    def for_user(self, user):
        """Only the rows `user` may see: its own partner's, its assigned partners', or all for admins."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        path = self._partner_path()
        if user.is_partner_user:
            if not user.partner_id:
                return self.none()
            return self.for_partner(user.partner_id)
        return vendor_scope(self, user, path)


def vendor_scope(queryset, user, path: str):
    """The rows of `queryset` a vendor user may see: all of them for the roles that see every partner, those of
    its own partners for a channel manager, none otherwise. `path` leads from the row to its Partner ("" for
    Partner itself). The one rule for vendor staff, shared by partner-owned models and the audit trail."""
    if user.sees_all_partners:
        return queryset
    if user.is_channel_manager:
        return queryset.filter(**{(f"{path}__manager" if path else "manager"): user})
    return queryset.none()


def get_scoped_or_404(source, user, **lookups):
    """The one object matching `lookups` among those `user` may see, else Http404.

    `source` is a partner-scoped model or one of its querysets (e.g. with select_related applied).
    """
    queryset = source if isinstance(source, models.QuerySet) else source.objects.all()
    try:
        return queryset.for_user(user).get(**lookups)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None
