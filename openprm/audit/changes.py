"""Audited edits of configuration rows (program settings, templates, criteria): validate, save, record.

The configuration services of every app (`<app>/configuration.py`) change their rows through `save_audited`,
so each edit is checked by the model's own validators, refused as a whole with field messages, and written
to the trail with the values before and after — the same way for every setting.
"""

from django.core.exceptions import ValidationError

from openprm.lib.errors import ValidationFailed, field_errors_from_django

from . import services as audit
from .models import Action


def save_audited(*, actor, obj, data: dict, fields, verb: str, message: str, check=None) -> dict:
    """Set `data` (only names in `fields`) on `obj`, validate it with `full_clean`, save it and record one
    audit event (`create` for a new row, `update` when a value changed). Returns field → [before, after].

    Raises ValidationFailed with field messages (the row untouched in the database) on unknown fields or
    invalid values. `check(obj)`, when given, runs after the model's validation and returns field → messages
    for rules the model does not hold. Call it inside the caller's `transaction.atomic`.
    """
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={name: ["Unknown field."] for name in sorted(unknown)})
    creating = obj.pk is None
    before = {} if creating else audit.snapshot(obj, fields)
    for name, value in data.items():
        setattr(obj, name, value)
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(message, errors=field_errors_from_django(exc)) from None
    errors = check(obj) if check else {}
    if errors:
        raise ValidationFailed(message, errors=errors)
    obj.save()
    changes = audit.diff(before, audit.snapshot(obj, fields))
    if creating or changes:
        audit.record(actor=actor, action=Action.CREATE if creating else Action.UPDATE, verb=verb, obj=obj,
                     changes=changes)
    return changes
