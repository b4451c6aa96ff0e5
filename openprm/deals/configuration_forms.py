"""The form of the deal-registration settings page (the service validates and writes)."""

from django import forms

from .configuration import DEAL_SETTINGS_FIELDS
from .models import DealProgram


class DealSettingsForm(forms.ModelForm):
    """Deal-registration settings; `configuration.update_deal_settings` saves the cleaned data."""

    class Meta:
        model = DealProgram
        fields = DEAL_SETTINGS_FIELDS
        labels = {
            "minimum_amount": "Minimum deal value",
            "name_threshold": "Name similarity threshold (50–100)",
            "review_target_hours": "Review target (hours)",
        }
        help_texts = {"minimum_amount": "Leave empty to accept registrations of any value."}
