from django.contrib import admin

from .models import Agreement, AgreementTemplate


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(admin.ModelAdmin):
    """Program admins publish a new version of a kind's template here; agreements keep the version they used."""

    list_display = ["title", "kind", "version", "active", "default_term_months", "notice_days", "created_at"]
    list_filter = ["kind", "active"]

    def get_readonly_fields(self, request, obj=None):
        # A version that agreements were made from stays as it was: publish a new version instead.
        if obj is not None and obj.agreements.exists():
            return [f.name for f in obj._meta.fields if f.name != "active"]
        return []

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.agreements.exists()


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
