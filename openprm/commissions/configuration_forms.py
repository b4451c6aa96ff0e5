"""The form of the commission settings page (the service validates and writes)."""

from django import forms

from .configuration import COMMISSION_SETTINGS_FIELDS
from .models import CommissionSettings


class CommissionSettingsForm(forms.ModelForm):
    """Commission settings; `configuration.update_commission_settings` saves the cleaned data."""

    class Meta:
        model = CommissionSettings
        fields = COMMISSION_SETTINGS_FIELDS
        help_texts = {"minimum_payout": "Partners whose balance is below this carry it forward to the next payout."}
