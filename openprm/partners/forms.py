"""Forms for partners, shared by the console, the portal and the public pages.

Forms only parse and show input; the services decide and write. `cleaned_data` is shaped as the
services' `data` dicts (types and specializations as lists of codes/names).
"""

from decimal import Decimal

from django import forms

from openprm.accounts.forms import PARTNER_ROLE_CHOICES
from openprm.accounts.models import TIME_ZONE_CHOICES, Role, User
from openprm.lib.forms import honeypot_field
from openprm.lib.money import CURRENCY_CHOICES
from openprm.lib.pickers import Picker, PickerChoiceField
from openprm.lib.regions import COUNTRY_CHOICES

from .models import Partner, PartnerTypeCode, Stage
from .services import PARTNER_EDITABLE_FIELDS

SCORE_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]
BRANDING_FIELDS = {"brand_name", "brand_primary_color", "brand_secondary_color", "support_email", "brand_domain"}


class CommaListField(forms.CharField):
    """`en, de` ↔ ['en', 'de']."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        return [item.strip() for item in (value or "").split(",") if item.strip()]


class PartnerProfileForm(forms.ModelForm):
    """What a partner admin edits about its own organisation (profile, locator listing, branding)."""

    country = forms.ChoiceField(choices=[("", "Choose a country")] + COUNTRY_CHOICES)
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC", widget=Picker(options=TIME_ZONE_CHOICES),
                                  help_text="Type to search, e.g. Berlin or New_York.")
    languages = CommaListField(required=False, help_text="ISO codes separated by commas, e.g. en, de")
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = PARTNER_EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "brand_primary_color": forms.TextInput(attrs={"type": "color"}),
            "brand_secondary_color": forms.TextInput(attrs={"type": "color"}),
        }
        help_texts = {"domain": "The e-mail domain of your people, e.g. acme.com"}

    def service_data(self) -> dict:
        """The changed values only, for services.update_partner."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


class PartnerForm(PartnerProfileForm):
    """The vendor's partner form: the profile plus types, specializations and the owning channel manager."""

    types = forms.MultipleChoiceField(choices=PartnerTypeCode.choices, widget=forms.CheckboxSelectMultiple)
    specializations = CommaListField(required=False, help_text="Separated by commas, e.g. Healthcare, Cloud")
    manager = PickerChoiceField(
        User.objects.filter(role=Role.CHANNEL_MANAGER, is_active=True), required=False, label="Channel manager",
        search="accounts:console_pick_users", search_params={"role": Role.CHANNEL_MANAGER},
    )

    class Meta(PartnerProfileForm.Meta):
        fields = ["name", "legal_name", "types", "country", "time_zone", "languages", "website", "domain",
                  "description", "specializations", "manager", "locator_opt_in"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new partner's time zone follows its country unless one is chosen (services.create_partner).
            self.fields["time_zone"].required = False
            self.fields["time_zone"].initial = ""
            self.fields["time_zone"].help_text = "Leave empty for the country's main time zone."
        if self.instance.pk:
            self.initial.setdefault("types", self.instance.type_codes)
            self.initial.setdefault("specializations",
                                    [s.name for s in self.instance.specializations.all()])

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}
        if not self.instance.pk:
            data = {name: self.cleaned_data.get(name) for name in self.fields}
        return data


