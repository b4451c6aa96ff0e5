"""Partner agreements: versioned templates per agreement kind, and each partner's agreements with their terms."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openprm.accounts.scoping import PartnerScopedQuerySet
from openprm.partners.scoping import PartnerOwnedModel

DEFAULT_SUPPORT_SPLIT = "L1 partner; L2/L3 vendor"


class AgreementKind(models.TextChoices):
    RESELLER = "reseller", "Reseller"
    REFERRAL = "referral", "Referral"
    OEM = "oem", "OEM"
    TECHNOLOGY = "technology", "Technology"
    CO_MARKETING = "co_marketing", "Co-marketing"
    DISTRIBUTOR = "distributor", "Distributor"


class AgreementTemplate(models.Model):
    """The standard text and default terms of one kind of agreement, in numbered versions.

    New agreements use the active version of their kind (at most one per kind); each agreement keeps the
    version it was made from, so which version a partner accepted stays known after the template moves on.
    A version is never edited: program admins publish the next one in the console (`services.publish_template_version`).
    """

    kind = models.CharField(max_length=20, choices=AgreementKind.choices)
    version = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="The standard clauses: responsibilities, support split, IP, termination")
    default_term_months = models.PositiveIntegerField(default=12, validators=[MinValueValidator(1)])
    notice_days = models.PositiveIntegerField(default=60)
    payment_terms_days = models.PositiveIntegerField(default=30)
    responsibilities_vendor = models.TextField(blank=True)
    responsibilities_partner = models.TextField(blank=True)
    support_split = models.CharField(max_length=200, default=DEFAULT_SUPPORT_SPLIT)
    ip_terms = models.TextField("IP terms", blank=True)
    termination_terms = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="The program admin who published this version")

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="one_template_version_per_kind"),
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="one_active_template_per_kind"),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @classmethod
    def current(cls, kind: str) -> "AgreementTemplate | None":
        """The template new agreements of `kind` are made from: its highest active version."""
        return cls.objects.filter(kind=kind, active=True).order_by("-version").first()

    def previous(self) -> "AgreementTemplate | None":
        """The version of the same kind just before this one."""
        return (AgreementTemplate.objects.filter(kind=self.kind, version__lt=self.version)
                .order_by("-version").first())

    def changes_from(self, other: "AgreementTemplate | None") -> list[dict]:
        """What differs from `other` (usually the previous version): one entry per changed field,
        {"field", "label", "before", "after", "text"}; `text` is True for long texts (show them as a line diff)."""
        if other is None:
            return []
        changes = []
        for name in TEMPLATE_CONTENT_FIELDS:
            before, after = getattr(other, name), getattr(self, name)
            if not same_content(before, after):
                field = self._meta.get_field(name)
                changes.append({"field": name, "label": str(field.verbose_name).capitalize(), "before": before,
                                "after": after, "text": isinstance(field, models.TextField)})
        return changes


# What a template version says; a new version may change any of these (kind and version number are fixed).
TEMPLATE_CONTENT_FIELDS = ["title", "body", "default_term_months", "notice_days", "payment_terms_days",
                           "responsibilities_vendor", "responsibilities_partner", "support_split", "ip_terms",
                           "termination_terms"]


def same_content(a, b) -> bool:
    """Whether two values of a template field say the same (texts compared without outer blanks or CR line ends)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return a == b


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent for signature"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"
    RENEWED = "renewed", "Renewed"


# Statuses after which nothing more happens to the agreement.
FINAL_STATUSES = [AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.RENEWED]


class AgreementQuerySet(PartnerScopedQuerySet):
    def in_force_on(self, day: date):
        """Agreements that bound both parties on `day`: signed, within their term, not terminated by then."""
        return self.filter(
            signed_at__isnull=False, starts_on__lte=day, ends_on__gte=day,
            status__in=[AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.EXPIRED,
                        AgreementStatus.RENEWED, AgreementStatus.TERMINATED],
        ).exclude(status=AgreementStatus.TERMINATED, terminated_on__lte=day)

    def expiring_within(self, days: int, today: date):
        """Signed or active agreements whose term ends in the next `days` days."""
        return self.filter(status__in=[AgreementStatus.SIGNED, AgreementStatus.ACTIVE],
                           ends_on__gte=today, ends_on__lte=today + timedelta(days=days))


class Agreement(PartnerOwnedModel):
    """One partner's agreement with the vendor: scope, term, responsibilities, pricing, support, IP,
    termination, commission plan and branding, and its way from draft through signature to its end.

    `ends_on` is the last day of the term (inclusive); a renewal's next term starts the day after.
    """

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="agreements")
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="agreements")
    template_version = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=AgreementKind.choices)
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT,
                              db_index=True)

    # Term and renewal
    starts_on = models.DateField()
    ends_on = models.DateField(db_index=True)
    auto_renew = models.BooleanField(default=False)
    notice_days = models.PositiveIntegerField(default=60, help_text="Notice needed to end the agreement")

    # Scope
    territories = models.JSONField(default=list, blank=True,
                                   help_text="ISO country codes (US, DE) and/or region codes (europe)")
    segments = models.JSONField(default=list, blank=True, help_text="Customer segments, e.g. enterprise, smb")
    products = models.JSONField(default=list, blank=True)

    # Responsibilities, pricing, support, IP, termination
    responsibilities_vendor = models.TextField(blank=True)
    responsibilities_partner = models.TextField(blank=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"),
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    margin_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0), MaxValueValidator(100)])
    payment_terms_days = models.PositiveIntegerField(default=30)
    support_split = models.CharField(max_length=200, default=DEFAULT_SUPPORT_SPLIT)
    ip_terms = models.TextField("IP terms", blank=True)
    termination_terms = models.TextField(blank=True)
    # The commission plan the partner earns on under this agreement. A lazy reference by label: commissions
    # builds on agreements, so agreements never imports it (scripts/check_layers.py); signing or activating
    # the agreement puts the partner on this plan through settings.AGREEMENT_PLAN_ASSIGNER.
    commission_plan = models.ForeignKey("commissions.CommissionPlan", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="agreements")

    # Branding
    whitelabel = models.BooleanField("white-label", default=False)
    whitelabel_terms = models.TextField("white-label terms", blank=True)

    # Lifecycle
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    signer_name = models.CharField(max_length=150, blank=True)
    signer_ip = models.GenericIPAddressField(null=True, blank=True)
    # Kept with the signature as evidence of who signed, from where and with what (shown on the printed PDF).
    signer_email = models.EmailField(blank=True)
    signer_user_agent = models.CharField(max_length=300, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it expired or was renewed")
    terminated_at = models.DateTimeField(null=True, blank=True)
    terminated_on = models.DateField(null=True, blank=True, help_text="Business date of the termination")
    terminated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    termination_reason = models.TextField(blank=True)
    renewed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="renewals")
    # Each reminder goes once: the day it was sent.
    notice_reminder_sent_on = models.DateField(null=True, blank=True)
    expiry_reminder_sent_on = models.DateField(null=True, blank=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="agreement_ends_after_start", condition=Q(ends_on__gt=models.F("starts_on"))),
            models.UniqueConstraint(fields=["renewed_from"], name="one_renewal_per_agreement"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} agreement #{self.pk or 'new'}"

    @property
    def notice_date(self) -> date:
        """The last day on which either party can give notice before the term ends."""
        return self.ends_on - timedelta(days=self.notice_days)

    @property
    def is_editable(self) -> bool:
        return self.status == AgreementStatus.DRAFT

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def days_left(self, today: date | None = None) -> int:
        return (self.ends_on - (today or timezone.localdate())).days
