from django.contrib import admin
from django.urls import reverse

from .models import Agreement, AgreementTemplate


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(admin.ModelAdmin):
    """Read-only: template versions are published and switched on or off in the console, which audits every
    change (a change here would bypass the services and the audit trail)."""

    list_display = ["title", "kind", "version", "active", "default_term_months", "notice_days", "created_at"]
    list_filter = ["kind", "active"]
    NOTE = "Read-only here. Publish a new version or switch one on or off in the console: {url}"

    def _note(self, extra_context):
        url = reverse("agreements:console_templates")
        return {**(extra_context or {}), "subtitle": self.NOTE.format(url=url)}

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context=self._note(extra_context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context=self._note(extra_context))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """Agreements change through the console, the portal and the API (audited); the admin only shows them."""

    list_display = ["id", "partner", "kind", "status", "starts_on", "ends_on", "auto_renew", "signer_name"]
    list_filter = ["status", "kind"]
    search_fields = ["partner__name", "signer_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
