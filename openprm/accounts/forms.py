"""Forms for signing in, accepting invitations, inviting people and personal settings."""

from django import forms
from django.contrib.auth import authenticate

from .exceptions import LockedOut
from .models import PARTNER_ROLES, TIME_ZONE_CHOICES, Role
from .ratelimit import client_ip
from .services import check_not_locked


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
    """Invite a person. Partner-side inviters get only partner roles and no partner choice."""

    email = forms.EmailField()
    full_name = forms.CharField(max_length=150, required=False, label="Name")
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, partner_roles_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if partner_roles_only:
            self.fields["role"].choices = [(r.value, r.label) for r in Role if r in PARTNER_ROLES]


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Name")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)
    title = forms.CharField(max_length=120, required=False, label="Job title")
    phone = forms.CharField(max_length=40, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name", help_text="What will use it, e.g. “CRM sync”.")
