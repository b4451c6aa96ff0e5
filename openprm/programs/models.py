"""The partner program: its currency, tiers with benefits and requirements, tier reviews, FX rates."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from openprm.lib.money import CURRENCY_CHOICES, plain_decimal
from openprm.lib.singleton import SingletonModel
from openprm.partners.scoping import PartnerOwnedModel


class ScoreMethod(models.TextChoices):
    """How tier reviews score partners; each method is a function registered in settings.TIER_SCORE_METHODS."""

    SOURCED_WON_REVENUE = "sourced_won_revenue", "Partner-sourced won revenue, trailing 12 months"


class Program(SingletonModel):
    """Program-wide settings (one row; `Program.current()` creates it with the defaults)."""

    name = models.CharField(max_length=120, default="Partner Program")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    score_method = models.CharField(max_length=40, choices=ScoreMethod.choices, default=ScoreMethod.SOURCED_WON_REVENUE)
    score_window_days = models.PositiveIntegerField(default=365, validators=[MinValueValidator(1)])
    # Days a demoted partner keeps its tier before the demotion takes effect; 0 = no grace (the default).
    demotion_grace_days = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class ManagerCoverage(models.TextChoices):
    DEDICATED = "dedicated", "Dedicated partner manager"
    SHARED = "shared", "Shared partner manager"
    NONE = "none", "Self-service"


class SupportLevel(models.TextChoices):
    PRIORITY = "priority", "Priority support"
    ENHANCED = "enhanced", "Enhanced support"
    STANDARD = "standard", "Standard support"
    COMMUNITY = "community", "Community support"


class ReviewCadence(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"
    NONE = "none", "None"


class Tier(models.Model):
    """A program tier. `top_percent` is the percentile cut-off (None = everyone else); `rank` 1 is the best."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(1)])
    top_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text="Partners whose rank/N is at most this percentage qualify; empty = all others",
    )
    discount_min = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    discount_max = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    manager_coverage = models.CharField(max_length=10, choices=ManagerCoverage.choices, default=ManagerCoverage.NONE)
    support_level = models.CharField(max_length=10, choices=SupportLevel.choices, default=SupportLevel.STANDARD)
    sla_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1"),
                                         help_text="Support SLA targets are multiplied by this")
    mdf_budget = models.DecimalField("MDF budget per year", max_digits=12, decimal_places=2, default=Decimal("0"))
    review_cadence = models.CharField(max_length=10, choices=ReviewCadence.choices, default=ReviewCadence.NONE)
    beta_access = models.BooleanField(default=False)
    roadmap_input = models.BooleanField(default=False)
    executive_engagement = models.BooleanField(default=False)
    other_benefits = models.JSONField(default=list, blank=True, help_text="More benefits, one line each")
    # Minimum requirements: a partner that misses them moves down to the best tier whose requirements it meets.
    min_certified_people = models.PositiveIntegerField(default=0)
    requires_active_agreement = models.BooleanField(default=False)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(name="discount_range_ordered",
                                   condition=models.Q(discount_min__lte=models.F("discount_max"))),
        ]

    def __str__(self):
        return self.name

    def benefits(self) -> list[str]:
        """The tier's benefits as readable lines, for the portal and the API."""
        lines = [f"Discounts {plain_decimal(self.discount_min)}–{plain_decimal(self.discount_max)}%",
                 self.get_manager_coverage_display(),
                 self.get_support_level_display()]
        if self.mdf_budget:
            lines.append(f"Co-marketing / MDF budget {self.mdf_budget:,.0f} per year")
        if self.review_cadence != ReviewCadence.NONE:
            lines.append(f"{self.get_review_cadence_display()} business reviews")
        if self.executive_engagement:
            lines.append("Executive engagement")
        if self.beta_access:
            lines.append("Beta access")
        if self.roadmap_input:
            lines.append("Product roadmap input")
        return lines + list(self.other_benefits)

    def requirements(self) -> dict:
        return {"min_certified_people": self.min_certified_people,
                "requires_active_agreement": self.requires_active_agreement}


class FxRate(models.Model):
    """How much one unit of `currency` is worth in the program currency from `valid_on` (until a newer rate)."""

    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    valid_on = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["currency", "-valid_on"]
        constraints = [models.UniqueConstraint(fields=["currency", "valid_on"], name="one_rate_per_currency_day")]

    def __str__(self):
        return f"1 {self.currency} = {self.rate} on {self.valid_on}"


class Product(models.Model):
    """A product of the program's catalog, kept by program admins: what deals are registered for and what
    commission rate overrides name, by product or by its family. A retired product is no longer offered in
    pickers but stays valid on the deals, agreements and overrides that already name it."""

    name = models.CharField(max_length=120, unique=True)
    family = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.family})" if self.family else self.name


class ReviewStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PARTLY_APPLIED = "partly_applied", "Partly applied"
    APPLIED = "applied", "Applied"


class TierReview(models.Model):
    """One run of the tier review as of a date: a proposal per active partner, applied in full or in part."""

    as_of = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PROPOSED)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    partner_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Tier review as of {self.as_of}"


class TierProposal(PartnerOwnedModel):
    """The review's proposal for one partner: score, rank, current and proposed tier, and why."""

    review = models.ForeignKey(TierReview, on_delete=models.CASCADE, related_name="proposals")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="tier_proposals")
    score = models.DecimalField(max_digits=18, decimal_places=2)
    rank = models.PositiveIntegerField()
    current_tier = models.CharField(max_length=20, blank=True)
    percentile_tier = models.CharField(max_length=20, help_text="Tier by percentile, before requirements")
    proposed_tier = models.CharField(max_length=20)
    reason = models.TextField()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rank", "partner_id"]
        constraints = [models.UniqueConstraint(fields=["review", "partner"], name="one_proposal_per_partner")]

    def __str__(self):
        return f"{self.partner}: {self.current_tier or '—'} → {self.proposed_tier}"

    @property
    def changes_tier(self) -> bool:
        return self.current_tier != self.proposed_tier


class TierChange(PartnerOwnedModel):
    """A partner's tier history: every change, from which review, effective when."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.CharField(max_length=20, blank=True)
    to_tier = models.CharField(max_length=20)
    review = models.ForeignKey(TierReview, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField()
    # A demotion inside its grace period waits here until effective_on (a scheduled job applies it).
    applied = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.partner}: {self.from_tier or '—'} → {self.to_tier}"
