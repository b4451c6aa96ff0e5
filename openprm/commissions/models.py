"""Commission plans, partner assignments, the append-only ledger, refunds, incentives, payout batches."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from openprm.accounts.scoping import PartnerScopedQuerySet
from openprm.lib.crypto import decrypt, mask
from openprm.lib.money import CURRENCY_CHOICES, format_money
from openprm.lib.singleton import SingletonModel
from openprm.partners.scoping import PartnerOwnedModel


class PlanType(models.TextChoices):
    REVENUE_SHARE = "revenue_share", "Revenue share"
    TIERED = "tiered", "Tiered bands"
    TIER_BASED = "tier_based", "Partner-tier based"
    PROJECT_FEE = "project_fee", "Project fee"


class Period(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"


class Basis(models.TextChoices):
    PER_DEAL = "per_deal", "Per deal (the deal's value picks the band)"
    PERIOD_VOLUME = "period_volume", "Period volume (slices of cumulative volume)"


class Base(models.TextChoices):
    GROSS = "gross", "Gross deal value"
    NET = "net", "Net of the partner discount"


percent = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class CommissionPlan(models.Model):
    """How partners earn on won deals. Rates are percentages (15 = 15%)."""

    name = models.CharField(max_length=120, unique=True)
    type = models.CharField(max_length=16, choices=PlanType.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.QUARTER)
    rate_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True, validators=percent)
    bands = models.JSONField(default=list, blank=True, help_text='[{"from", "to" (null = open), "rate_percent"}]')
    basis = models.CharField(max_length=14, choices=Basis.choices, default=Basis.PER_DEAL)
    retroactive = models.BooleanField(default=False)
    tier_rates = models.JSONField(default=dict, blank=True, help_text='{"platinum": "25", ...}')
    fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    influenced_factor_percent = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("50"),
                                                    validators=percent)
    base = models.CharField(max_length=5, choices=Base.choices, default=Base.GROSS)
    holding_days = models.PositiveIntegerField(default=30)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RateOverride(models.Model):
    """A different rate for a product or a product family (product beats family beats the plan's rate)."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.CASCADE, related_name="overrides")
    product = models.CharField(max_length=120, blank=True)
    family = models.CharField(max_length=120, blank=True)
    rate_percent = models.DecimalField(max_digits=6, decimal_places=3, validators=percent)

    class Meta:
        constraints = [models.CheckConstraint(
            name="override_names_product_or_family",
            condition=(models.Q(product="") & ~models.Q(family="")) | (~models.Q(product="") & models.Q(family="")))]

    def __str__(self):
        return f"{self.product or self.family}: {self.rate_percent}%"


class ProductFamily(models.Model):
    """Which family a product belongs to, for family-level rate overrides."""

    product = models.CharField(max_length=120, unique=True)
    family = models.CharField(max_length=120)

    def __str__(self):
        return f"{self.product} ({self.family})"


class PlanAssignment(PartnerOwnedModel):
    """A partner earns on `plan` for deals closing between starts_on and ends_on (open when empty)."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="plan_assignments")
    plan = models.ForeignKey(CommissionPlan, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.partner} on {self.plan} from {self.starts_on}"


class LineKind(models.TextChoices):
    COMMISSION = "commission", "Commission"
    ADJUSTMENT = "adjustment", "Adjustment"
    SPIFF = "spiff", "SPIFF"
    BONUS = "bonus", "Quarterly bonus"
    REWARD = "reward", "Annual reward"
    CLAWBACK = "clawback", "Clawback"


class LineStatus(models.TextChoices):
    PENDING = "pending", "Pending (holding period)"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    ON_HOLD = "on_hold", "On hold"
    CANCELED = "canceled", "Canceled"


# Fields of a ledger line that may change after it is written; the amount and its explanation never do.
MUTABLE_LINE_FIELDS = frozenset({"status", "status_reason", "payout", "paid_at", "approved_at"})


class LedgerLine(PartnerOwnedModel):
    """One entry of the append-only commission ledger, in the deal's currency, explaining its arithmetic.

    Corrections are new lines (adjustments, clawbacks); an existing line's amount is never edited.
    `source_key` makes recalculation idempotent: the same earning is never booked twice.
    """

    # Every index costs each inserted line (a period recalculation writes a million of them), so the
    # ledger keeps only the ones its queries use (see Meta.indexes): none on `period` (lines are selected
    # by accrued_on), no LIKE-pattern copies, partner_id through the (partner, status, currency) index.
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="ledger_lines",
                                db_index=False)
    registration = models.ForeignKey("deals.Registration", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="ledger_lines")
    plan = models.ForeignKey(CommissionPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=3)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    period = models.CharField(max_length=8, help_text="e.g. 2026-Q4, 2026-11, 2026")
    accrued_on = models.DateField(db_index=True)
    available_on = models.DateField(help_text="End of the holding period")
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    status_reason = models.TextField(blank=True)
    explanation = models.TextField()
    rule = models.JSONField(default=dict, help_text="Snapshot of the rule that produced the line")
    source_key = models.CharField(max_length=200)  # unique: Meta.constraints
    payout = models.ForeignKey("commissions.Payout", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="lines", db_index=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["accrued_on", "id"]
        indexes = [
            models.Index(fields=["partner", "status", "currency"]),
            models.Index(fields=["status"], name="ledger_line_status"),
            # Unpaid lines have no payout: only paid and batched lines are indexed.
            models.Index(fields=["payout"], name="ledger_line_payout", condition=models.Q(payout__isnull=False)),
        ]
        constraints = [models.UniqueConstraint(fields=["source_key"], name="ledger_line_source_key_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} {format_money(self.amount, self.currency)} ({self.partner})"

    def audit_repr(self) -> str:
        """Like str() without the partner's name, so a batch of lines is recorded without a query per line."""
        return f"{self.get_kind_display()} {format_money(self.amount, self.currency)} (partner #{self.partner_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if not fields or not set(fields) <= MUTABLE_LINE_FIELDS:
                raise PermissionDenied("ledger lines are append-only: only their status may change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("ledger lines are append-only")


class Refund(models.Model):
    """A refund or reversal of a won deal; it claws back the refunded share of every partner's commission."""

    registration = models.ForeignKey("deals.Registration", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Refund {self.amount} {self.currency} on #{self.registration_id}"


class Spiff(models.Model):
    """A sales incentive: an extra amount or percentage for named products won within a date window."""

    name = models.CharField(max_length=120)
    products = models.JSONField(default=list)
    starts_on = models.DateField()
    ends_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True, validators=percent)

    def __str__(self):
        return self.name


class QuarterlyTarget(PartnerOwnedModel):
    """A partner's won-revenue target for a quarter and the bonus for reaching it (amount or % of volume)."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="quarterly_targets")
    quarter = models.CharField(max_length=7, help_text="e.g. 2026-Q4")
    target = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    bonus_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bonus_percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True, validators=percent)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "quarter"], name="one_target_per_quarter")]

    def __str__(self):
        return f"{self.partner} {self.quarter}: {self.target} {self.currency}"


class PayoutStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    EXPORTED = "exported", "Exported"
    PAID = "paid", "Paid"


class Payout(models.Model):
    """A payout batch in one currency: approved lines per partner, netted, above the minimum payout."""

    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    up_to = models.DateField()
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.DRAFT)
    total = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal("0"))
    reference = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    # Four-eyes: who approved the batch (the builder may not, unless the program turns the rule off).
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Payout #{self.pk} {format_money(self.total, self.currency)}"


class PayoutItem(PartnerOwnedModel):
    """One partner's net amount in a payout batch."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="payout_items")
    amount = models.DecimalField(max_digits=16, decimal_places=3)
    # Non-empty when the partner cannot be paid in this batch (no payout details): its lines stay unbatched
    # and the amount is not in the batch total; the page and the export list it as "cannot be paid".
    blocked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["partner__name"]
        constraints = [models.UniqueConstraint(fields=["payout", "partner"], name="one_item_per_partner")]

    def __str__(self):
        return f"{self.partner}: {format_money(self.amount, self.payout.currency)}"


class CommissionSettings(SingletonModel):
    """Program-wide commission settings (one row): the minimum payout (in the program currency, converted to
    each payout currency at the current rate unless that currency has its own minimum in
    `minimum_payout_overrides`), carried forward below it; and whether payout batches need a second approver."""

    minimum_payout = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("50"))
    minimum_payout_overrides = models.JSONField(default=dict, blank=True,
                                                help_text='Per currency, e.g. {"JPY": "5000"}')
    payout_four_eyes = models.BooleanField(
        default=True, help_text="The finance user who builds a payout batch may not approve it.")

    def __str__(self):
        return "Commission settings"


class RecalculationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RecalculationRun(models.Model):
    """A period recalculation started from the console: its progress while the task runs, its outcome after.

    The booking itself is `services.recalculate`, the same as `openprm commissions recalc`; this row only
    lets the console show how far it got.
    """

    period = models.CharField(max_length=8)
    status = models.CharField(max_length=8, choices=RecalculationStatus.choices, default=RecalculationStatus.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Won deals in the period when it was started")
    done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0, help_text="Ledger lines the run booked")
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Recalculation of {self.period} #{self.pk or 'new'}"

    @property
    def is_open(self) -> bool:
        return self.status in (RecalculationStatus.QUEUED, RecalculationStatus.RUNNING)

    @property
    def percent(self) -> int:
        """How far it got, 0–100 (a finished run is 100 even when the period had no deals)."""
        if self.status == RecalculationStatus.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0


class PayoutDetails(PartnerOwnedModel):
    """Where a partner's commissions are paid: the account holder, either an IBAN or an account number with
    a routing number, the SWIFT/BIC, the tax id and the bank's country.

    The IBAN, account number, routing number and tax id are stored encrypted (`lib.crypto`); read them with
    `clear(name)` and show them with `masked(name)`. Written only by `services.set_payout_details`.
    """

    SENSITIVE = ("iban", "account_number", "routing_number", "tax_id")

    partner = models.OneToOneField("partners.Partner", on_delete=models.CASCADE, related_name="payout_details")
    account_holder = models.CharField(max_length=140)
    iban = models.TextField(blank=True)
    account_number = models.TextField(blank=True)
    routing_number = models.TextField(blank=True)
    swift = models.CharField(max_length=11, blank=True)
    tax_id = models.TextField(blank=True)
    country = models.CharField(max_length=2)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "payout details"

    def __str__(self):
        return f"Payout details of {self.partner}"

    def clear(self, name: str) -> str:
        """The decrypted value of a sensitive field (for the payout export only)."""
        return decrypt(getattr(self, name))

    def masked(self, name: str) -> str:
        """A sensitive field as shown on pages and in the API: its last 4 characters."""
        return mask(self.clear(name))
