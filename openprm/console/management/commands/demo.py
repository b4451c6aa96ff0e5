"""`openprm demo [--once] [--partners N] [--seed S]`: load the demo program into an empty database."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from openprm.console.demo_data import PHASES, load_program
from openprm.partners import demo_data


class Command(BaseCommand):
    help = ("Load the demo program: vendor staff, partners in every stage, region and type, their people, deals, "
            "tiers, agreements, commissions and a payout; print the logins.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Do nothing (but print the logins) when the demo data is already loaded")
        parser.add_argument("--partners", type=int, default=60, help="How many partners (default 60, at least 8)")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same program")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs)")

    def handle(self, *args, once=False, partners=60, seed=1, no_progress=False, **options):
        if demo_data.is_loaded():
            if not once:
                raise CommandError(f"Demo data is already loaded ({demo_data.ADMIN_EMAIL} exists). Use --once to "
                                   "skip loading, or start from an empty database.")
            self.stdout.write("Demo data already loaded.")
            self._print_logins()
            return
        if partners < 8:
            raise CommandError("--partners must be at least 8, so every stage, region and type is represented.")
        with tqdm(total=partners + len(PHASES), desc="Demo program", unit="step", disable=no_progress,
                  file=self.stderr) as bar:

            def phase_done(name):
                bar.set_postfix_str(name)
                bar.update(1)

            try:
                program = load_program(partners=partners, seed=seed, partner_progress=bar.update,
                                       phase_progress=phase_done)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        result = program.partners
        counts = demo_data.summary()
        self.stdout.write(f"Loaded {len(result.partners)} partners in {result.seconds:.1f} s "
                          f"(seed {seed}, {result.invitations} pending invitations).")
        deals = ", ".join(f"{status} {n}" for status, n in sorted(program.deals.items()) if isinstance(n, int))
        self.stdout.write(f"Deals: {deals}")
        self.stdout.write("Agreements: " + ", ".join(f"{s} {n}" for s, n in sorted(program.agreements.items())))
        self.stdout.write(f"Tier review applied: {program.tier_changes} tier changes.")
        paid = program.payouts.get("payout")
        self.stdout.write(f"Commissions: {program.payouts.get('approved', 0)} lines approved, "
                          f"{program.payouts.get('pending', 0)} pending"
                          + (f", payout {paid.reference} paid." if paid is not None and getattr(paid, "reference", "")
                             else "."))
        self.stdout.write("Support tickets: " + ", ".join(f"{k.replace('_', ' ')} {n}"
                                                           for k, n in program.tickets.items()))
        for title in ("stage", "region"):
            line = ", ".join(f"{label} {n}" for label, n in counts[title].items())
            self.stdout.write(f"By {title}: {line}")
        self.stdout.write(", ".join(f"{n} {label}" for label, n in counts["other"].items()))
        self._print_logins()

    def _print_logins(self):
        logins = demo_data.demo_logins()
        rows = [("Role", "Name", "E-mail", "Partner")] + [(x.role, x.name, x.email, x.partner) for x in logins]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every demo user's password: {demo_data.DEMO_PASSWORD})")
        for n, row in enumerate(rows):
            self.stdout.write(("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip())
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
