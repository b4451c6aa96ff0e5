"""Forms of the public pages that are not shared with the console (self-registration)."""

from django import forms

from openprm.lib.forms import honeypot_field


class JoinForm(forms.Form):
    """Ask for an account with one's company, a partner already in the program."""

    full_name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(label="Work e-mail",
                             help_text="Use your company address; its domain tells us your company.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 10 characters, not all digits, not a common password.")
    password_again = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                     label="Password again")
    # Hidden from people; bots that fill every field give themselves away.
    website_confirm = honeypot_field()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ.")
        return data
