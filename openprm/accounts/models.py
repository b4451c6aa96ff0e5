"""People, roles, invitations, API tokens and login throttling."""

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .scoping import PartnerScopedQuerySet


class Role(models.TextChoices):
    """What a person may do. Vendor roles carry no partner; partner roles always carry one."""

    ADMIN = "admin", "Program admin"
    CHANNEL_MANAGER = "channel_manager", "Channel manager"
    FINANCE = "finance", "Finance"
    MARKETING = "marketing", "Marketing"
    SUPPORT = "support", "Support"
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    PARTNER_SALES = "partner_sales", "Partner sales rep"
    PARTNER_MARKETING = "partner_marketing", "Partner marketer"
    PARTNER_SUPPORT = "partner_support", "Partner support (L1)"


VENDOR_ROLES = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.FINANCE, Role.MARKETING, Role.SUPPORT})
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_SALES, Role.PARTNER_MARKETING, Role.PARTNER_SUPPORT})
# Vendor roles that see every partner; a channel manager sees only the partners assigned to them.
# Vendor roles that read the whole program but change nothing in it (their own account aside). A page or
# endpoint that one of them may use to write names the role explicitly (accounts.access.vendor_required).
READ_ONLY_VENDOR_ROLES = frozenset({Role.MARKETING, Role.SUPPORT})
SEES_ALL_PARTNERS = frozenset({Role.ADMIN, Role.FINANCE, Role.MARKETING, Role.SUPPORT})
TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class UserManager(BaseUserManager.from_queryset(PartnerScopedQuerySet)):
    """Creates users keyed by e-mail (lower-cased so lookups are unambiguous)."""

    use_in_migrations = True

    def normalize_email(self, email):
        return (email or "").strip().lower()

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address: vendor staff, or a user of exactly one partner."""

    partner_lookup = "partner"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    is_active = models.BooleanField(default=True)
    # Django admin access; only program admins get it.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="user_partner_matches_role",
                condition=(
                    # Sorted: set order varies between runs and would make migrations churn.
                    Q(role__in=sorted(r.value for r in PARTNER_ROLES), partner__isnull=False)
                    | Q(role__in=sorted(r.value for r in VENDOR_ROLES), partner__isnull=True)
                ),
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def is_partner_user(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_program_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_partner_admin(self) -> bool:
        return self.role == Role.PARTNER_ADMIN

    @property
    def sees_all_partners(self) -> bool:
        return self.role in SEES_ALL_PARTNERS

    @property
    def is_channel_manager(self) -> bool:
        return self.role == Role.CHANNEL_MANAGER


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (tokens); no salt needed since secrets are random, not chosen."""
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationQuerySet(PartnerScopedQuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An e-mailed invitation to join as a given role (and partner); the link carries a secret token."""

    partner_lookup = "partner"

    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once at creation."""

    PREFIX = "oprm_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters, kept in clear so people can tell their tokens apart.
    hint = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class LoginThrottle(models.Model):
    """Failed sign-ins per e-mail address, kept in the database so every web process shares them."""

    email = models.EmailField(unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.email}: {self.failures} failures"

    def is_locked(self, now) -> bool:
        """Whether the address is locked at `now` (read from openprm.lib.clock by the caller)."""
        return bool(self.locked_until and self.locked_until > now)


class RateLimit(models.Model):
    """How often one client did one thing in the current window (e.g. applications from one IP address).

    Kept in the database, not a process-local dict, so every web process and worker counts together.
    The client is stored as a hash: the table is a counter, not a record of who visited.
    """

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    window_started_at = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key_hash"], name="one_rate_limit_per_scope_key")]

    def __str__(self):
        return f"{self.scope}: {self.count} since {self.window_started_at:%Y-%m-%d %H:%M}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification for one person: a title, a one-line summary and a link (the event is also e-mailed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=200)
    # One readable sentence for the bell and the notifications page; the e-mail carries the long text.
    summary = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=300, blank=True,
                           help_text="Where the notification leads in the UI; it opens for its recipient")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class SavedList(models.TextChoices):
    """The console lists whose filters a user can save (each with its page's URL name)."""

    PARTNERS = "partners", "Partners"
    DEALS = "deals", "Deal registrations"
    AGREEMENTS = "agreements", "Agreements"
    LEDGER = "ledger", "Commission ledger"


SAVED_LIST_URLS = {SavedList.PARTNERS: "partners:console_list", SavedList.DEALS: "deals:console_queue",
                   SavedList.AGREEMENTS: "agreements:console_list", SavedList.LEDGER: "commissions:console_ledger"}


class SavedFilter(models.Model):
    """A list's query string saved by one user under a name, shown to him alone as a link on that list."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_filters")
    list_name = models.CharField(max_length=20, choices=SavedList.choices)
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_filter_name_unique")]

    def __str__(self):
        return f"{self.name} ({self.get_list_name_display()})"

    @property
    def url(self) -> str:
        """The list with the saved query."""
        from django.urls import reverse

        path = reverse(SAVED_LIST_URLS[self.list_name])
        return f"{path}?{self.query}" if self.query else path
