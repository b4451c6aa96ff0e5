"""Scheduled commission work: approving lines after the holding period, quarterly bonuses."""

from datetime import timedelta

from celery import shared_task

from openprm.lib import clock
from openprm.lib.formatting import plural

from . import services
from .periods import period_bounds, period_key


@shared_task
def approve_due_lines(now: str | None = None) -> str:
    """Lines whose holding period has passed become approved."""
    return f"{plural(services.approve_due_lines(today=clock.today(now)), 'line')} approved"


@shared_task
def award_quarterly_bonuses(now: str | None = None) -> str:
    """After a quarter ends, partners that reached its target get their bonus."""
    today = clock.today(now)
    this_quarter_start, _ = period_bounds(period_key("quarter", today))
    last_quarter = period_key("quarter", this_quarter_start - timedelta(days=1))
    return f"{len(services.award_quarterly_bonuses(quarter=last_quarter))} bonus(es) for {last_quarter}"


@shared_task
def run_recalculation(run_id: int) -> str:
    """A period recalculation started from the console (services.start_recalculation queues it)."""
    run = services.run_recalculation(run_id=run_id)
    return f"{run}: {run.get_status_display().lower()}, {run.added} line(s) added"
