"""Deal-registration forms. They only shape input; the services decide what is valid (and say why)."""

from django import forms
from django.urls import reverse

from openprm.lib.money import CURRENCY_CHOICES
from openprm.lib.pickers import Picker
from openprm.lib.regions import COUNTRY_CHOICES

from .models import (
    MAX_NOTES_LENGTH,
    MAX_PRODUCT_LENGTH,
    MAX_PRODUCTS,
    ConflictDecision,
    ConflictStep,
    LeadStatus,
    RegistrationStatus,
)
from .services import MAX_IMPORT_BYTES

LIST_HELP = "Separate entries with commas."
DATE = forms.DateInput(attrs={"type": "date"})


def split_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class RegistrationForm(forms.Form):
    """A partner registers an opportunity; the domain and name inputs drive the live pre-check."""

    customer_name = forms.CharField(max_length=200, label="Customer company name")
    customer_domain = forms.CharField(max_length=253, required=False, label="Customer domain",
                                      help_text="The customer's web domain, e.g. customer.com.")
    customer_country = forms.ChoiceField(choices=[("", "—")] + list(COUNTRY_CHOICES), label="Customer country")
    contact_name = forms.CharField(max_length=150, required=False, label="Customer contact")
    contact_email = forms.EmailField(required=False, label="Contact e-mail")
    contact_phone = forms.CharField(max_length=40, required=False, label="Contact phone")
    # The service counts the products (at most MAX_PRODUCTS of MAX_PRODUCT_LENGTH); this only bounds the text.
    products = forms.CharField(max_length=MAX_PRODUCTS * (MAX_PRODUCT_LENGTH + 2), required=False,
                               help_text=LIST_HELP,
                               widget=Picker(search="programs:portal_product_pick", multiple=True))
    amount = forms.DecimalField(max_digits=14, decimal_places=2, label="Estimated amount")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    expected_close_date = forms.DateField(widget=DATE)
    notes = forms.CharField(required=False, max_length=MAX_NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        precheck = {"hx-get": reverse("deals:portal_precheck"), "hx-target": "#precheck",
                    "hx-trigger": "keyup changed delay:400ms, change",
                    "hx-include": "#id_customer_name, #id_customer_domain, #id_customer_country",
                    "autocomplete": "off"}
        for name in ("customer_name", "customer_domain", "customer_country"):
            self.fields[name].widget.attrs.update(precheck)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["products"] = split_list(data["products"])
        data["amount"] = str(data["amount"])
        data["expected_close_date"] = data["expected_close_date"].isoformat()
        return data


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Why the deal needs more time. One extension per registration.",
                             error_messages={"required": "Give the reason. Say why the deal needs more time."})


class ApproveForm(forms.Form):
    note = forms.CharField(max_length=5000, required=False)


class RejectForm(forms.Form):
    # Not required here: the service refuses an empty reason with its own message.
    reason = forms.CharField(max_length=5000, required=False)


class BulkDecisionForm(forms.Form):
    """The review queue's bulk decision: approve the ticked registrations (with an optional note) or reject
    them (the reason is required once here, rather than refused row by row)."""

    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                               error_messages={"required": "Choose approve or reject.",
                                               "invalid_choice": "Choose approve or reject."})
    text = forms.CharField(max_length=5000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("text") or "").strip():
            raise forms.ValidationError("Give the reason for rejecting the selected registrations.")
        return data


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")],
                                 error_messages={"required": "Choose approve or decline.",
                                                 "invalid_choice": "Choose approve or decline."})
    note = forms.CharField(max_length=5000, required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("won", "Won"), ("lost", "Lost")],
                                error_messages={"required": "Choose won or lost.",
                                                "invalid_choice": "Choose won or lost."})
    # A refusal of this form is flashed on the detail page, so each message names its field.
    amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False, label="Final amount",
                                help_text="Won only. Empty: the registered amount.",
                                error_messages={"invalid": "Final amount: enter a number such as 240000.00."})
    currency = forms.ChoiceField(choices=[("", "—")] + list(CURRENCY_CHOICES), required=False,
                                 error_messages={"invalid_choice": "Currency: choose one such as USD."})
    closed_on = forms.DateField(widget=DATE, required=False, help_text="Empty: today.",
                                error_messages={"invalid": "Close date: use YYYY-MM-DD."})
    reason = forms.CharField(max_length=5000, required=False, label="Reason (lost)")


