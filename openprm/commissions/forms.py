"""Commission forms: the plan editor (with its band rows and tier rates), assignment, ledger actions,
refunds, statements and payout batches. Forms only shape input; the services decide.
"""

from decimal import Decimal, InvalidOperation

from django import forms

from openprm.idempotency.forms import OneTimeTokenForm
from openprm.lib import clock
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.lib.money import CURRENCY_CHOICES, plain_decimal
from openprm.lib.pickers import Picker, PickerChoiceField
from openprm.lib.regions import COUNTRY_CHOICES
from openprm.partners.models import Partner
from openprm.programs.models import Tier

from .models import Base, Basis, CommissionPlan, Period, PlanType
from .periods import period_bounds, period_key

BAND_ROWS = 5
OVERRIDE_ROWS = 3
DATE = {"type": "date"}


def _plain(value) -> str:
    """A decimal as typed, without trailing zeros or exponent: 20.000 → "20", 1E+5 → "100000"."""
    return plain_decimal(value)


def current_quarter() -> str:
    return period_key("quarter", clock.today())


class PlanForm(forms.Form):
    """A new commission plan. Bands are rows of from / to / rate; tier rates one field per program tier."""

    name = forms.CharField(max_length=120)
    type = forms.ChoiceField(choices=PlanType.choices, initial=PlanType.TIERED)
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    period = forms.ChoiceField(choices=Period.choices, initial=Period.QUARTER,
                               help_text="For period volume and statements.")
    rate_percent = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=3,
                                      label="Rate %", help_text="Revenue share: the % of the credited deal value.")
    basis = forms.ChoiceField(choices=Basis.choices, initial=Basis.PER_DEAL, label="Band basis")
    retroactive = forms.BooleanField(required=False, label="Retroactive (period volume only): reaching a band "
                                                           "tops up the period's earlier deals")
    fee = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2, label="Project fee",
                             help_text="In the plan currency, per won project deal.")
    influenced_factor_percent = forms.DecimalField(min_value=0, max_value=100, decimal_places=3, initial=50,
                                                   label="Influenced factor %",
                                                   help_text="Influenced credit earns this share of the rate.")
    base = forms.ChoiceField(choices=Base.choices, initial=Base.GROSS)
    holding_days = forms.IntegerField(min_value=0, max_value=3650, initial=30, label="Holding period (days)")

    MAIN_FIELDS = ["name", "type", "currency", "period", "rate_percent", "basis", "retroactive", "fee",
                   "influenced_factor_percent", "base", "holding_days"]
    # Fields that belong to some plan types only: the editor shows them for those types (app.js toggles the
    # sections by `data-plan-types`) and the server ignores them, errors included, for any other type.
    TYPE_FIELDS = {"rate_percent": [PlanType.REVENUE_SHARE], "basis": [PlanType.TIERED],
                   "retroactive": [PlanType.TIERED], "fee": [PlanType.PROJECT_FEE]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(BAND_ROWS):
            for part in ("from", "to", "rate"):
                self.fields[f"band_{i}_{part}"] = forms.DecimalField(
                    required=False, min_value=0, decimal_places=3 if part == "rate" else 2,
                    max_value=100 if part == "rate" else None, label=f"Band {i + 1} {part}")
        # Rate overrides (revenue share): a product or a family of the catalog, picked by search.
        for i in range(OVERRIDE_ROWS):
            self.fields[f"override_{i}_product"] = forms.CharField(
                required=False, max_length=120, label=f"Override {i + 1} product",
                widget=Picker(search="programs:console_product_pick"))
            self.fields[f"override_{i}_family"] = forms.CharField(
                required=False, max_length=120, label=f"Override {i + 1} family",
                widget=Picker(search="programs:console_product_pick", search_params={"kind": "family"}))
            self.fields[f"override_{i}_rate"] = forms.DecimalField(
                required=False, min_value=0, max_value=100, decimal_places=3, label=f"Override {i + 1} rate %")
        self.tiers = list(Tier.objects.order_by("rank"))
        for tier in self.tiers:
            self.fields[f"tier_{tier.code}"] = forms.DecimalField(
                required=False, min_value=0, max_value=100, decimal_places=3, label=f"{tier.name} rate %")

    def main_fields(self):
        """(bound field, the plan types it belongs to as a space-separated string, "" for every type)."""
        return [(self[name], " ".join(self.TYPE_FIELDS.get(name, []))) for name in self.MAIN_FIELDS]

    def band_rows(self):
        return [(self[f"band_{i}_from"], self[f"band_{i}_to"], self[f"band_{i}_rate"]) for i in range(BAND_ROWS)]

    def override_rows(self):
        return [(self[f"override_{i}_product"], self[f"override_{i}_family"], self[f"override_{i}_rate"])
                for i in range(OVERRIDE_ROWS)]

    def tier_fields(self):
        return [(tier, self[f"tier_{tier.code}"]) for tier in self.tiers]

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        # Another type's fields are ignored, so a stale value left in a hidden section blocks nothing.
        other = [name for name, kinds in self.TYPE_FIELDS.items() if kind not in kinds]
        other += [f"band_{i}_{part}" for i in range(BAND_ROWS) for part in ("from", "to", "rate")
                  if kind != PlanType.TIERED]
        other += [f"tier_{tier.code}" for tier in self.tiers if kind != PlanType.TIER_BASED]
        other += [f"override_{i}_{part}" for i in range(OVERRIDE_ROWS) for part in ("product", "family", "rate")
                  if kind != PlanType.REVENUE_SHARE]
        for name in other:
            self._errors.pop(name, None)
            data[name] = None
        bands = []
        for i in range(BAND_ROWS):
            low, high, rate = (data.get(f"band_{i}_{p}") for p in ("from", "to", "rate"))
            if low is None and high is None and rate is None:
                continue
            if low is None or rate is None:
                self.add_error(f"band_{i}_rate" if rate is None else f"band_{i}_from",
                               f"Band {i + 1}: give its lower bound and its rate (leave 'to' empty when open).")
                continue
            bands.append({"from": _plain(low), "to": None if high is None else _plain(high),
                          "rate_percent": _plain(rate)})
        data["bands"] = bands
        overrides = []
        for i in range(OVERRIDE_ROWS):
            product, family, rate = (data.get(f"override_{i}_{p}") for p in ("product", "family", "rate"))
            if not product and not family and rate is None:
                continue
            if rate is None or bool(product) == bool(family):
                self.add_error(f"override_{i}_rate" if rate is None else f"override_{i}_product",
                               f"Override {i + 1}: pick a product or a family (not both) and give its rate.")
                continue
            overrides.append({"product": product, "family": family, "rate_percent": _plain(rate)})
        data["overrides"] = overrides
        return data

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {name: d.get(name) for name in self.MAIN_FIELDS}
        data["bands"] = d["bands"] if d.get("type") == PlanType.TIERED else []
        if d.get("type") == PlanType.REVENUE_SHARE and d.get("overrides"):
            data["overrides"] = d["overrides"]
        data["tier_rates"] = {tier.code: _plain(d[f"tier_{tier.code}"]) for tier in self.tiers
                              if d.get(f"tier_{tier.code}") is not None} if d.get("type") == PlanType.TIER_BASED \
            else {}
        if d.get("type") != PlanType.TIERED:
            data["retroactive"] = False
            data["basis"] = Basis.PER_DEAL
        for field in ("rate_percent", "fee"):
            if data[field] is None or d.get("type") not in self.TYPE_FIELDS[field]:
                data.pop(field)
        return data

    def apply_error(self, exc: DomainError) -> None:
        """A service refusal on the form: band problems above the band table, tier rates on their fields."""
        errors = {}
        for field, messages in exc.errors.items():
            if field == "bands":
                for message in messages:
                    self.add_error(None, f"Bands: {message}")
                continue
            if field.startswith("tier_rates."):
                field = "tier_" + field.split(".", 1)[1]
            if field.startswith("overrides."):  # "overrides.<row>.<product|family|rate_percent>"
                _, row, part = (field.split(".") + ["", ""])[:3]
                field = f"override_{row}_{'rate' if part == 'rate_percent' else part}"
                if field not in self.fields:
                    field = None
            errors[field] = messages
        if errors or not exc.errors:
            apply_domain_error(self, DomainError(exc.message, errors=errors))


class PreviewForm(forms.Form):
    """What the preview computes on: a sample deal value and, for period volume, a sequence of deals."""

    sample = forms.DecimalField(required=False, min_value=0, max_digits=16, decimal_places=2, initial=250000,
                                label="Sample deal value")
    sequence = forms.CharField(required=False, initial="80000, 70000, 400000", label="Sample period sequence",
                               help_text="Deal values in close order, separated by commas (period volume).")

    def clean_sequence(self):
        raw = self.cleaned_data.get("sequence") or ""
        values = []
        for part in raw.replace(";", ",").split(","):
            part = part.strip().replace("_", "").replace(" ", "")
            if not part:
                continue
            try:
                value = Decimal(part)
            except InvalidOperation:
                raise forms.ValidationError(f"{part!r} is not a number.") from None
            if not value.is_finite() or value < 0:
                raise forms.ValidationError(f"{part!r} is not a deal value.")
            values.append(value)
        return values[:20]


class AssignForm(forms.Form):
    partner = PickerChoiceField(Partner.objects.none(), search="partners:console_pick")
    starts_on = forms.DateField(widget=forms.DateInput(attrs=DATE))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE),
                              help_text="Empty: until further notice.")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.for_user(user).order_by("name")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class LineBulkForm(forms.Form):
    """The ledger's bulk action: hold the ticked lines (one reason for all, required) or release them."""

    action = forms.ChoiceField(choices=[("hold", "Hold"), ("release", "Release")],
                               error_messages={"required": "Choose hold or release.",
                                               "invalid_choice": "Choose hold or release."})
    reason = forms.CharField(max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "hold" and not (data.get("reason") or "").strip():
            raise forms.ValidationError("Give the reason for holding the selected lines.")
        return data


class RefundForm(OneTimeTokenForm):
    amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2,
                                help_text="The refunded part of the won value, in the deal currency.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("help_text", "2026-Q4, 2026-11 or 2026")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value:
            try:
                period_bounds(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return value


class StatementForm(forms.Form):
    partner = PickerChoiceField(Partner.objects.none(), search="partners:console_pick")
    period = PeriodField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.for_user(user).order_by("name")


class PortalStatementForm(forms.Form):
    period = PeriodField()


class PayoutForm(OneTimeTokenForm):
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    up_to = forms.DateField(widget=forms.DateInput(attrs=DATE), label="Approved lines available up to")


class PaidForm(OneTimeTokenForm):
    reference = forms.CharField(max_length=120, label="Payment reference", help_text="The bank or ERP reference.",
                                error_messages={"required": "Give the payment reference."})


class SpiffForm(OneTimeTokenForm):
    """A new SPIFF: the products it rewards, its window and what it pays (an amount or a percentage)."""

    name = forms.CharField(max_length=120)
    products = forms.CharField(max_length=1000, help_text="Product names, separated by commas.")
    starts_on = forms.DateField(widget=forms.DateInput(attrs=DATE))
    ends_on = forms.DateField(widget=forms.DateInput(attrs=DATE), help_text="The last day a won deal earns it.")
    amount = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2,
                                help_text="A fixed amount per won deal…")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    percent = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=3, label="Percent",
                                 help_text="…or a % of the credited deal value (give one of the two).")

    def service_data(self) -> dict:
        d = {k: v for k, v in self.cleaned_data.items() if k != "form_token"}
        return {**d, "products": [p.strip() for p in d["products"].split(",") if p.strip()]}


