"""What makes a repeated request harmless: API requests kept by their Idempotency-Key, used form tokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """The first answer to an API request sent with an `Idempotency-Key`: a retry with the same key and body
    gets this answer again instead of acting twice.

    `fingerprint` is a hash of the method, path and body: the same key with another request is refused.
    The row is inserted before the request runs and in the same transaction, so a concurrent retry waits
    for the first one and then replays it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_request_per_idempotency_key")]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"


class UsedFormToken(models.Model):
    """A one-time form token that was spent on a write; the same form submitted again is refused.

    Written in the transaction of the write it guards, so a refused write leaves the token unspent.
    """

    nonce = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=2000)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.path} at {self.used_at:%Y-%m-%d %H:%M:%S}"
