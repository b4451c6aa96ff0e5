"""Agreement forms: the vendor's editor, termination, and the partner's signature."""

from django import forms

from openprm.lib.pickers import Picker, PickerChoiceField
from openprm.partners.models import Partner

from .models import AgreementKind
from .services import TEMPLATE_TEXT_FIELDS, commission_plans

LIST_HELP = "Separate entries with commas."


def _join(values) -> str:
    return ", ".join(values or [])


class AgreementForm(forms.Form):
    """Create or edit a draft. Empty standard texts take the template's wording (on a new agreement)."""

    partner = PickerChoiceField(Partner.objects.none(), search="partners:console_pick")
    kind = forms.ChoiceField(choices=AgreementKind.choices)
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text="The last day of the term. Empty: the template's term (usually 12 months).")
    auto_renew = forms.BooleanField(required=False, label="Renew automatically for another term")
    notice_days = forms.IntegerField(required=False, min_value=0, label="Notice period (days)",
                                     help_text="Empty: the template's notice period.")
    territories = forms.CharField(required=False, widget=Picker(search="agreements:console_territory_pick",
                                                                 multiple=True),
                                  help_text="ISO country codes (US, DE) and/or regions (europe, "
                                                            "north_america, apac…). " + LIST_HELP)
    segments = forms.CharField(required=False, label="Customer segments", help_text=LIST_HELP)
    products = forms.CharField(required=False, help_text=LIST_HELP,
                               widget=Picker(search="programs:console_product_pick", multiple=True))
    discount_percent = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=2,
                                          label="Discount %", help_text="Within the partner tier's range. "
                                                                        "Empty: the tier's minimum.")
    margin_percent = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=2,
                                        label="Margin %")
    payment_terms_days = forms.IntegerField(required=False, min_value=0, max_value=365,
                                            label="Payment terms (days)")
    responsibilities_vendor = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                              label="Vendor responsibilities")
    responsibilities_partner = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                               label="Partner responsibilities")
    support_split = forms.CharField(required=False, max_length=200, help_text="e.g. L1 partner; L2/L3 vendor")
    ip_terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="IP terms")
    termination_terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    commission_plan = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— No plan —",
        help_text="Signing the agreement puts the partner on this plan from the agreement's start date.")
    whitelabel = forms.BooleanField(required=False, label="White-label: the partner may sell under its own brand")
    whitelabel_terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                       label="White-label terms")

    def __init__(self, *args, user=None, agreement=None, **kwargs):
        if agreement is not None:
            initial = {field: getattr(agreement, field) for field in self.base_fields if field != "partner"}
            for field in ("territories", "segments", "products"):
                initial[field] = _join(initial[field])
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["commission_plan"].queryset = commission_plans()
        self.agreement = agreement
        if agreement is not None:
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = Partner.objects.for_user(user).order_by("name")

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "partner"}
        for field in ("discount_percent", "margin_percent", "notice_days", "payment_terms_days", "ends_on"):
            if data.get(field) is None:
                data.pop(field, None)
        if self.agreement is None:
            for field in TEMPLATE_TEXT_FIELDS:
                if not data.get(field):
                    data.pop(field, None)
        return data


class TerminateForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                             error_messages={"required": "Give the reason for the termination."})


class SignForm(forms.Form):
    signer_name = forms.CharField(max_length=150, label="Your full name",
                                  help_text="Typing your name signs the agreement on behalf of your company.")
    agree = forms.BooleanField(label="I agree to the terms of this agreement and may sign for my company")


class TemplateVersionForm(forms.Form):
    """A new version of an agreement template, prefilled from the version it starts from.

    Fields are lenient on purpose: the service checks the rules, so the page shows the API's messages.
    """

    title = forms.CharField(required=False, max_length=200)
    default_term_months = forms.IntegerField(required=False, label="Default term (months)", help_text="1–120.")
    notice_days = forms.IntegerField(required=False, label="Notice period (days)",
                                     help_text="Shorter than the term.")
    payment_terms_days = forms.IntegerField(required=False, label="Payment terms (days)", help_text="0–365.")
    responsibilities_vendor = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                              label="Vendor responsibilities")
    responsibilities_partner = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                               label="Partner responsibilities")
    support_split = forms.CharField(required=False, max_length=200, help_text="e.g. L1 partner; L2/L3 vendor")
    ip_terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="IP terms")
    termination_terms = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 12}), label="Standard terms")

    def __init__(self, *args, template=None, **kwargs):
        if template is not None:
            kwargs.setdefault("initial", {field: getattr(template, field) for field in self.base_fields})
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        """Every field as typed; empty ones stay empty so the service names what is missing."""
        return {k: "" if v is None else v for k, v in self.cleaned_data.items()}
