#!/usr/bin/env python
"""Build the commission benchmark's dataset with set-based SQL (PostgreSQL only).

Benchmark data, not product data: rows are inserted directly with INSERT … SELECT over generate_series,
bypassing the services (and their audit trail). It replaces every partner, plan, registration and
ledger line in the target database, so point DATABASE_URL at a throw-away database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openprm_bench .venv/bin/python bench/generate.py \\
        --partners 10000 --deals 1000000

What it makes: N active partners cycling through the program tiers; four plans (10% revenue share,
the seed's tiered bands per deal, a tier-based plan and a 5,000 USD project fee; optionally a share of
partners on a retroactive period-volume plan) assigned round-robin; daily FX rates for EUR, GBP, JPY
and CAD over the quarter; M won registrations spread evenly over the quarter's days in USD, EUR, GBP,
JPY and CAD, each with one sourced participant at 100%.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED_BANDS = [{"from": "0", "to": "100000", "rate_percent": "15"},
              {"from": "100000", "to": "500000", "rate_percent": "20"},
              {"from": "500000", "to": None, "rate_percent": "25"}]
TIER_RATES = {"platinum": "25", "gold": "20", "silver": "15", "bronze": "10"}
FX = {"EUR": "1.08", "GBP": "1.27", "JPY": "0.0067", "CAD": "0.73"}  # USD per unit, drifting a little daily
CURRENCIES = ["USD", "USD", "EUR", "GBP", "JPY", "CAD"]  # USD twice: the most common deal currency


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openprm.settings")
    os.environ.setdefault("OPENPRM_DEMO", "1")  # no SECRET_KEY needed for a benchmark run
    import django

    django.setup()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--period", default="2026-Q4", help="A quarter such as 2026-Q4")
    parser.add_argument("--volume-share", type=float, default=0.0,
                        help="Fraction of partners on a retroactive period-volume plan (booked by the Python path)")
    return parser.parse_args(argv)


def generate(*, partners: int, deals: int, period: str, volume_share: float = 0.0, log=print) -> dict:
    """Replace the database's commission data with a fresh dataset; returns what it made."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from openprm.commissions.models import CommissionPlan
    from openprm.commissions.periods import period_bounds
    from openprm.programs.models import Program

    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    start, end = period_bounds(period)
    days = (end - start).days + 1
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE commissions_ledgerline, commissions_payoutitem, commissions_payout, "
                    "commissions_refund, commissions_planassignment, commissions_rateoverride, "
                    "commissions_commissionplan, commissions_quarterlytarget, commissions_spiff, "
                    "deals_participant, deals_registration, deals_customer, programs_fxrate, "
                    "programs_tierchange, partners_partner RESTART IDENTITY CASCADE")
        program = Program.current()
        program.currency = "USD"
        program.save()
        tiers = list(TIER_RATES)
        cur.execute("""
            INSERT INTO partners_partner (name, legal_name, country, region, time_zone, languages, website, domain,
                description, tier, stage, stage_entered_at, stage_before_suspension, status_reason, source,
                reference_checks, roi_currency, locator_opt_in, brand_name, brand_logo, brand_primary_color,
                brand_secondary_color, support_email, brand_domain, created_at, updated_at)
            SELECT 'Bench partner ' || i, 'Bench partner ' || i || ' Ltd', 'US', 'north_america', 'UTC', '[]', '',
                   'p' || i || '.bench.example', '', (%s::text[])[1 + i %% 4], 'active', now(), '', '', 'bench',
                   '', 'USD', false, '', '', '', '', '', '', now(), now()
            FROM generate_series(1, %s) AS i""", [tiers, partners])
        plans = [
            CommissionPlan.objects.create(name="Bench revenue share 10%", type="revenue_share", rate_percent="10"),
            CommissionPlan.objects.create(name="Bench seed bands per deal", type="tiered", bands=SEED_BANDS,
                                          basis="per_deal"),
            CommissionPlan.objects.create(name="Bench tier based", type="tier_based", tier_rates=TIER_RATES),
            CommissionPlan.objects.create(name="Bench project fee", type="project_fee", fee="5000"),
        ]
        volume_partners = int(partners * volume_share)
        volume_plan = CommissionPlan.objects.create(name="Bench seed bands retroactive volume", type="tiered",
                                                    bands=SEED_BANDS, basis="period_volume", retroactive=True)
        cur.execute("""
            INSERT INTO commissions_planassignment (partner_id, plan_id, starts_on, ends_on, created_at)
            SELECT p.id, CASE WHEN p.id <= %s THEN %s ELSE (%s::bigint[])[1 + p.id %% 4] END, '2020-01-01', NULL,
                   now()
            FROM partners_partner p""", [volume_partners, volume_plan.pk, [p.pk for p in plans]])
        cur.execute("""
            INSERT INTO programs_fxrate (currency, valid_on, rate, created_at)
            SELECT c.code, d::date, round(c.base * (1 + 0.001 * ((d::date - %s::date) %% 7 - 3)), 8), now()
            FROM (SELECT key AS code, value::numeric AS base FROM jsonb_each_text(%s::jsonb)) c,
                 generate_series(%s::date, %s::date, interval '1 day') d""",
                    [start, _json(FX), start, end])
        customers = max(1, deals // 10)
        cur.execute("""
            INSERT INTO deals_customer (name, normalized_name, domain, country, created_at)
            SELECT 'Customer ' || i, 'customer ' || i, 'c' || i || '.bench.example', 'US', now()
            FROM generate_series(1, %s) AS i""", [customers])
        # Amounts from 1,000 to ~901,000 with cents, so every band and both rounding directions occur.
        cur.execute("""
            INSERT INTO deals_registration (customer_name, customer_domain, customer_country, contact_name,
                contact_email, contact_phone, products, amount, currency, expected_close_date, notes, status,
                submitted_at, decision_note, approved_at, extension_status, extension_reason, outside_territory,
                won_amount, won_currency, closed_on, lost_reason, customer_id, partner_id)
            SELECT 'Customer ' || (1 + i %% %(customers)s), '', 'US', '', '', '', '[]', a.amount, a.currency,
                   a.closed_on, '', 'won', a.closed_on - 60, '', a.closed_on - 59, '', '', false,
                   a.amount, a.currency, a.closed_on, '', 1 + i %% %(customers)s, 1 + (i * 7) %% %(partners)s
            FROM generate_series(1, %(deals)s) AS i,
                 LATERAL (SELECT (1000 + (i::bigint * 7919) %% 900000 + ((i * 37) %% 100) / 100.0)::numeric(14, 2)
                                 AS amount,
                                 (%(currencies)s::text[])[1 + i %% %(ncur)s] AS currency,
                                 %(start)s::date + (i %% %(days)s) AS closed_on) a""",
                    {"customers": customers, "partners": partners, "deals": deals, "currencies": CURRENCIES,
                     "ncur": len(CURRENCIES), "start": start, "days": days})
        cur.execute("""
            INSERT INTO deals_participant (registration_id, partner_id, role, split_percent)
            SELECT id, partner_id, 'sourced', 100 FROM deals_registration""")
    with connection.cursor() as cur:
        for table in ("partners_partner", "deals_registration", "deals_participant", "commissions_planassignment",
                      "programs_fxrate", "commissions_ledgerline"):
            cur.execute(f"ANALYZE {table}")
    seconds = time.perf_counter() - began
    log(f"generated {partners:,} partners, {deals:,} won deals in {period} ({volume_partners:,} partners on a "
        f"period-volume plan) in {seconds:.1f} s")
    return {"partners": partners, "deals": deals, "period": period, "seconds": seconds}


def _json(value) -> str:
    import json

    return json.dumps(value)


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    generate(partners=args.partners, deals=args.deals, period=args.period, volume_share=args.volume_share)


if __name__ == "__main__":
    main()