class BrandingForm(PartnerProfileForm):
    """Only the branding part of the profile, with a logo upload (checked by the service)."""

    brand_logo = forms.FileField(required=False, help_text="PNG, JPEG or WebP, at most 1 MB",
                                 widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))

    class Meta(PartnerProfileForm.Meta):
        fields = ["brand_name", "brand_primary_color", "brand_secondary_color", "support_email", "brand_domain"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("country", "time_zone", "languages", "website"):
            self.fields.pop(name, None)


class PartnerBulkForm(forms.Form):
    """The partner list's bulk action: give the ticked partners a channel manager, or move them to a stage
    (each move still checked by the lifecycle service, so a partner that cannot go there is reported)."""

    action = forms.ChoiceField(choices=[("manager", "Assign manager"), ("stage", "Move to stage")],
                               error_messages={"required": "Choose an action.",
                                               "invalid_choice": "Choose an action."})
    manager = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    stage = forms.ChoiceField(choices=[("", "—"), *Stage.choices], required=False)
    note = forms.CharField(max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "manager" and not data.get("manager"):
            raise forms.ValidationError("Choose the channel manager to assign.")
        if data.get("action") == "stage" and not data.get("stage"):
            raise forms.ValidationError("Choose the stage to move the selected partners to.")
        return data


class StageForm(forms.Form):
    """Move a partner to one of the stages allowed from where it is."""

    stage = forms.ChoiceField(choices=Stage.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Required when suspending or terminating.")

    def __init__(self, *args, allowed: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["stage"].choices = [(s, Stage(s).label) for s in allowed]


class ContactForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    job_title = forms.CharField(max_length=120, required=False)
    is_primary = forms.BooleanField(required=False, label="Primary contact")


class ApplicationForm(forms.Form):
    """The public 'become a partner' form."""

    company_name = forms.CharField(max_length=200)
    website = forms.URLField(required=False, assume_scheme="https")
    country = forms.ChoiceField(choices=[("", "Choose a country")] + COUNTRY_CHOICES)
    types = forms.MultipleChoiceField(choices=PartnerTypeCode.choices, widget=forms.CheckboxSelectMultiple,
                                      label="How would you like to partner?")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  label="Tell us about your company")
    contact_name = forms.CharField(max_length=150, label="Your name")
    contact_email = forms.EmailField(label="Your e-mail")
    contact_phone = forms.CharField(max_length=40, required=False, label="Phone")
    contact_title = forms.CharField(max_length=120, required=False, label="Job title")
    # A field people cannot see: bots that fill every input give themselves away.
    website_confirm = honeypot_field()

    def service_args(self) -> dict:
        d = self.cleaned_data
        return {
            "data": {"name": d["company_name"], "website": d["website"], "country": d["country"],
                     "types": d["types"], "description": d["description"],
                     "domain": d["contact_email"].rsplit("@", 1)[1]},
            "contact": {"name": d["contact_name"], "email": d["contact_email"], "phone": d["contact_phone"],
                        "job_title": d["contact_title"]},
        }


# ---------------------------------------------------------------- console: scorecard and onboarding

class ScorecardForm(forms.Form):
    """One 1–5 score and a note per criterion, plus reference checks and the ROI projection."""

    reference_checks = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    roi_projection = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=Decimal("0"),
                                        label="ROI projection")
    roi_currency = forms.ChoiceField(choices=CURRENCY_CHOICES, label="Currency")

    def __init__(self, *args, criteria, scores: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            current = scores.get(c.pk)
            self.fields[f"score_{c.code}"] = forms.TypedChoiceField(
                choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False, label=c.name,
                initial=str(current.score) if current else "")
            self.fields[f"note_{c.code}"] = forms.CharField(
                required=False, max_length=500, label=f"Note on {c.name}", initial=current.note if current else "")

    def rows(self):
        """(criterion, score field, note field) for the template."""
        return [(c, self[f"score_{c.code}"], self[f"note_{c.code}"]) for c in self.criteria]

    def service_scores(self) -> dict:
        return {c.code: (self.cleaned_data[f"score_{c.code}"], self.cleaned_data[f"note_{c.code}"])
                for c in self.criteria if self.cleaned_data.get(f"score_{c.code}") is not None}


class TaskForm(forms.Form):
    """Move an onboarding step's due date or hand it to someone else."""

    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Unassigned")

    def __init__(self, *args, user, partner, **kwargs):
        super().__init__(*args, **kwargs)
        # The partner's own people (as the viewer may see them), its channel manager and the viewer.
        people = User.objects.for_user(user).filter(partner=partner, is_active=True)
        vendor = User.objects.filter(pk__in=[pk for pk in (partner.manager_id, user.pk) if pk], is_active=True)
        self.fields["owner"].queryset = (people | vendor).distinct().order_by("full_name", "email")


# ---------------------------------------------------------------- portal: profile, branding, domains, join requests

class CompanyProfileForm(PartnerProfileForm):
    """The organisation part of the profile; branding has its own page with the logo upload."""

    class Meta(PartnerProfileForm.Meta):
        fields = [f for f in PartnerProfileForm.Meta.fields if f not in BRANDING_FIELDS]
        labels = {"locator_opt_in": "List us in the public partner locator (only while we are an active partner)"}


class ColourInput(forms.TextInput):
    """A #RRGGBB text box (may stay empty, unlike <input type=color>) with the browser's picker beside it."""

    template_name = "partners/widgets/colour.html"

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "#1A2B3C", "maxlength": 7, "pattern": "#[0-9a-fA-F]{6}", **(attrs or {})})


class PortalBrandingForm(BrandingForm):
    """The portal's branding page: branding fields only, colours with a picker, the logo uploaded apart."""

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
    """An e-mail domain a partner adds so colleagues can ask to join."""

    domain = forms.CharField(max_length=253, label="E-mail domain",
                             widget=forms.TextInput(attrs={"placeholder": "example.com"}))


class ApproveJoinForm(forms.Form):
    """The partner role someone who asked to join gets when approved."""

    role = forms.ChoiceField(choices=PARTNER_ROLE_CHOICES, initial=Role.PARTNER_SALES)
