"""Forms for signing in, accepting invitations, inviting people and personal settings."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.template.loader import render_to_string
from django.urls import reverse

from openprm.lib.pickers import Picker, PickerChoiceField

from .exceptions import LockedOut
from .models import PARTNER_ROLES, TIME_ZONE_CHOICES, Role, SavedList
from .ratelimit import client_ip
from .services import check_not_locked, send_email_now

PARTNER_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in PARTNER_ROLES]
ROLE_FILTER_CHOICES = [("", "All roles"), *Role.choices]


class LoginForm(forms.Form):
    """E-mail and password, with lock-out after repeated failures."""

    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        email = (self.cleaned_data.get("email") or "").lower()
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        # The backend enforces the lock-out and counts failures; the form only words the refusal.
        user = authenticate(self.request, email=email, password=password)
        if user is None:
            try:
                check_not_locked(email, client_ip(self.request) or None)
            except LockedOut as exc:
                raise forms.ValidationError(exc.message, code="locked") from None
            raise forms.ValidationError("The e-mail or password is not right.", code="invalid_login")
        self.user = user
        return self.cleaned_data


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 10 characters, not all digits, not a common password.")
    password_again = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                     label="Password again")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class InviteForm(forms.Form):
    """Invite a person, on every page that invites (console people page, a partner's Users tab, the portal).

    Partner-side inviters get only partner roles and no partner choice. Given `partners` (the console's
    people page), the form also asks which of those partners the person works for: partner roles need
    one, vendor staff none.
    """

    email = forms.EmailField()
    full_name = forms.CharField(max_length=150, required=False, label="Name")
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, partner_roles_only: bool = False, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partner_roles_only:
            self.fields["role"].choices = PARTNER_ROLE_CHOICES
        if partners is not None:
            # Searched, not a <select> of every partner (issue 10, item 12); `partners` still decides what is valid.
            self.fields["partner"] = PickerChoiceField(
                partners, search="partners:console_pick", required=False,
                help_text="Required for partner roles; leave empty for vendor staff. Type to search.")

    def clean(self):
        data = super().clean()
        if "partner" not in self.fields:
            return data
        role, partner = data.get("role"), data.get("partner")
        if role in PARTNER_ROLES and partner is None:
            self.add_error("partner", "Choose the partner this person works for.")
        if role and role not in PARTNER_ROLES and partner is not None:
            self.add_error("partner", "Vendor staff belong to no partner; leave it empty.")
        return data


class UserAccessForm(forms.Form):
    """Change a partner user's role, or switch their access off or on (the portal's Users page).

    With `access_only` (the console's people lists) only the switch is offered, and it must be given.
    """

    role = forms.ChoiceField(choices=PARTNER_ROLE_CHOICES, required=False)
    is_active = forms.TypedChoiceField(choices=[("1", "active"), ("0", "deactivated")], coerce=lambda v: v == "1",
                                       required=False, empty_value=None)

    def __init__(self, *args, access_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.access_only = access_only
        if access_only:
            del self.fields["role"]
        # One sentence for any wrong or missing value, as the pages have always said it.
        self.refusal = ("Choose to deactivate or reactivate the user." if access_only
                        else "Choose a partner role or an access change.")
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = self.refusal

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(self.refusal)
        return data

    def changes(self) -> dict:
        """The changes asked for: only the fields that were filled in."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Name")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, widget=Picker(options=TIME_ZONE_CHOICES),
                                  help_text="Type to search, e.g. Berlin or New_York.")
    title = forms.CharField(max_length=120, required=False, label="Job title")
    phone = forms.CharField(max_length=40, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name", help_text="What will use it, e.g. “CRM sync”.")


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form, but the e-mail goes out like every other one: its link on the configured site URL
    (never the host the request named), text and branded HTML; a mail server that is down is logged, not
    turned into an error page (which would also tell whether the address has an account)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        send_email_now(to=to_email, subject=subject, template=email_template_name, context=context, link=path,
                       link_label="Choose a new password")


class SavedFilterForm(forms.Form):
    """Save a list's current query string under a name."""

    list_name = forms.ChoiceField(choices=SavedList.choices)
    name = forms.CharField(max_length=60, error_messages={"required": "Name the filter to save it."})
    query = forms.CharField(max_length=2000, required=False)
