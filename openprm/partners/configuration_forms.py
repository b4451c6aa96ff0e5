"""Forms of the console's Scorecard and Onboarding settings tabs (the configuration services validate and write)."""

from django import forms

from .models import OnboardingTemplate, OnboardingTemplateItem, ScorecardCriterion


class CriterionForm(forms.ModelForm):
    """A scorecard criterion; the code is set once, when it is added (scores and imports name it)."""

    class Meta:
        model = ScorecardCriterion
        fields = ["code", "name", "description", "weight", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]


class TemplateForm(forms.ModelForm):
    """An onboarding template: its name and the partner type it is for (empty: the default template)."""

    class Meta:
        model = OnboardingTemplate
        fields = ["name", "partner_type"]
        labels = {"partner_type": "For partner type"}
        help_texts = {"partner_type": "Leave empty for the default template (partners of any other type)."}


class TemplateItemForm(forms.ModelForm):
    """One step of an onboarding template."""

    class Meta:
        model = OnboardingTemplateItem
        fields = ["title", "description", "owner_side", "due_after_days", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
