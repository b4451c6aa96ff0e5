"""Read helpers shared by the deal pages and the API (no writes here; changes go through services)."""

from .models import ConflictCase
from .services import can_work_conflicts


def conflict_cases_for(user):
    """Conflict cases `user` may work: every case for program admins, for a channel manager those touching one
    of the partners they manage, none for anyone else.

    Conflict cases span partners, so they are not partner-owned rows with `for_user`; this is their scoping.
    """
    if user is None or not user.is_authenticated or not can_work_conflicts(user):
        return ConflictCase.objects.none()
    cases = ConflictCase.objects.select_related("customer").prefetch_related("notes")
    if not user.sees_all_partners:
        cases = cases.filter(registrations__partner__manager=user).distinct()
    return cases
