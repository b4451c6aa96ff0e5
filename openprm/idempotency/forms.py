"""The base of forms that move money: a hidden one-time token, issued when the form is rendered."""

from django import forms

from .services import issue_form_token


class OneTimeTokenForm(forms.Form):
    """A form whose submit books or moves money. Its view spends `form_token` (services.spend_form_token) in
    the transaction of the write, so submitting the same rendered form twice books once."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_token"] = issue_form_token()
