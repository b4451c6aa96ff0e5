"""The form of the commission settings page (the service validates and writes)."""

import re

from django import forms

from openprm.programs.models import Program

from .configuration import COMMISSION_SETTINGS_FIELDS
from .models import CommissionSettings


class CurrencyMinimumsField(forms.CharField):
    """Per-currency minimum payouts typed as "JPY 5000, EUR 45" (one pair per comma or line), to a dict; the
    configuration service checks the codes and amounts."""

    def prepare_value(self, value):
        if isinstance(value, dict):
            return ", ".join(f"{code} {amount}" for code, amount in sorted(value.items()))
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if isinstance(text, dict):
            return text
        pairs = {}
        for part in filter(None, (p.strip() for p in re.split(r"[,\n;]", text or ""))):
            bits = part.split()
            if len(bits) != 2:
                raise forms.ValidationError(f"Write each minimum as a currency code and an amount, such as "
                                            f"JPY 5000 (not {part!r}).")
            pairs[bits[0].upper()] = bits[1]
        return pairs


class CommissionSettingsForm(forms.ModelForm):
    """Commission settings; `configuration.update_commission_settings` saves the cleaned data."""

    minimum_payout_overrides = CurrencyMinimumsField(
        required=False, label="Minimum payout per currency",
        help_text="Optional, e.g. JPY 5000, EUR 45. Other currencies use the minimum above, converted from the "
                  "program currency at the current FX rate.")

    class Meta:
        model = CommissionSettings
        fields = COMMISSION_SETTINGS_FIELDS
        labels = {"minimum_payout": "Minimum payout (program currency)",
                  "payout_four_eyes": "Four-eyes payout approval"}
        help_texts = {
            "minimum_payout": "Partners whose balance is below the minimum of its currency carry it forward to the "
                              "next payout.",
            "payout_four_eyes": "The finance user who builds a payout batch cannot approve it: another finance "
                                "user or a program admin does.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minimum_payout"].label = f"Minimum payout ({Program.current().currency}, the program currency)"
