"""The console's Commissions settings tab (program admins): the minimum payout."""

from openprm.accounts.access import program_admin_required
from openprm.lib.pages import form_page

from . import configuration
from .configuration_forms import CommissionSettingsForm


@program_admin_required
def console_settings(request):
    """Show the commission settings; POST saves them through the configuration service (audited)."""
    return form_page(request, form_class=CommissionSettingsForm, instance=configuration.commission_settings(),
                     template="commissions/settings.html",
                     context={"settings_tab": "commissions", "history_type": "commissions.commissionsettings"},
                     call=lambda data: configuration.update_commission_settings(actor=request.user, data=data),
                     success="Commission settings saved.")