class LeadAcceptForm(forms.Form):
    """Accepting a lead registers it: the estimated amount (required when the vendor gave none) and close date."""

    amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False, label="Estimated amount")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    expected_close_date = forms.DateField(widget=DATE, required=False,
                                          help_text="Optional. Empty: 90 days from today.")

    def __init__(self, *args, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lead is not None:
            self.fields["currency"].initial = lead.currency
            if lead.amount is None:
                self.fields["amount"].required = True
                self.fields["amount"].help_text = "The vendor gave no amount for this lead: enter your estimate."
            else:
                self.fields["amount"].initial = lead.amount
                self.fields["amount"].help_text = "The vendor's estimate; change it if you know better."


class LeadDeclineForm(forms.Form):
    reason = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LeadForm(forms.Form):
    """The vendor adds a lead; it is routed to the best partner at once."""

    company_name = forms.CharField(max_length=200)
    domain = forms.CharField(max_length=253, required=False)
    country = forms.ChoiceField(choices=[("", "—")] + list(COUNTRY_CHOICES))
    contact_name = forms.CharField(max_length=150, required=False)
    contact_email = forms.EmailField(required=False)
    products = forms.CharField(max_length=500, required=False, help_text=LIST_HELP,
                               widget=Picker(search="programs:console_product_pick", multiple=True))
    specialization = forms.CharField(max_length=80, required=False)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    notes = forms.CharField(required=False, max_length=MAX_NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["products"] = split_list(data["products"])
        data["amount"] = "" if data["amount"] is None else str(data["amount"])
        return data


class LeadImportForm(forms.Form):
    """A CSV of leads. After a check, the file's text travels in `content` so the import needs no re-upload."""

    file = forms.FileField(required=False, label="CSV file",
                           help_text="UTF-8 CSV with a header row; company_name and country are required.")
    content = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if not upload and not data.get("content"):
            self.add_error("file", "Choose a CSV file.")
        elif upload and upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", f"At most {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
        return data

    def payload(self) -> tuple[bytes | str, str]:
        """The file's bytes (or the checked text) and its name."""
        upload = self.cleaned_data.get("file")
        if upload:
            return upload.read(), upload.name
        return self.cleaned_data["content"], self.cleaned_data.get("filename") or "the checked file"


class AdvanceForm(forms.Form):
    step = forms.ChoiceField(choices=ConflictStep.choices,
                             error_messages={"required": "Choose a step.", "invalid_choice": "Choose a step."})
    note = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=ConflictDecision.choices, error_messages={
        "required": "Choose a decision.", "invalid_choice": "Choose a decision."})
    registration = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                          help_text="Award and co-sell: the registration that carries the deal.",
                                          error_messages={"invalid_choice": "Choose one of the case's registrations."})
    note = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].choices = [("", "—")] + [
            (r.pk, f"#{r.pk} {r.partner.name} ({r.get_status_display().lower()})") for r in registrations]


class PreventForm(forms.Form):
    note = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Prevention action")
    named_account_partner = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Assign as named account of",
        error_messages={"invalid_choice": "Choose one of the case's partners for the named account, or none."})

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_account_partner"].choices = [("", "— no named account —")] + [
            (p.pk, p.name) for p in partners]


REGISTRATION_STATUS_CHOICES = RegistrationStatus.choices
LEAD_STATUS_CHOICES = LeadStatus.choices
