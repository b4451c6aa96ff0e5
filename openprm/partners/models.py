"""Partners: organisation profile, lifecycle stages, qualification scorecard, onboarding, branding."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.utils import timezone

from openprm.accounts.models import TIME_ZONE_CHOICES
from openprm.accounts.scoping import PartnerScopedQuerySet
from openprm.lib.money import CURRENCY_CHOICES
from openprm.lib.regions import COUNTRY_CHOICES, Region, country_name

from .scoping import PartnerOwnedModel


class PartnerTypeCode(models.TextChoices):
    """The kinds of partner a program works with (a partner may be several)."""

    RESELLER = "reseller", "Reseller / VAR"
    REFERRAL = "referral", "Referral / affiliate"
    TECHNOLOGY = "technology", "Technology integration"
    ALLIANCE = "alliance", "Strategic alliance"
    CO_MARKETING = "co_marketing", "Co-marketing"
    OEM = "oem", "OEM / white-label"
    DISTRIBUTOR = "distributor", "Distributor"
    MSP = "msp", "Managed service provider"


class Stage(models.TextChoices):
    """The partner development stages (seed 003), plus the two exits."""

    IDENTIFICATION = "identification", "Identification"
    QUALIFICATION = "qualification", "Qualification"
    NEGOTIATION = "negotiation", "Negotiation"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"


DEVELOPMENT_STAGES = [Stage.IDENTIFICATION, Stage.QUALIFICATION, Stage.NEGOTIATION, Stage.ONBOARDING, Stage.ACTIVE]
# The seed's target durations: weeks 1–2, 3–4, 5–8 and 9–12.
DEFAULT_STAGE_TARGET_DAYS = {
    Stage.IDENTIFICATION: 14,
    Stage.QUALIFICATION: 14,
    Stage.NEGOTIATION: 28,
    Stage.ONBOARDING: 28,
}


class PartnerType(models.Model):
    """One of the fixed partner types, as a row so partners can be filtered by type on any database."""

    code = models.CharField(max_length=20, primary_key=True, choices=PartnerTypeCode.choices)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Specialization(models.Model):
    """A skill or market a partner specialises in (e.g. Healthcare, Cloud migration)."""

    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #RRGGBB.")


class Partner(models.Model):
    """A partner organisation in the program, from first identification to active (or exit)."""

    partner_lookup = ""

    name = models.CharField("display name", max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    types = models.ManyToManyField(PartnerType, related_name="partners")
    country = models.CharField("headquarters country", max_length=2, choices=COUNTRY_CHOICES)
    # Derived from the country on every save; stored so lists and reports can filter on it.
    region = models.CharField(max_length=20, choices=Region.choices, editable=False)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes, e.g. ['en', 'de']")
    website = models.URLField(blank=True)
    domain = models.CharField("e-mail domain", max_length=253, blank=True, db_index=True)
    description = models.TextField(blank=True)
    specializations = models.ManyToManyField(Specialization, blank=True, related_name="partners")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
        limit_choices_to={"role": "channel_manager"},
    )
    # Program tier code (platinum, gold, …); set by tier reviews in the programs app.
    tier = models.CharField(max_length=20, blank=True, db_index=True)

    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDENTIFICATION, db_index=True)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    # Where a suspended partner came from, so reinstatement returns it there.
    stage_before_suspension = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    status_reason = models.TextField(blank=True, help_text="Why the partner was suspended or terminated")
    source = models.CharField(max_length=20, default="vendor", help_text="vendor, application or import")

    # Qualification extras beside the weighted scorecard.
    reference_checks = models.TextField(blank=True)
    roi_projection = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    roi_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")

    # Public partner locator: only active partners that opted in are listed.
    locator_opt_in = models.BooleanField("listed in the partner locator", default=False)

    # Branding profile for co-branded collateral, the customer help page and e-mails on the partner's behalf.
    brand_name = models.CharField(max_length=200, blank=True)
    brand_logo = models.FileField(
        upload_to="logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "webp"])],
        help_text="Written only by partners.services.set_brand_logo: a re-encoded PNG, JPEG or WebP image.",
    )
    brand_primary_color = models.CharField(max_length=7, blank=True, validators=[hex_color])
    brand_secondary_color = models.CharField(max_length=7, blank=True, validators=[hex_color])
    support_email = models.EmailField(blank=True)
    brand_domain = models.CharField("branded domain", max_length=253, blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["region", "stage"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from openprm.lib.regions import region_for_country

        if self.country:
            self.region = region_for_country(self.country)
        super().save(*args, **kwargs)

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def type_codes(self) -> list[str]:
        return sorted(t.code for t in self.types.all())

    def stage_target_days(self) -> int | None:
        target = StageTarget.objects.filter(stage=self.stage).first()
        if target:
            return target.target_days
        return DEFAULT_STAGE_TARGET_DAYS.get(self.stage)

    def stage_due_at(self):
        days = self.stage_target_days()
        return self.stage_entered_at + timedelta(days=days) if days else None

    def is_late(self, now=None) -> bool:
        """True when the partner has been in a development stage longer than that stage's target."""
        due = self.stage_due_at()
        return bool(due and (now or timezone.now()) > due)

    def days_in_stage(self, now=None) -> int:
        return ((now or timezone.now()) - self.stage_entered_at).days

    def weighted_score(self) -> Decimal | None:
        """The scorecard's weighted average on the 1–5 scale, or None before anything is scored."""
        scores = list(self.scorecard_scores.select_related("criterion"))
        total_weight = sum((s.criterion.weight for s in scores), Decimal(0))
        if not scores or not total_weight:
            return None
        total = sum((Decimal(s.score) * s.criterion.weight for s in scores), Decimal(0))
        return (total / total_weight).quantize(Decimal("0.01"))


