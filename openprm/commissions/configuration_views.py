"""The console's Commissions settings tab (program admins): the minimum payout."""

from django.shortcuts import render

from openprm.accounts.access import program_admin_required
from openprm.lib.pages import page_action

from . import configuration
from .configuration_forms import CommissionSettingsForm


@program_admin_required
def console_settings(request):
    """Show the commission settings; POST saves them through the configuration service (audited)."""
    row = configuration.commission_settings()

    def show(form):
        return render(request, "commissions/settings.html", {"form": form, "settings_tab": "commissions",
                                                             "history_type": "commissions.commissionsettings"})

    if request.method != "POST":
        return show(CommissionSettingsForm(instance=row))
    return page_action(
        request, lambda data: configuration.update_commission_settings(actor=request.user, data=data),
        form=CommissionSettingsForm(request.POST, instance=row), show_form=show,
        redirect_to=request.path, success="Commission settings saved.")
