"""Rate limits for anything the public can do over and over: sign-in, password reset, /apply/, /join/, API tokens.

One helper for every entry point, counted in the database (`RateLimit`) so that all web processes share
the counts, and timed with `openprm.lib.clock` so tests move time instead of sleeping. A counter is not
domain data: hits are not audited one by one, only the moment a client goes over its limit.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.formatting import plural

from .exceptions import RateLimited
from .models import RateLimit

# Counters idle this long are deleted when their scope is next used, so the table does not grow forever.
KEEP_IDLE = timedelta(days=1)


def client_ip(request) -> str:
    """The address of the client: REMOTE_ADDR, or behind our own proxy the last X-Forwarded-For hop.

    Only the last hop is trusted: it is the one our proxy appended; anything before it the client wrote.
    """
    if request is None:
        return ""
    if settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def _key_hash(key: str) -> str:
    return hashlib.sha256((key or "").strip().lower().encode()).hexdigest()


@transaction.atomic
def hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt of `key` in `scope`; False once more than `limit` attempts fell in the window."""
    now = clock.moment()
    window = timedelta(seconds=window_seconds)
    RateLimit.objects.filter(scope=scope, window_started_at__lt=now - max(window, KEEP_IDLE)).delete()
    row, _ = RateLimit.objects.select_for_update().get_or_create(
        scope=scope, key_hash=_key_hash(key), defaults={"window_started_at": now})
    if now - row.window_started_at >= window:
        row.window_started_at, row.count = now, 0
    row.count += 1
    row.save(update_fields=["window_started_at", "count"])
    if row.count == limit + 1:
        # Once per window, so an attack shows in the audit trail without one event per request.
        audit.record(actor="public", action=Action.ACCESS, verb="rate_limit.exceeded", obj=row,
                     note=f"{scope}: more than {limit} in {plural(window_seconds // 60, 'minute')}")
    return row.count <= limit


def exceeded(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Whether `key` went over its `limit` in the current window, as `hit` last answered (counts nothing)."""
    since = clock.moment() - timedelta(seconds=window_seconds)
    return RateLimit.objects.filter(scope=scope, key_hash=_key_hash(key), window_started_at__gt=since,
                                    count__gt=limit).exists()


def enforce_public_form(*, scope: str, request, address: str) -> None:
    """Count one submission of a public form by its e-mail address and by the client's IP address.

    Raises RateLimited when either went over its limit (settings RATE_LIMIT_PER_ADDRESS, RATE_LIMIT_PER_IP
    per RATE_LIMIT_WINDOW_SECONDS). Both are counted even when the first is over, so a script that rotates
    addresses still runs into the IP limit.
    """
    window = settings.RATE_LIMIT_WINDOW_SECONDS
    address_ok = hit(scope=f"{scope}:address", key=address, limit=settings.RATE_LIMIT_PER_ADDRESS,
                     window_seconds=window)
    ip_ok = hit(scope=f"{scope}:ip", key=client_ip(request), limit=settings.RATE_LIMIT_PER_IP,
                window_seconds=window)
    if not (address_ok and ip_ok):
        minutes = window // 60
        raise RateLimited(f"Too many requests. Please try again in {minutes} minutes.",
                          errors={"__all__": [f"Too many requests from you. Please try again in {minutes} minutes."]})
