"""`openprm commissions recalc --period 2026-Q4`: book every missing ledger line of a period (idempotent)."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from openprm.commissions import services
from openprm.commissions.periods import period_bounds
from openprm.deals.models import Registration, RegistrationStatus
from openprm.lib.formatting import plural


class Command(BaseCommand):
    help = "Commission maintenance: recalculate a period (adds only the lines that are missing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        recalc = sub.add_parser("recalc", help="Book missing lines for deals won in a period")
        recalc.add_argument("--period", required=True, help="2026-Q4, 2026-11 or 2026")
        recalc.add_argument("--no-progress", action="store_true", help="No progress bar (for logs)")
        recalc.add_argument("--workers", type=int, default=None,
                            help="PostgreSQL: connections booking a large period side by side (default 2; 1 = one "
                                 "transaction)")

    def handle(self, *args, action, period, no_progress=False, workers=None, **options):
        try:
            start, end = period_bounds(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        count = Registration.objects.filter(status=RegistrationStatus.WON, closed_on__range=(start, end)).count()
        with tqdm(total=count, desc=f"Recalculating {period}", unit="deal", disable=no_progress,
                  file=self.stderr) as bar:
            # Set-based first (per-deal plans, one statement per plan type), then the services for the rest.
            result = services.recalculate(period=period, progress=bar.update, workers=workers)
        kinds = Counter(result.python_kinds)
        kinds["commission"] += result.set_based
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()) if n) or "nothing"
        self.stdout.write(f"{plural(count, 'won deal')} in {period}; added {plural(result.added, 'line')}: {summary}")
