"""The console's Deals settings tab (program admins): protection, review target, matching, minimum value."""

from django.shortcuts import render

from openprm.accounts.access import program_admin_required
from openprm.lib.pages import page_action

from . import configuration
from .configuration_forms import DealSettingsForm


@program_admin_required
def console_settings(request):
    """Show the deal-registration settings; POST saves them through the configuration service (audited)."""
    program = configuration.deal_settings()

    def show(form):
        return render(request, "deals/settings.html", {"form": form, "settings_tab": "deals",
                                                       "history_type": "deals.dealprogram"})

    if request.method != "POST":
        return show(DealSettingsForm(instance=program))
    return page_action(
        request, lambda data: configuration.update_deal_settings(actor=request.user, data=data),
        form=DealSettingsForm(request.POST, instance=program), show_form=show,
        redirect_to=request.path, success="Deal settings saved.")
