"""Facts tier requirements test, per partner (registered in settings.TIER_REQUIREMENT_FACTS).

Each function takes `partner_ids` and `as_of` and returns {partner_id: value}; partners missing from the
result count as 0 / False.
"""

from datetime import date


def certified_people(*, partner_ids: list[int], as_of: date) -> dict[int, int]:
    """People with a valid certificate per partner. Training and certification are not built yet, so nobody
    is certified; the default tiers require no certifications, and a tier that does demotes everyone until
    the enablement app provides the real count here."""
    return {}
