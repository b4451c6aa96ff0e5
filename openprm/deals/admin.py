from django.contrib import admin

from openprm.lib.admin import ConsoleManagedAdmin

from .models import ConflictCase, Customer, DealProgram, Lead, NamedAccount, Registration


@admin.register(DealProgram)
class DealProgramAdmin(ConsoleManagedAdmin):
    """The program's deal-registration rules; edited on the console's Deals settings tab (audited)."""

    console_url = "deals:console_settings"
    list_display = ["__str__", "protection_days", "extension_days", "review_target_hours", "name_threshold"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Deals change through the console and API (audited); the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer_name", "partner", "status", "amount", "currency", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["customer_name", "customer_domain"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "domain", "country"]
    search_fields = ["name", "domain"]


admin.site.register([ConflictCase, Lead, NamedAccount], ReadOnlyAdmin)