class TargetForm(OneTimeTokenForm):
    """A partner's quarterly target and its bonus (a fixed amount or a % of the quarter's volume)."""

    partner = PickerChoiceField(Partner.objects.none(), search="partners:console_pick")
    quarter = forms.CharField(max_length=7, help_text="e.g. 2026-Q4")
    target = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, label="Target (won revenue)")
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    bonus_amount = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2,
                                      help_text="A fixed bonus for reaching the target…")
    bonus_percent = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=3,
                                       label="Bonus %", help_text="…or a % of the quarter's won volume.")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.for_user(user).order_by("name")


class RewardForm(OneTimeTokenForm):
    """A reward for a partner (an approved ledger line with its reason)."""

    partner = PickerChoiceField(Partner.objects.none(), search="partners:console_pick")
    amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.for_user(user).order_by("name")


class PartnerPlanForm(forms.Form):
    """Put one partner (the page's) on a plan for a date range."""

    plan = forms.ModelChoiceField(queryset=None, empty_label="Choose a plan")
    starts_on = forms.DateField(widget=forms.DateInput(attrs=DATE))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE),
                              help_text="Empty: until further notice.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = CommissionPlan.objects.order_by("name")


class RecalculationForm(forms.Form):
    """The period a recalculation books: its quarter, month or year."""

    period = PeriodField(help_text="A quarter (2026-Q4), a month (2026-11) or a year (2026).")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"period": current_quarter()})
        super().__init__(*args, **kwargs)


