"""Support tickets with L1/L2/L3 levels, public and internal comments, attachments, and SLA clocks.

L1 is the partner's own first line for its customers, L2 the vendor's support team, L3 the vendor's core
team for product defects. The vendor's SLA clock starts when a ticket first reaches L2; its targets are fixed
then (policy × the partner's tier multiplier) and kept on the ticket, so a later policy or tier change never
moves a running clock.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openprm.accounts.scoping import PartnerScopedQuerySet
from openprm.lib import clock
from openprm.partners.scoping import PartnerOwnedModel


class Priority(models.TextChoices):
    P1 = "P1", "P1 – critical"
    P2 = "P2", "P2 – high"
    P3 = "P3", "P3 – normal"
    P4 = "P4", "P4 – low"


class Level(models.TextChoices):
    L1 = "L1", "L1 – partner"
    L2 = "L2", "L2 – vendor support"
    L3 = "L3", "L3 – engineering"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_ON_PARTNER = "waiting_on_partner", "Waiting on partner"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Source(models.TextChoices):
    PORTAL = "portal", "Partner portal"
    CONSOLE = "console", "Console"
    API = "api", "API"
    HELP_PAGE = "help_page", "Customer help page"


# Statuses in which the ticket still needs work (its clocks run unless paused).
OPEN_STATUSES = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_ON_PARTNER]
DONE_STATUSES = [TicketStatus.RESOLVED, TicketStatus.CLOSED]

# Default targets in minutes (first response, resolution), before the tier multiplier.
DEFAULT_TARGETS = {
    Priority.P1: (60, 8 * 60),
    Priority.P2: (4 * 60, 24 * 60),
    Priority.P3: (8 * 60, 72 * 60),
    Priority.P4: (24 * 60, 120 * 60),
}


class SlaTarget(models.Model):
    """The program's SLA policy for one priority: first-response and resolution targets in minutes (calendar
    time, 24×7), before the tier's multiplier. One row per priority; edited by program admins."""

    priority = models.CharField(max_length=2, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["priority"]

    def __str__(self):
        return f"{self.priority}: {self.first_response_minutes} min / {self.resolution_minutes} min"

    @classmethod
    def targets(cls) -> dict[str, tuple[int, int]]:
        """priority → (first response, resolution) minutes: the stored policy over the defaults."""
        result = {p.value: t for p, t in DEFAULT_TARGETS.items()}
        for row in cls.objects.all():
            result[row.priority] = (row.first_response_minutes, row.resolution_minutes)
        return result


class TicketQuerySet(PartnerScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def breached(self):
        return self.filter(Q(first_response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False))


class Ticket(PartnerOwnedModel):
    """One support request of a partner's end customer: who, what, how urgent, at which level, and its clocks.

    SLA fields: `sla_started_at` is when the ticket first reached L2; the targets (seconds, tier multiplier
    applied) are fixed then. `paused_seconds` is the total of finished pauses; `paused_at` is set while the
    ticket waits on the partner. The resolution due time moves by exactly the paused time.
    """

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=200)
    description = models.TextField()
    product = models.CharField(max_length=120, blank=True)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3, db_index=True)
    level = models.CharField(max_length=2, choices=Level.choices, default=Level.L1, db_index=True)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW,
                              db_index=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PORTAL)
    customer_name = models.CharField("end customer", max_length=150, blank=True)
    customer_email = models.EmailField("end customer e-mail", blank=True)
    customer_company = models.CharField("end customer company", max_length=200, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_tickets")
    troubleshooting_notes = models.TextField("L1 troubleshooting notes", blank=True)
    defect_reference = models.CharField(max_length=120, blank=True, help_text="Issue-tracker key of the defect")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    # The end customer's private link to follow a help-page ticket: only its SHA-256 is kept.
    follow_token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    # SLA clock
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_tier = models.CharField(max_length=20, blank=True, help_text="The partner's tier when the clock started")
    sla_multiplier = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    first_response_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    # Breach flags stay once set, for reporting.
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self):
        return f"Ticket #{self.pk or 'new'}: {self.subject}"[:200]

    # ------------------------------------------------------------ clocks (computed from the stored events)

    @property
    def first_response_due(self) -> datetime | None:
        """When the first public answer by vendor staff is due (the first-response clock never pauses)."""
        if self.sla_started_at is None:
            return None
        return self.sla_started_at + timedelta(seconds=self.first_response_target_seconds)

    def total_paused_seconds(self, now: datetime | None = None) -> int:
        """Finished pauses plus the running one up to `now`."""
        running = 0
        if self.paused_at is not None and now is not None:
            running = max(0, int((now - self.paused_at).total_seconds()))
        return self.paused_seconds + running

    def resolution_due_at(self, now: datetime | None = None) -> datetime | None:
        """When resolution is due: start + target + paused time (a running pause counts up to `now`)."""
        if self.sla_started_at is None:
            return None
        return self.sla_started_at + timedelta(
            seconds=self.resolution_target_seconds + self.total_paused_seconds(now))

    @property
    def resolution_due(self) -> datetime | None:
        """The resolution due time as of now (a running pause counts up to now)."""
        return self.resolution_due_at(clock.moment() if self.paused_at else None)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def first_response_overdue(self, now: datetime) -> bool:
        """The first public vendor answer has not come by its due minute."""
        due = self.first_response_due
        return due is not None and self.first_responded_at is None and self.is_open and now >= due

    def resolution_overdue(self, now: datetime) -> bool:
        """Not resolved by the due minute; a paused ticket is never overdue (its due time keeps moving)."""
        due = self.resolution_due_at(now)
        return (due is not None and self.resolved_at is None and self.is_open and not self.is_paused
                and now >= due)

    def sla_state(self, now: datetime) -> dict:
        """What a page shows of the clocks: the next due time, seconds left (negative = overdue), paused."""
        if self.sla_started_at is None:
            return {"running": False}
        if self.first_responded_at is None and self.is_open:
            kind, due = "first response", self.first_response_due
        elif self.resolved_at is None and self.is_open:
            kind, due = "resolution", self.resolution_due_at(now)
        else:
            return {"running": False, "done": True}
        left = int((due - now).total_seconds())
        return {"running": True, "kind": kind, "due": due, "seconds_left": left, "overdue": left <= 0 and
                not (kind == "resolution" and self.is_paused), "paused": self.is_paused,
                "paused_seconds": self.total_paused_seconds(now)}

    @property
    def breached(self) -> bool:
        return self.first_response_breached_at is not None or self.resolution_breached_at is not None


