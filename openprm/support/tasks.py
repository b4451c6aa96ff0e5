"""Scheduled support work; idempotent and runnable as of a given time (`openprm jobs run support.breaches`)."""

from celery import shared_task

from openprm.lib import clock

from . import services


@shared_task
def flag_sla_breaches(now: str | None = None) -> str:
    """Flag first-response and resolution breaches whose due minute has come, and notify."""
    counts = services.flag_breaches(now=clock.moment(now))
    return f"{counts['first_response']} first-response and {counts['resolution']} resolution breach(es) flagged"
