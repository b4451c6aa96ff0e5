"""Facts about agreements that tier requirements test (registered in settings.TIER_REQUIREMENT_FACTS)."""

from datetime import date

from .models import Agreement


def active_agreement(*, partner_ids: list[int], as_of: date) -> dict[int, bool]:
    """{partner_id: True} for each partner with an agreement in force on `as_of`; others are left out (False)."""
    in_force = Agreement.objects.in_force_on(as_of).filter(partner_id__in=partner_ids)
    return {pk: True for pk in in_force.values_list("partner_id", flat=True).distinct()}
