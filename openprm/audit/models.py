"""The append-only audit trail of every state change."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: history is written once and never rewritten."""

    def update(self, **kwargs):
        raise PermissionDenied("audit events are append-only")

    def delete(self):
        raise PermissionDenied("audit events are append-only")

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class Action(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    TRANSITION = "transition", "Changed state"
    DELETE = "delete", "Deleted"
    ACCESS = "access", "Access"


class AuditEvent(models.Model):
    """Who did what to which object, when, with the values before and after.

    `partner` is the partner the object belongs to (if any), so a partner's own trail can be scoped.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept in clear as well: who it was stays readable even for system and public actions.
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    verb = models.CharField(max_length=80, help_text="What happened, e.g. partner.stage_changed")
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True, help_text="field → [before, after]")
    note = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("audit events are append-only")
