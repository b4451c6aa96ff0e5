"""Recalculating a period from the console: a run is started (audited), a Celery task books it through
`recalculate` — the one recalculation, also behind `openprm commissions recalc` — and records its progress."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.deals.models import Registration, RegistrationStatus
from openprm.lib import clock
from openprm.lib.formatting import plural

from ..exceptions import Conflict, ValidationFailed
from ..models import CommissionSettings, RecalculationRun, RecalculationStatus
from ..periods import period_bounds
from ._common import _require
from .accrual import recalculate

RUN_FIELDS = ["period", "status", "total"]
# A run still open after this long lost its worker (a restart, say): it no longer holds its period back. A
# period books in seconds (set-based), so an hour is far beyond a live run.
STALE_AFTER = timedelta(hours=1)


@transaction.atomic
def start_recalculation(*, actor, period: str) -> RecalculationRun:
    """Queue the recalculation of a period (program admins and finance); one open run per period at a time.

    The task starts once this transaction commits (inline in the demo and tests, on a worker in production).
    """
    _require(actor, Role.ADMIN, Role.FINANCE)
    period = (period or "").strip().upper()
    try:
        start, end = period_bounds(period)
    except ValueError:
        raise ValidationFailed("Choose a period.", errors={"period": ["A period such as 2026-Q4, 2026-11 or 2026."]}
                               ) from None
    if start > clock.today():
        raise ValidationFailed("That period has not started.", errors={"period": ["The period is in the future."]})
    # Locking the open runs locks nothing when there are none, so two clicks at once would both start one:
    # serialize starts on the settings row, which always exists, then look for an open run.
    CommissionSettings.current()
    CommissionSettings.objects.select_for_update().get(pk=1)
    open_runs = RecalculationRun.objects.filter(
        period=period, status__in=[RecalculationStatus.QUEUED, RecalculationStatus.RUNNING],
        created_at__gt=clock.moment() - STALE_AFTER)
    if open_runs.exists():
        raise Conflict(f"The recalculation of {period} is already running.",
                       errors={"period": ["Already running: wait for it to finish."]})
    total = Registration.objects.filter(status=RegistrationStatus.WON, closed_on__range=(start, end)).count()
    run = RecalculationRun.objects.create(period=period, total=total, started_by=actor)
    audit.record_create(actor=actor, obj=run, verb="commission_recalculation.started", fields=RUN_FIELDS,
                        note=f"{plural(total, 'won deal')} in {period}")
    from ..tasks import run_recalculation  # tasks import the services: imported late to avoid a cycle

    transaction.on_commit(lambda: run_recalculation.delay(run.pk))
    return run


def run_recalculation(*, run_id: int, workers: int | None = None) -> RecalculationRun:
    """Book the run's period through `recalculate`, counting progress on the run row as deals are done.

    Not one transaction: progress is written as it goes so the console can show it, and `recalculate` (set-based
    on PostgreSQL) manages its own. Running it again adds nothing (the booking is idempotent); a run that is no
    longer queued is left alone.
    """
    claimed = RecalculationRun.objects.filter(pk=run_id, status=RecalculationStatus.QUEUED).update(
        status=RecalculationStatus.RUNNING)
    run = RecalculationRun.objects.get(pk=run_id)
    if not claimed:
        return run
    step = max(1, run.total // 50)  # about fifty progress writes whatever the period's size
    pending = 0

    def progress(count: int) -> None:
        nonlocal pending
        pending += count
        if pending >= step:
            RecalculationRun.objects.filter(pk=run_id).update(done=F("done") + pending)
            pending = 0

    try:
        result = recalculate(period=run.period, progress=progress, workers=workers)
    except Exception as exc:
        # Recorded for the page; lines booked before the failure stay (each is idempotent), a new run books the rest.
        RecalculationRun.objects.filter(pk=run_id).update(status=RecalculationStatus.FAILED, error=str(exc)[:2000],
                                                          finished_at=clock.moment())
        run.refresh_from_db()
        audit.record(actor="system", action=Action.TRANSITION, verb="commission_recalculation.failed", obj=run,
                     note=str(exc)[:500])
        raise
    RecalculationRun.objects.filter(pk=run_id).update(
        status=RecalculationStatus.DONE, done=max(run.total, result.registrations), added=result.added,
        finished_at=clock.moment())
    run.refresh_from_db()
    audit.record(actor="system", action=Action.TRANSITION, verb="commission_recalculation.finished", obj=run,
                 changes={"status": [RecalculationStatus.RUNNING, RecalculationStatus.DONE]},
                 note=f"{result.registrations} won deal(s) in {run.period}; {result.added} line(s) added")
    return run
