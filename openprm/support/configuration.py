"""The SLA policy: first-response and resolution targets per priority, edited by program admins (audited)."""

from django.db import transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action

from .exceptions import NotAllowed, ValidationFailed
from .models import Priority, SlaTarget

MAX_MINUTES = 60 * 24 * 365


def sla_policy() -> dict[str, dict[str, int]]:
    """priority → {"first_response_minutes", "resolution_minutes"}: the policy in force."""
    return {p: {"first_response_minutes": f, "resolution_minutes": r} for p, (f, r) in SlaTarget.targets().items()}


@transaction.atomic
def update_sla_policy(*, actor, policy: dict) -> dict:
    """Set the targets of the priorities given (others keep theirs). Minutes are whole and positive, and a
    resolution target is never shorter than its first-response target. Running clocks keep the targets they
    started with."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role != Role.ADMIN:
        raise NotAllowed("Only program admins edit the SLA policy.")
    errors: dict[str, list[str]] = {}
    current = SlaTarget.targets()
    wanted = {}
    for priority, values in (policy or {}).items():
        if priority not in Priority.values:
            errors[priority] = ["Unknown priority."]
            continue
        try:
            first = int(values["first_response_minutes"])
            resolution = int(values["resolution_minutes"])
        except (KeyError, TypeError, ValueError):
            errors[priority] = ["Give first_response_minutes and resolution_minutes as whole numbers."]
            continue
        if not (1 <= first <= MAX_MINUTES and 1 <= resolution <= MAX_MINUTES):
            errors[priority] = [f"Minutes run from 1 to {MAX_MINUTES}."]
        elif resolution < first:
            errors[priority] = ["The resolution target cannot be shorter than the first-response target."]
        else:
            wanted[priority] = (first, resolution)
    if errors:
        raise ValidationFailed("The SLA policy was not changed.", errors=errors)
    for priority, (first, resolution) in wanted.items():
        if current[priority] == (first, resolution):
            continue
        row, _ = SlaTarget.objects.update_or_create(
            priority=priority, defaults={"first_response_minutes": first, "resolution_minutes": resolution})
        audit.record(actor=actor, action=Action.UPDATE, verb="support.sla_policy_changed", obj=row,
                     changes={"first_response_minutes": [current[priority][0], first],
                              "resolution_minutes": [current[priority][1], resolution]})
    return sla_policy()


@transaction.atomic
def update_support_settings(*, actor, show_powered_by: bool):
    """Whether partner help pages show the small "powered by" line (program admins; audited)."""
    from .models import SupportSettings

    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role != Role.ADMIN:
        raise NotAllowed("Only program admins change the support settings.")
    row = SupportSettings.objects.order_by("pk").first() or SupportSettings.objects.create()
    before = row.show_powered_by
    row.show_powered_by = bool(show_powered_by)
    row.save()
    if before != row.show_powered_by:
        audit.record(actor=actor, action=Action.UPDATE, verb="support.settings_changed", obj=row,
                     changes={"show_powered_by": [before, row.show_powered_by]})
    return row
