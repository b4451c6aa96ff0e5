from django.contrib import admin

from openprm.lib.admin import ConsoleManagedAdmin

from .models import CommissionSettings


@admin.register(CommissionSettings)
class CommissionSettingsAdmin(ConsoleManagedAdmin):
    """The commission settings (minimum payout); edited on the console's Commissions settings tab (audited)."""

    console_url = "commissions:console_settings"
    list_display = ["__str__", "minimum_payout"]
