"""API: the audit trail, for vendor staff (scoped to the partners they see)."""

from datetime import datetime

from django.db.models import Q
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from openprm.lib.errors import NotAllowed
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt

from .scoping import events_for_user

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    actor: int | None = Field(None, alias="actor_id")
    actor_label: str
    action: str
    verb: str
    object_type: str
    object_id: str
    object_repr: str
    partner: int | None = Field(None, alias="partner_id")
    changes: dict
    note: str


@router.get("/audit-events", response=list[AuditEventOut])
@paginate(Page)
def list_events(request, partner: DbInt | None = None, object_type: str | None = None, object_id: str | None = None,
                actor: DbInt | None = None, verb: str | None = None, q: str | None = None):
    """Audit events, newest first, filterable by partner, object, actor and verb."""
    if not request.user.is_vendor:
        raise NotAllowed("The audit trail is for vendor staff.")
    events = events_for_user(request.user)
    if partner is not None:
        events = events.filter(partner_id=partner)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if actor is not None:
        events = events.filter(actor_id=actor)
    if verb:
        events = events.filter(verb__startswith=verb)
    if q:
        events = events.filter(Q(object_repr__icontains=q) | Q(actor_label__icontains=q) | Q(note__icontains=q))
    return events
