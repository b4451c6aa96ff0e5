"""The 'now' of scheduled jobs: the real time, or a time an operator or a test gives as ISO 8601."""

from datetime import date, datetime

from django.utils import timezone


def moment(now: str | None = None) -> datetime:
    """`now` as an aware datetime (the real now when None); naive times are read in the server's zone."""
    value = datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def today(now: str | None = None) -> date:
    """The business date of `moment(now)` in the active time zone."""
    return timezone.localdate(moment(now))
