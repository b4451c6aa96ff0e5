"""Support forms: a new ticket, a comment with attachments, escalation, status, assignment, SLA policy."""

from django import forms

from openprm.lib.forms import honeypot_field

from .models import Level, Priority, TicketStatus


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the service (content and size), not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class TicketForm(forms.Form):
    """A new ticket in the portal: at L1, or straight to L2 with the L1 troubleshooting notes."""

    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.P3)
    product = forms.CharField(max_length=120, required=False)
    customer_name = forms.CharField(label="End customer", max_length=150, required=False)
    customer_email = forms.EmailField(label="End customer e-mail", required=False)
    customer_company = forms.CharField(label="End customer company", max_length=200, required=False)
    level = forms.ChoiceField(choices=[(Level.L1, "L1 – we work it ourselves"),
                                       (Level.L2, "L2 – send it to vendor support now")], initial=Level.L1)
    notes = forms.CharField(label="L1 troubleshooting notes", required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="Required when opening at L2: what you tried and what happened.")


class CommentForm(forms.Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    internal = forms.BooleanField(required=False, label="Internal note (vendor staff only)")
    attachments = MultipleFileField(required=False,
                                    help_text="Images, PDF, ZIP or plain-text logs; at most 10 MB each.")

    def __init__(self, *args, allow_internal=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_internal:
            del self.fields["internal"]


class EscalateForm(forms.Form):
    to = forms.ChoiceField(choices=[(Level.L2, "L2"), (Level.L3, "L3")])
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
                            help_text="L1 → L2: the troubleshooting notes. L3 → L2: why it goes back.")
    defect_reference = forms.CharField(required=False, max_length=120, help_text="L2 → L3: the defect's key")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)
    note = forms.CharField(required=False, max_length=5000)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = queryset


class SlaPolicyForm(forms.Form):
    """Minutes per priority, before the tier multiplier."""

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        for priority in Priority.values:
            for key, label in (("first_response_minutes", "first response"), ("resolution_minutes", "resolution")):
                self.fields[f"{priority}_{key}"] = forms.IntegerField(
                    label=f"{priority} {label} (minutes)", min_value=1, max_value=525600,
                    initial=policy[priority][key])

    def policy(self) -> dict:
        data = self.cleaned_data
        return {p: {"first_response_minutes": data[f"{p}_first_response_minutes"],
                    "resolution_minutes": data[f"{p}_resolution_minutes"]} for p in Priority.values}

    def apply_error(self, exc):
        for priority, messages in exc.errors.items():
            for message in messages:
                self.add_error(f"{priority}_resolution_minutes" if priority in Priority.values else None, message)


class HelpRequestForm(forms.Form):
    """The end customer's form on a partner's help page. `started` carries when the form was shown (signed),
    and `website_confirm` is the invisible bot trap."""

    customer_name = forms.CharField(label="Your name", max_length=150)
    customer_email = forms.EmailField(label="Your e-mail")
    customer_company = forms.CharField(label="Company", max_length=200, required=False)
    product = forms.CharField(max_length=120, required=False)
    subject = forms.CharField(max_length=200)
    description = forms.CharField(label="How can we help?", widget=forms.Textarea(attrs={"rows": 6}),
                                  max_length=20000)
    website_confirm = honeypot_field()
    started = forms.CharField(widget=forms.HiddenInput, required=False)


class CustomerReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class HelpPageForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Help page switched on")
    slug = forms.SlugField(label="Address", max_length=60, help_text="Your page is at /help/<address>/")
    intro = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="A short text your customers read above the form.")


class SupportSettingsForm(forms.Form):
    show_powered_by = forms.BooleanField(required=False, label="Show a small “powered by” line on partner help pages")
