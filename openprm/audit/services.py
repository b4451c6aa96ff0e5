"""Recording audit events. Every service that changes state calls `record` inside its transaction."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models

from .models import Action, AuditEvent

SYSTEM = "system"


def _jsonable(value):
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj, fields) -> dict:
    """The current values of `fields` on `obj`, JSON-ready, for a before/after comparison."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """field → [before, after] for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    *,
    actor,
    action: str,
    verb: str,
    obj,
    partner=None,
    changes: dict | None = None,
    note: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. `actor` is a user, or None for the system or the public."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.email if is_user else (actor if isinstance(actor, str) else SYSTEM)),
        action=action,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        partner=partner,
        changes={k: [_jsonable(v[0]), _jsonable(v[1])] for k, v in (changes or {}).items()},
        note=note,
        ip_address=ip_address,
    )


def record_many(*, actor, action: str, verb: str, objects, partner_ids, changes: dict | None = None,
                note: str = "") -> int:
    """The same event for many objects at once (a scheduled job's batch): one row each, inserted together.

    `objects` are model instances; `partner_ids` gives each one's partner id (or None), in the same order.
    """
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    label = actor.email if is_user else (actor if isinstance(actor, str) else SYSTEM)
    clean = {k: [_jsonable(v[0]), _jsonable(v[1])] for k, v in (changes or {}).items()}
    events = [AuditEvent(actor=actor if is_user else None, actor_label=label, action=action, verb=verb,
                         object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=repr_[:200],
                         partner_id=partner_id, changes=clean, note=note)
              for obj, repr_, partner_id in zip(objects, (_short_repr(o) for o in objects), partner_ids,
                                                strict=True)]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def _short_repr(obj) -> str:
    """str(obj) when cheap; models whose __str__ follows relations give `audit_repr()` instead."""
    return obj.audit_repr() if hasattr(obj, "audit_repr") else str(obj)


def record_create(*, actor, obj, verb: str, fields, partner=None, note: str = "") -> AuditEvent:
    """A creation: every listed field goes from nothing to its value."""
    after = snapshot(obj, fields)
    return record(
        actor=actor,
        action=Action.CREATE,
        verb=verb,
        obj=obj,
        partner=partner,
        changes={k: [None, v] for k, v in after.items() if v not in (None, "", [])},
        note=note,
    )
