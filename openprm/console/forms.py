"""Console-only forms; partner and contact forms come from openprm.partners.forms."""

from decimal import Decimal

from django import forms

from openprm.accounts.forms import InviteForm
from openprm.accounts.models import PARTNER_ROLES, Role, User
from openprm.lib.money import CURRENCY_CHOICES
from openprm.partners.models import Partner

SCORE_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class ConsoleInviteForm(InviteForm):
    """Invite vendor staff (program admins only) or a user of a partner the inviter may see."""

    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), required=False,
                                     help_text="Required for partner roles; leave empty for vendor staff.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, partner_roles_only=not user.is_program_admin, **kwargs)
        self.fields["partner"].queryset = Partner.objects.for_user(user).exclude(stage="terminated").order_by("name")

    def clean(self):
        data = super().clean()
        role, partner = data.get("role"), data.get("partner")
        if role in PARTNER_ROLES and partner is None:
            self.add_error("partner", "Choose the partner this person works for.")
        if role and role not in PARTNER_ROLES and partner is not None:
            self.add_error("partner", "Vendor staff belong to no partner; leave it empty.")
        return data


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


ROLE_FILTER_CHOICES = [("", "All roles")] + list(Role.choices)
