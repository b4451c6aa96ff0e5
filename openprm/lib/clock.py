"""The 'now' of scheduled jobs: the real time, or a time an operator or a test gives as ISO 8601."""

from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

# A moment tests pin "now" to (see `pinned`); None means the real time.
_pinned: datetime | None = None


def moment(now: str | None = None) -> datetime:
    """`now` as an aware datetime (the real now when None); naive times are read in the server's zone."""
    if now:
        value = datetime.fromisoformat(now)
    else:
        value = _pinned or timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def today(now: str | None = None) -> date:
    """The business date of `moment(now)` in the active time zone."""
    return timezone.localdate(moment(now))


@contextmanager
def pinned(when: datetime):
    """Make `moment()` answer `when` inside the block, so tests move time instead of sleeping.

    Only code that reads time through this module sees the pinned moment (sign-in lock-outs, rate limits).
    """
    global _pinned
    previous, _pinned = _pinned, when
    try:
        yield when
    finally:
        _pinned = previous
