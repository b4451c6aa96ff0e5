"""Program forms: a tier's benefits and requirements, the program settings, FX rates, running a review.

The forms check types and ranges a browser can get wrong; the services decide the rules (a discount range
in order, a rate above zero…) and their refusals land on the fields through `apply_domain_error`.
"""

from django import forms

from openprm.lib import clock
from openprm.lib.money import CURRENCY_CHOICES
from openprm.lib.pickers import Picker

from .models import ManagerCoverage, Program, ReviewCadence, SupportLevel, Tier

PERCENT = {"min_value": 0, "max_value": 100, "max_digits": 5, "decimal_places": 2}


class TierForm(forms.Form):
    """One tier; `service_data()` is what `services.update_tier` takes."""

    name = forms.CharField(max_length=60)
    rank = forms.IntegerField(min_value=1, max_value=99, help_text="1 is the best tier.")
    top_percent = forms.DecimalField(required=False, label="Cut-off (top %)", min_value=0, max_value=100,
                                     max_digits=5, decimal_places=2,
                                     help_text="Partners whose rank/N is at most this percentage qualify. "
                                               "Empty: all others (the catch-all tier).")
    discount_min = forms.DecimalField(label="Discount from %", **PERCENT)
    discount_max = forms.DecimalField(label="Discount to %", **PERCENT)
    manager_coverage = forms.ChoiceField(label="Partner manager", choices=ManagerCoverage.choices)
    support_level = forms.ChoiceField(choices=SupportLevel.choices)
    sla_multiplier = forms.DecimalField(label="SLA multiplier", min_value=0, max_digits=4, decimal_places=2,
                                        help_text="Support SLA targets are multiplied by this (0.5 = twice as fast).")
    mdf_budget = forms.DecimalField(label="MDF budget per year", min_value=0, max_digits=12, decimal_places=2)
    review_cadence = forms.ChoiceField(label="Business reviews", choices=ReviewCadence.choices)
    beta_access = forms.BooleanField(required=False)
    roadmap_input = forms.BooleanField(required=False, label="Product roadmap input")
    executive_engagement = forms.BooleanField(required=False)
    other_benefits = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text="More benefits, one per line.")
    min_certified_people = forms.IntegerField(label="Minimum certified people", min_value=0, max_value=10000)
    requires_active_agreement = forms.BooleanField(required=False, label="Requires an active agreement")

    def __init__(self, *args, tier: Tier, **kwargs):
        initial = {name: getattr(tier, name) for name in self.base_fields}
        initial["other_benefits"] = "\n".join(tier.other_benefits or [])
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("prefix", tier.code)
        super().__init__(*args, **kwargs)
        self.tier = tier

    def clean_other_benefits(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["other_benefits"].splitlines() if line.strip()]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ProgramForm(forms.Form):
    name = forms.CharField(max_length=120, label="Program name")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, label="Program currency",
                                 help_text="Scores are computed in this currency. FX rates convert other "
                                           "currencies into it: after a change, add rates against the new one.")
    score_window_days = forms.IntegerField(min_value=1, max_value=3660, label="Score window (days)",
                                           help_text="Won revenue closed in this many days before the review "
                                                     "counts (365 = trailing 12 months).")
    demotion_grace_days = forms.IntegerField(min_value=0, max_value=3660, label="Demotion grace (days)",
                                             help_text="A demoted partner keeps its tier this long. 0 = none.")

    def __init__(self, *args, program: Program, **kwargs):
        kwargs.setdefault("initial", {name: getattr(program, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)


class FxRateForm(forms.Form):
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    valid_on = forms.DateField(label="Valid from", widget=forms.DateInput(attrs={"type": "date"}))
    rate = forms.DecimalField(max_digits=18, decimal_places=8, min_value=0,
                              help_text="The value of one unit of the currency in the program currency.")

    def __init__(self, *args, program_currency: str, **kwargs):
        kwargs.setdefault("initial", {"valid_on": clock.today()})
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c, _ in CURRENCY_CHOICES if c != program_currency]
        self.fields["rate"].label = f"Rate (in {program_currency})"


class RunReviewForm(forms.Form):
    as_of = forms.DateField(required=False, label="As of", widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="Empty: today.",
                            error_messages={"invalid": "Enter the as-of date as a date, or leave it empty for today."})


class TierPlacementForm(forms.Form):
    """A program admin's placement of one partner in a tier, with the reason kept in the tier history."""

    tier = forms.ChoiceField(choices=())
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Kept in the tier history and sent to the partner's admins.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = list(Tier.objects.order_by("rank").values_list("code", "name"))


class ProductForm(forms.Form):
    """A catalog product: its name, its family (picked from the families in use, or a new one) and whether it
    is offered."""

    name = forms.CharField(max_length=120)
    family = forms.CharField(max_length=120, required=False,
                             help_text="Commission overrides can set a rate for a whole family.")
    active = forms.BooleanField(required=False, initial=True, label="Offered (uncheck to retire)")

    def __init__(self, *args, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].widget = Picker(options=list(families))