class StageTarget(models.Model):
    """How many days a partner should spend in a development stage before it is flagged late."""

    stage = models.CharField(max_length=20, choices=Stage.choices, unique=True)
    target_days = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    def __str__(self):
        return f"{self.get_stage_display()}: {self.target_days} days"


class PartnerDomain(PartnerOwnedModel):
    """An e-mail domain of the partner; people from a verified domain may ask to join the partner."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)
    verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class Contact(PartnerOwnedModel):
    """A person at the partner (not necessarily a user): executive sponsor, sales lead, billing…"""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "name"]

    def __str__(self):
        return self.name


class StageChange(PartnerOwnedModel):
    """One move of a partner between stages, with who moved it and why."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.partner}: {self.from_stage or '—'} → {self.to_stage}"


class ScorecardCriterion(models.Model):
    """A weighted qualification criterion (the seed's six by default), scored 1–5 per partner."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0"))]
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class ScorecardScore(PartnerOwnedModel):
    """A partner's score on one criterion."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="scorecard_scores")
    criterion = models.ForeignKey(ScorecardCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    note = models.CharField(max_length=500, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(name="score_1_to_5", condition=models.Q(score__gte=1, score__lte=5)),
        ]

    def __str__(self):
        return f"{self.partner} {self.criterion}: {self.score}"


class OnboardingTemplate(models.Model):
    """A checklist template for onboarding; one per partner type, or the default (no type)."""

    name = models.CharField(max_length=120)
    partner_type = models.OneToOneField(
        PartnerType, null=True, blank=True, on_delete=models.CASCADE, related_name="onboarding_template"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OwnerSide(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    PARTNER = "partner", "Partner"


class OnboardingTemplateItem(models.Model):
    """One step of an onboarding template, due a number of days after onboarding starts."""

    template = models.ForeignKey(OnboardingTemplate, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner_side = models.CharField(max_length=10, choices=OwnerSide.choices, default=OwnerSide.VENDOR)
    due_after_days = models.PositiveIntegerField(default=7)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class OnboardingTask(PartnerOwnedModel):
    """One checklist step for one partner, with an owner and a due date."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="onboarding_tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner_side = models.CharField(max_length=10, choices=OwnerSide.choices, default=OwnerSide.VENDOR)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, today=None) -> bool:
        return bool(not self.is_done and self.due_on and self.due_on < (today or timezone.localdate()))


class JoinRequestStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Waiting for e-mail confirmation"
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    SUPERSEDED = "superseded", "Replaced by a newer request"


class JoinRequest(PartnerOwnedModel):
    """Someone from a partner's verified e-mail domain asked for an account; a partner admin decides.

    A request starts unconfirmed: typing an address proves nothing, so only after the person follows the
    link e-mailed to it does the request become pending and reach the partner's admins. The chosen password
    is kept only as a Django password hash and becomes the user's password on approval.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="join_requests")
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    password = models.CharField(max_length=128)
    status = models.CharField(max_length=12, choices=JoinRequestStatus.choices,
                              default=JoinRequestStatus.UNCONFIRMED, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the person confirmed the address")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The account created on approval",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=models.Q(status="pending"),
                                    name="one_pending_join_request_per_email"),
        ]

    def __str__(self):
        return f"Join request from {self.email}"
