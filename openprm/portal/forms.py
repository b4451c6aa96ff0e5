"""Portal-only variants of the shared partner and people forms."""

from django import forms

from openprm.accounts.models import PARTNER_ROLES, Role
from openprm.partners.forms import BrandingForm, PartnerProfileForm

BRANDING_FIELDS = {"brand_name", "brand_primary_color", "brand_secondary_color", "support_email", "brand_domain"}
PARTNER_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in PARTNER_ROLES]


class CompanyProfileForm(PartnerProfileForm):
    """The organisation part of the profile; branding has its own page with the logo upload."""

    class Meta(PartnerProfileForm.Meta):
        fields = [f for f in PartnerProfileForm.Meta.fields if f not in BRANDING_FIELDS]
        labels = {"locator_opt_in": "List us in the public partner locator (only while we are an active partner)"}


class ColourInput(forms.TextInput):
    """A #RRGGBB text box (may stay empty, unlike <input type=color>) with the browser's picker beside it."""

    template_name = "portal/widgets/colour.html"

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "#1A2B3C", "maxlength": 7, "pattern": "#[0-9a-fA-F]{6}", **(attrs or {})})


class PortalBrandingForm(BrandingForm):
    class Meta(BrandingForm.Meta):
        widgets = {"brand_primary_color": ColourInput(), "brand_secondary_color": ColourInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only branding here: drop profile fields the shared parent form declares (e.g. website).
        for name in set(self.fields) - set(self._meta.fields) - {"brand_logo"}:
            del self.fields[name]

    def service_data(self) -> dict:
        data = super().service_data()
        data.pop("brand_logo", None)  # uploaded separately through services.set_brand_logo
        return data


class DomainForm(forms.Form):
    domain = forms.CharField(max_length=253, label="E-mail domain",
                             widget=forms.TextInput(attrs={"placeholder": "example.com"}))


class UserAccessForm(forms.Form):
    """Change a partner user's role, or switch their access off or on."""

    role = forms.ChoiceField(choices=PARTNER_ROLE_CHOICES, required=False)
    is_active = forms.TypedChoiceField(choices=[("1", "active"), ("0", "deactivated")], coerce=lambda v: v == "1",
                                       required=False, empty_value=None)

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ApproveJoinForm(forms.Form):
    role = forms.ChoiceField(choices=PARTNER_ROLE_CHOICES, initial=Role.PARTNER_SALES)
