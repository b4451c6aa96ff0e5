from django.contrib import admin

from .models import SlaTarget, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change through the console and portal, whose services audit every change."""

    list_display = ["id", "partner", "subject", "priority", "level", "status", "created_at"]
    list_filter = ["level", "status", "priority"]
    search_fields = ["subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaTarget)
class SlaTargetAdmin(TicketAdmin):
    """Read-only: the SLA policy is edited on its console page (audited)."""

    list_display = ["priority", "first_response_minutes", "resolution_minutes"]
    list_filter = []
    search_fields = []
