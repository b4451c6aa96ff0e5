"""Deal registration: customers, registrations with protection, co-sell participants, conflict cases, leads."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openprm.accounts.scoping import PartnerScopedQuerySet
from openprm.lib import clock
from openprm.lib.money import CURRENCY_CHOICES
from openprm.lib.regions import COUNTRY_CHOICES
from openprm.lib.singleton import SingletonModel
from openprm.partners.scoping import PartnerOwnedModel

# Limits on what a registration (or a lead, which becomes one) carries: enough for any real deal, and
# small enough that one request cannot fill the database or every page that lists products and notes.
MAX_PRODUCTS = 50
MAX_PRODUCT_LENGTH = 100
MAX_NOTES_LENGTH = 10_000


class DealProgram(SingletonModel):
    """The program's deal-registration rules (one row; `DealProgram.current()` creates it with defaults)."""

    protection_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    extension_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    review_target_hours = models.PositiveIntegerField(default=48, validators=[MinValueValidator(1)])
    reminder_days = models.PositiveIntegerField(
        default=7, help_text="Remind the partner this many days before protection ends"
    )
    minimum_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    minimum_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    match_domains = models.BooleanField(default=True, help_text="Same normalized domain = same customer")
    match_names = models.BooleanField(default=True, help_text="Similar names in the same country = same customer")
    name_threshold = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    lead_response_hours = models.PositiveIntegerField(default=48, validators=[MinValueValidator(1)])
    max_close_days = models.PositiveIntegerField(
        default=730, validators=[MinValueValidator(1)],
        help_text="A registration's expected close date may be at most this many days ahead",
    )

    class Meta:
        verbose_name = "deal program settings"

    def __str__(self):
        return "Deal registration settings"


class Customer(models.Model):
    """An end customer as the program knows it; registrations that match point at the same customer."""

    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, db_index=True)
    domain = models.CharField(max_length=253, blank=True, db_index=True)
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RegistrationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    CONFLICT = "conflict", "In conflict review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    CANCELED = "canceled", "Canceled"


OPEN_STATUSES = [RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT, RegistrationStatus.APPROVED]
CLOSED_STATUSES = [RegistrationStatus.WON, RegistrationStatus.LOST]


class ExtensionStatus(models.TextChoices):
    NONE = "", "None"
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class RegistrationQuerySet(PartnerScopedQuerySet):
    def active_on(self, today):
        """Registrations that hold a customer: waiting for a decision, or approved and still protected."""
        return self.filter(
            Q(status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT])
            | Q(status=RegistrationStatus.APPROVED, protected_until__gte=today)
        )


class Registration(PartnerOwnedModel):
    """A partner's registered opportunity: first to register a customer is protected for a period."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="registrations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="registrations")
    # The customer as the partner typed it; `customer` is the matched or new canonical record.
    customer_name = models.CharField(max_length=200)
    customer_domain = models.CharField(max_length=253, blank=True)
    customer_country = models.CharField(max_length=2, choices=COUNTRY_CHOICES)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    products = models.JSONField(default=list, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    expected_close_date = models.DateField()
    notes = models.TextField(blank=True)

    status = models.CharField(
        max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    protected_until = models.DateField(null=True, blank=True, db_index=True)
    extension_status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.NONE, blank=True
    )
    extension_reason = models.TextField(blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True)
    conflict_case = models.ForeignKey(
        "deals.ConflictCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    outside_territory = models.BooleanField(default=False)

    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    won_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    lost_reason = models.TextField(blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["partner", "status"]),
                   # A period's won deals (commission recalculation, tier scores) without reading every deal.
                   models.Index(fields=["status", "closed_on"], name="deals_reg_status_closed")]

    def __str__(self):
        return f"#{self.pk} {self.customer_name} ({self.partner})"

    def review_due_at(self, program: DealProgram | None = None):
        program = program or DealProgram.current()
        return self.submitted_at + timedelta(hours=program.review_target_hours)

    def is_review_overdue(self, program: DealProgram | None = None, now=None) -> bool:
        """Waiting for a decision longer than the program's review target."""
        if self.status not in (RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT):
            return False
        return (now or clock.moment()) > self.review_due_at(program)

    @property
    def sales_cycle_days(self) -> int | None:
        """Registration → close, in days, once closed."""
        if not self.closed_on:
            return None
        return (self.closed_on - timezone.localdate(self.submitted_at)).days


