from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail is append-only: the admin can read and search it, never change it."""

    list_display = ["created_at", "actor_label", "verb", "object_repr", "partner"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "verb"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
