"""Scheduled agreement work; each task is idempotent and runnable as of a given time (`openprm jobs run`)."""

from celery import shared_task

from openprm.lib import clock
from openprm.lib.formatting import plural

from . import services


@shared_task
def activate_agreements(now: str | None = None) -> str:
    """Signed agreements become active on their start date."""
    return f"{plural(services.activate_due(today=clock.today(now)), 'agreement')} activated"


@shared_task
def end_agreements(now: str | None = None) -> str:
    """Agreements past their end date: auto-renewing ones renew for the next term, the others expire."""
    counts = services.end_due(today=clock.today(now))
    return f"{plural(counts['renewed'], 'agreement')} renewed, {counts['expired']} expired"


@shared_task
def send_agreement_reminders(now: str | None = None) -> str:
    """Reminders before the notice date and before the end of the term, each once."""
    return f"{plural(services.send_reminders(today=clock.today(now)), 'reminder')} sent"
