#!/usr/bin/env python
"""Time a commission period recalculation on PostgreSQL (see bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openprm_bench .venv/bin/python bench/commission_recalc.py \\
        --deals 1000000

Generates the dataset (bench/generate.py) unless --reuse finds one of the right size, empties the
ledger, then times a full recalculation of the period and a second, idempotent run that adds nothing.
`--path bulk` (default) is what `openprm commissions recalc` runs: the set-based booking of
openprm/commissions/setbased.py, then the per-registration services path for whatever it leaves;
`--path orm` is services.recalculate(set_based=False), services alone, the per-registration loop (use a small --deals).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, setup_django  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time a commission period recalculation")
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--period", default="2026-Q4")
    parser.add_argument("--volume-share", type=float, default=0.0)
    parser.add_argument("--path", choices=["bulk", "orm"], default="bulk")
    parser.add_argument("--workers", type=int, default=None,
                        help="Connections booking side by side (default: setbased.WORKERS; 1 = one transaction)")
    parser.add_argument("--reuse", action="store_true", help="Keep an existing dataset of the same size")
    parser.add_argument("--no-rerun", action="store_true", help="Skip the second (idempotent) run")
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection

    from openprm.commissions import services
    from openprm.commissions.periods import period_bounds

    start, end = period_bounds(args.period)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM deals_registration WHERE status = 'won' AND closed_on BETWEEN %s AND %s",
                    [start, end])
        existing = cur.fetchone()[0]
    if not (args.reuse and existing == args.deals):
        generate(partners=args.partners, deals=args.deals, period=args.period, volume_share=args.volume_share)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE commissions_ledgerline RESTART IDENTITY CASCADE")
        cur.execute("DELETE FROM audit_auditevent WHERE verb LIKE 'ledger%%'")

    def run(label):
        began = time.perf_counter()
        if args.path == "orm":
            added = services.recalculate(period=args.period, set_based=False).added
            detail = ""
        else:
            result = services.recalculate(period=args.period, workers=args.workers)
            added = result.added
            detail = f" (set-based {result.set_based:,}, per-registration path {result.python_lines:,} lines " \
                     f"over {len(result.rest):,} registrations)"
        seconds = time.perf_counter() - began
        print(f"{label}: {args.deals:,} deals, {added:,} lines added{detail} in {seconds:.2f} s "
              f"= {args.deals / seconds:,.0f} deals/s")
        if args.path == "bulk":
            side_by_side = f" ({result.workers} connections side by side, the slower's)" if result.workers > 1 else ""
            print(f"  steps{side_by_side}: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
        return seconds

    print(f"PostgreSQL {connection.pg_version}; path {args.path}; period {args.period}")
    first = run("first run")
    if not args.no_rerun:
        run("second run (idempotent)")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), sum(amount) FROM commissions_ledgerline")
        count, total = cur.fetchone()
    print(f"ledger: {count:,} lines, total {total}; first run {first:.2f} s")


if __name__ == "__main__":
    main()