class PayoutDetailsForm(forms.Form):
    """A partner's bank account for payouts, one form for the portal (its admin) and the console (finance).

    The stored bank and tax numbers are never sent back to the browser: their fields start empty and show the
    last 4 characters on file; left empty, the number on file is kept (`data_for_service`).
    """

    account_holder = forms.CharField(max_length=140, label="Account holder",
                                     help_text="The name on the bank account.")
    iban = forms.CharField(max_length=50, required=False, label="IBAN",
                           help_text="Or give an account number and a routing number below.")
    account_number = forms.CharField(max_length=40, required=False, label="Account number")
    routing_number = forms.CharField(max_length=20, required=False, label="Routing number",
                                     help_text="ABA routing number, sort code or transit number.")
    swift = forms.CharField(max_length=20, required=False, label="SWIFT/BIC")
    tax_id = forms.CharField(max_length=60, required=False, label="Tax id")
    country = forms.ChoiceField(choices=[("", "Choose the bank's country")] + COUNTRY_CHOICES,
                                label="Bank country")

    SENSITIVE = ("iban", "account_number", "routing_number", "tax_id")
    BANK = ("iban", "account_number", "routing_number")

    def __init__(self, *args, details=None, **kwargs):
        self.details = details
        if details is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {"account_holder": details.account_holder, "swift": details.swift,
                                 "country": details.country}
        super().__init__(*args, **kwargs)
        for name in self.SENSITIVE:
            self.fields[name].widget.attrs["autocomplete"] = "off"
            on_file = details.masked(name) if details is not None else ""
            if on_file:
                self.fields[name].help_text = f"On file: {on_file}. Leave empty to keep it."

    def data_for_service(self, data: dict) -> dict:
        """The cleaned data with the numbers on file filled in where the fields were left empty: the bank
        numbers when none of them was typed, the tax id when it was not."""
        data = {k: v for k, v in data.items() if k in self.fields}
        if self.details is None:
            return data
        if not any(data.get(name) for name in self.BANK):
            for name in self.BANK:
                data[name] = self.details.clear(name)
        if not data.get("tax_id"):
            data["tax_id"] = self.details.clear("tax_id")
        return data