class Comment(models.Model):
    """A message on a ticket: public (the partner and its customer read it) or internal (vendor staff only)."""

    partner_lookup = "ticket__partner"
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    # The name shown when there is no user (the end customer on the help page).
    author_name = models.CharField(max_length=150, blank=True)
    by_vendor = models.BooleanField(default=False, help_text="Written by vendor staff")
    internal = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{'Internal note' if self.internal else 'Comment'} on ticket #{self.ticket_id}"

    @property
    def who(self) -> str:
        return self.author.display_name if self.author else (self.author_name or "Customer")


def attachment_path(instance, filename):
    # A random name: the file sits under MEDIA_ROOT, and only the access-checked view may hand it out.
    return f"support/{instance.storage_key}.bin"


class Attachment(models.Model):
    """A file attached to a comment: type decided from its content, size limited; downloaded only through
    the ticket's access-checked view, always as an attachment (never rendered inline)."""

    partner_lookup = "comment__ticket__partner"
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    storage_key = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.filename


class HelpPage(PartnerOwnedModel):
    """A partner's public help page for its own end customers, at /help/<slug>/, in the partner's branding.
    Off until the partner admin switches it on."""

    partner = models.OneToOneField("partners.Partner", on_delete=models.CASCADE, related_name="help_page")
    slug = models.SlugField(max_length=60, unique=True)
    enabled = models.BooleanField(default=False)
    intro = models.TextField(blank=True, help_text="A short text above the form")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Help page /help/{self.slug}/"


class SupportSettings(models.Model):
    """Program-wide support settings (one row): whether partner help pages carry a small "powered by" line."""

    show_powered_by = models.BooleanField(default=True)
    powered_by_text = models.CharField(max_length=120, default="Powered by OpenPRM")

    def __str__(self):
        return "Support settings"

    @classmethod
    def current(cls) -> "SupportSettings":
        return cls.objects.order_by("pk").first() or cls()
