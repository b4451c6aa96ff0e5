"""Scheduled jobs: one registry used by Celery beat in production and by `openprm jobs run` for operators.

Each job is a Celery task that takes `now` (ISO 8601 or None) and returns what it did, so it can be run
once "as of" a given time from the command line and in tests.
"""

from celery.schedules import crontab

# name → (task path, schedule, what it does)
JOBS: dict[str, tuple[str, crontab, str]] = {
    "programs.tier_review": (
        "openprm.programs.tasks.run_tier_review", crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10"),
        "Propose partner tiers at the start of each quarter (applied by a program admin)",
    ),
    "programs.demotions": (
        "openprm.programs.tasks.apply_due_demotions", crontab(minute=30, hour=0),
        "Apply tier demotions whose grace period has ended",
    ),
    "commissions.approve": (
        "openprm.commissions.tasks.approve_due_lines", crontab(minute=45, hour=0),
        "Approve ledger lines whose holding period has passed",
    ),
    "commissions.bonuses": (
        "openprm.commissions.tasks.award_quarterly_bonuses", crontab(minute=0, hour=5, day_of_month=2,
                                                                    month_of_year="1,4,7,10"),
        "Award quarterly bonuses to partners that reached last quarter's target",
    ),
    "deals.expiry_reminders": (
        "openprm.deals.tasks.send_expiry_reminders", crontab(minute=0, hour=7),
        "E-mail partners whose deal protection ends within the reminder window",
    ),
    "deals.expire": (
        "openprm.deals.tasks.expire_registrations", crontab(minute=15, hour=0),
        "Expire approved registrations whose protection ended without an outcome",
    ),
    "deals.route_leads": (
        "openprm.deals.tasks.route_expired_leads", crontab(minute="*/15"),
        "Offer leads not answered by their deadline to the next partner",
    ),
    "agreements.activate": (
        "openprm.agreements.tasks.activate_agreements", crontab(minute=5, hour=0),
        "Activate signed agreements whose start date has come",
    ),
    "agreements.renew": (
        "openprm.agreements.tasks.end_agreements", crontab(minute=10, hour=0),
        "Renew auto-renewing agreements whose term ended; expire the others",
    ),
    "agreements.reminders": (
        "openprm.agreements.tasks.send_agreement_reminders", crontab(minute=30, hour=7),
        "Remind partner admins and channel managers before the notice date and before expiry",
    ),
    "support.breaches": (
        "openprm.support.tasks.flag_sla_breaches", crontab(minute="*"),
        "Flag support tickets whose first-response or resolution SLA is breached, and notify",
    ),
}


def beat_schedule() -> dict:
    """The Celery beat configuration built from JOBS."""
    return {name: {"task": task, "schedule": schedule} for name, (task, schedule, _) in JOBS.items()}
