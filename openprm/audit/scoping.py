"""Which audit events a user may read, and how each reads to them.

Program admins read every event, channel managers their partners' events. A partner user reads the history of
its own objects (a registration's timeline) — which may hold events caused by another partner's people, such
as the later registration that put its own into a conflict case. The rule is "whether, never by whom": such an
event shows that it happened, with "another partner" as its actor and without its values or note.
"""

from openprm.accounts.scoping import vendor_scope

from .describe import actor_name, describe
from .models import AuditEvent

ANOTHER_PARTNER = "another partner"
VENDOR_SUFFIX = " (vendor)"


def events_for_user(user):
    """Vendor staff who see all partners see every event; a channel manager sees its partners' events."""
    if not user.is_authenticated or not user.is_vendor:
        return AuditEvent.objects.none()
    return vendor_scope(AuditEvent.objects.all(), user, "partner")


def as_seen_by(events, viewer) -> list[AuditEvent]:
    """The events with what `viewer` may read of each set as `shown_actor`, `shown_changes`, `shown_note` and
    `sentence` (the event told in words from those three, `audit.describe`).

    Every page that shows audit events renders these (templates/includes/audit_list.html through the
    `audit_timeline` tag), never the raw fields, so a page that forgot this call shows no actor rather than
    the wrong one. Vendor staff read everything, people by name. A partner user reads its own colleagues by
    name, vendor staff by name with "(vendor)" (the portal already names the channel manager), the system as
    "The system", and another partner's people as "another partner" with the values and note of the event
    hidden.
    """
    if hasattr(events, "select_related"):
        events = events.select_related("actor", "partner")
    shown = list(events)
    is_vendor = getattr(viewer, "is_authenticated", False) and viewer.is_vendor
    for event in shown:
        actor = event.actor
        if is_vendor:
            label, hidden = actor_name(event), False
        elif actor is None:
            label, hidden = actor_name(event), False  # the system or the public
        elif actor.is_vendor:
            label, hidden = actor.display_name + VENDOR_SUFFIX, False
        elif viewer is not None and actor.partner_id is not None and actor.partner_id == viewer.partner_id:
            label, hidden = actor_name(event), False
        else:  # another partner's user, or a user of no partner that is not vendor staff: never by whom
            label, hidden = ANOTHER_PARTNER, True
        event.shown_actor = label
        event.shown_changes = {} if hidden else event.changes
        event.shown_note = "" if hidden else event.note
        # A partner user reads partner names only of its own partner (the events of its own objects).
        own = is_vendor or (event.partner_id is not None and event.partner_id == getattr(viewer, "partner_id", None))
        event.sentence = describe(event, actor=label, changes=event.shown_changes, note=event.shown_note,
                                  partner_name=(event.partner.name if own and event.partner_id else ""))
    return shown
