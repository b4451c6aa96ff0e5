"""Bridging domain errors to Django forms, so pages show the same field messages the API returns."""

from django import forms

from .errors import DomainError


class HoneypotInput(forms.TextInput):
    """A text box people never see (moved off-screen by CSS) but form-filling bots do, and fill.

    A text input rather than type=hidden, because bots skip hidden inputs. It renders with the hidden fields,
    out of the tab order and out of autofill, so no person fills it by accident.
    """

    def __init__(self, attrs=None):
        super().__init__({"class": "visually-hidden", "tabindex": "-1", "autocomplete": "off",
                          "aria-hidden": "true", **(attrs or {})})

    @property
    def is_hidden(self):
        return True


def honeypot_field() -> forms.CharField:
    """The bot trap of public forms; views check it before anything else and pretend success when filled."""
    return forms.CharField(required=False, widget=HoneypotInput, label="Leave this empty")


def apply_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal on the form: field messages on their fields, the rest on the form."""
    placed = False
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
