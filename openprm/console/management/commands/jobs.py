"""`openprm jobs list` and `openprm jobs run [JOB] [--now ISO-8601]`: the scheduled jobs, run once by hand.

It lives with the console because it is the operator's side of the same program; the jobs themselves are
the apps' Celery tasks, listed in openprm/schedule.py.
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from openprm.schedule import JOBS


class Command(BaseCommand):
    help = "List the scheduled jobs, or run one (or all) once, optionally as of a given time."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List the jobs and when they run")
        run = sub.add_parser("run", help="Run a job (all jobs when none is named) once, now")
        run.add_argument("job", nargs="?", help="Job name from `openprm jobs list`")
        run.add_argument("--now", help="Run as of this time (ISO 8601, e.g. 2026-12-01T08:00:00+00:00)")

    def handle(self, *args, action, **options):
        if action == "list":
            for name, (_, schedule, description) in JOBS.items():
                self.stdout.write(f"{name:28} {schedule}  {description}")
            return
        names = [options["job"]] if options.get("job") else list(JOBS)
        unknown = [n for n in names if n not in JOBS]
        if unknown:
            raise CommandError(f"Unknown job {unknown[0]!r}; known jobs: {', '.join(JOBS)}")
        now = options.get("now")
        if now:
            try:
                datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now must be an ISO 8601 time, not {now!r}") from None
        for name in names:
            task = import_string(JOBS[name][0])
            # Runs in this process, not on a worker: operators and tests want the result now.
            result = task.apply(kwargs={"now": now}).get()
            self.stdout.write(f"{name}: {result}")
