"""Scheduled deal-registration work; each task is idempotent and runnable as of a given time."""

from celery import shared_task

from openprm.lib import clock
from openprm.lib.formatting import plural

from . import services


@shared_task
def send_expiry_reminders(now: str | None = None) -> str:
    """Remind partners before protection ends (once per protection period)."""
    return f"{plural(services.send_expiry_reminders(today=clock.today(now)), 'reminder')} sent"


@shared_task
def expire_registrations(now: str | None = None) -> str:
    """Expire registrations whose protection has passed."""
    return f"{plural(services.expire_registrations(today=clock.today(now)), 'registration')} expired"


@shared_task
def route_expired_leads(now: str | None = None) -> str:
    """Route leads nobody answered in time on to the next partner."""
    return f"{plural(services.route_expired_leads(now=clock.moment(now)), 'lead')} routed on"
