"""Scheduled program work: the quarterly tier review proposal and demotions whose grace period ended."""

from celery import shared_task

from openprm.lib import clock
from openprm.lib.formatting import plural

from . import services


@shared_task
def run_tier_review(now: str | None = None) -> str:
    """Propose tiers as of today; a program admin reviews and applies the proposal."""
    review = services.run_review(actor=None, as_of=clock.today(now))
    return f"tier review #{review.pk} proposed for {plural(review.partner_count, 'partner')}"


@shared_task
def apply_due_demotions(now: str | None = None) -> str:
    return f"{plural(services.apply_due_demotions(today=clock.today(now)), 'demotion')} applied"
