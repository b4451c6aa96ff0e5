"""The console's Deals settings tab (program admins): protection, review target, matching, minimum value."""

from openprm.accounts.access import program_admin_required
from openprm.lib.pages import form_page

from . import configuration
from .configuration_forms import DealSettingsForm


@program_admin_required
def console_settings(request):
    """Show the deal-registration settings; POST saves them through the configuration service (audited)."""
    return form_page(request, form_class=DealSettingsForm, instance=configuration.deal_settings(),
                     template="deals/settings.html",
                     context={"settings_tab": "deals", "history_type": "deals.dealprogram"},
                     call=lambda data: configuration.update_deal_settings(actor=request.user, data=data),
                     success="Deal settings saved.")