class ParticipantRole(models.TextChoices):
    SOURCED = "sourced", "Sourced"
    INFLUENCED = "influenced", "Influenced"


class Participant(models.Model):
    """A partner's share of credit on a registration (co-selling); a registration's splits sum to 100."""

    partner_lookup = "registration__partner"

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="participants")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=ParticipantRole.choices)
    split_percent = models.DecimalField(
        max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-split_percent", "id"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "partner"], name="one_participation_per_partner"),
            models.CheckConstraint(
                name="split_between_0_and_100", condition=Q(split_percent__gt=0, split_percent__lte=100)
            ),
        ]

    def __str__(self):
        return f"{self.partner} {self.role} {self.split_percent}%"


class ConflictStep(models.TextChoices):
    """The seed's conflict-resolution framework, in order."""

    IDENTIFY = "identify", "Identify"
    INVESTIGATE = "investigate", "Investigate"
    MEDIATE = "mediate", "Mediate"
    DECIDE = "decide", "Decide"
    COMMUNICATE = "communicate", "Communicate"
    PREVENT = "prevent", "Prevent"


CONFLICT_STEPS = list(ConflictStep)


class ConflictDecision(models.TextChoices):
    AWARD = "award", "Award to one registration"
    CO_SELL = "co_sell", "Co-sell with splits"
    VENDOR_DIRECT = "vendor_direct", "Vendor sells direct"
    REJECT_ALL = "reject_all", "Reject all"


class ConflictCase(models.Model):
    """Two or more partners claim the same customer; worked through the six steps to a decision."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conflict_cases")
    step = models.CharField(max_length=12, choices=ConflictStep.choices, default=ConflictStep.IDENTIFY)
    opened_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=14, choices=ConflictDecision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self):
        return f"Conflict #{self.pk} over {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ConflictNote(models.Model):
    """A dated note on one step of a conflict case."""

    case = models.ForeignKey(ConflictCase, on_delete=models.CASCADE, related_name="notes")
    step = models.CharField(max_length=12, choices=ConflictStep.choices)
    note = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_step_display()}: {self.note[:40]}"


class NamedAccount(models.Model):
    """A prevention rule: this customer is assigned to one partner; others' registrations are flagged."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="named_account")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    source_case = models.ForeignKey(ConflictCase, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.customer} → {self.partner}"


class MatchLock(models.Model):
    """One row that registrations lock while they match and insert, so two at once cannot both be first."""

    class Meta:
        verbose_name = "registration match lock"

    def __str__(self):
        return "registration match lock"


class LeadStatus(models.TextChoices):
    UNOPENED = "unopened", "Unopened"
    OPENED = "opened", "Opened"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CONVERTED = "converted", "Converted"
    EXPIRED = "expired", "Expired"


class Lead(PartnerOwnedModel):
    """A prospect the vendor shares with one partner at a time; `partner` is whom it is offered to now.

    Declined or unanswered by the deadline, it routes on to the next best partner. Accepted, it becomes
    a registration of that partner; when that registration is won the lead is converted.
    """

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    company_name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    products = models.JSONField(default=list, blank=True)
    specialization = models.CharField(max_length=80, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=LeadStatus.choices, default=LeadStatus.UNOPENED, db_index=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True, db_index=True)
    registration = models.OneToOneField(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="lead"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.company_name


class LeadOffer(models.Model):
    """One offer of a lead to one partner and how it ended: the lead's routing history."""

    partner_lookup = "partner"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    offered_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField()
    outcome = models.CharField(max_length=10, blank=True, help_text="accepted, declined or expired")
    reason = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    score = models.IntegerField(default=0, help_text="Routing score when offered")

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["offered_at", "id"]

    def __str__(self):
        return f"{self.lead} → {self.partner}"
