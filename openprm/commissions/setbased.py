"""Set-based booking of a period's per-deal commissions: one INSERT … SELECT per plan type.

The services book a period registration by registration through the ORM (`services.recalculate(...,
set_based=False)`): right, and slow at scale (a million won deals is hours). This module books the common
case in the database instead:
a participant of a won deal whose plan in effect on the close date is a revenue share, per-deal tiered
bands, tier based or a project fee, on gross value, without product rate overrides. The amounts, the
rounding (half-up to the currency's minor unit, once), the source keys (`commission:{registration}:
{partner}:0`), the rule snapshots and the explanations are those `services.accrual._per_deal_earning`
and `services.accrual._book` produce; existing keys are skipped (`ON CONFLICT DO NOTHING` / `INSERT OR IGNORE`),
so running it again adds nothing.

Everything else stays on the per-registration services path, which `services.recalculate()` runs for the
registrations this module leaves: period-volume plans (their band maths is sequential), net-value
plans, rate overrides, SPIFFs, missing FX rates (the services raise the clear error), and deals whose
booked total no longer matches (the services book the correction line).

PostgreSQL computes with exact `numeric` arithmetic and ROUND() (half away from zero = half-up for the
non-negative amounts booked here). SQLite stores decimals as floats, so there the same statements call
small Decimal functions registered on the connection: exact, only slower.

At scale (bench/README.md: a million deals) the cost is in writing the lines — the heap, the ledger's
indexes and, at commit, three deferred foreign-key checks per line — so on PostgreSQL a large period is
booked in registration ranges on two connections side by side. A re-run skips the deals already booked
with an anti-join on the source key before it builds any explanation, and sums what each deal has booked
once (commissions_bulk_booked) for the checks that send changed deals to the services.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Q

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.deals.models import Registration
from openprm.lib import clock
from openprm.lib.formatting import plural
from openprm.lib.money import _MINOR_UNITS, plain_decimal
from openprm.programs.models import FxRate, Program, TierChange

from .models import Base, Basis, CommissionPlan, PlanType, Spiff
from .periods import period_bounds

WORK_MEM = "128MB"  # PostgreSQL, during the booking only
WORKERS = 2  # PostgreSQL: connections booking a large period side by side (one per core of the 2-core target)
PARALLEL_FROM = 50_000  # won deals in the period
FULL_RANGE = (0, 2**63 - 1)  # registration ids
SET_BASED_TYPES = [PlanType.REVENUE_SHARE, PlanType.TIERED, PlanType.TIER_BASED, PlanType.PROJECT_FEE]


@dataclass
class Recalculation:
    """What recalculating a period did: lines inserted set-based (per plan type), the registrations left to the
    services and the lines those booked (`lines`), timings and workers of the set-based part."""

    set_based: int = 0
    registrations: int = 0
    by_type: dict = field(default_factory=dict)
    rest: list[int] = field(default_factory=list)
    lines: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    workers: int = 1

    @property
    def python_lines(self) -> int:
        """Lines the per-registration services booked."""
        return len(self.lines)

    @property
    def python_kinds(self) -> list[str]:
        """The kind of each line the services booked (commission, adjustment, spiff)."""
        return [line.kind for line in self.lines]

    @property
    def added(self) -> int:
        """Every line this run added, set-based and through the services."""
        return self.set_based + self.python_lines


# ---------------------------------------------------------------- dialects

def _scale_sql(column: str) -> str:
    """The currency's minor-unit digits (lib.money.minor_units) as a SQL CASE."""
    cases = " ".join(f"WHEN '{code}' THEN {digits}" for code, digits in sorted(_MINOR_UNITS.items()))
    return f"(CASE {column} {cases} ELSE 2 END)"


class _Postgres:
    insert = "INSERT INTO"
    conflict = "ON CONFLICT (source_key) DO NOTHING"

    @staticmethod
    def mul(*terms):
        return "(" + " * ".join(terms) + ")"

    @staticmethod
    def pct_factor(x):  # x% as a multiplier; × 0.01 keeps numeric arithmetic exact (no division)
        return f"({x} * 0.01)"

    @staticmethod
    def div(a, b):
        return f"({a} / {b})"

    @staticmethod
    def round(x, currency):
        return f"ROUND({x}, {_scale_sql(currency)})"

    @staticmethod
    def fmt(x):  # f"{x:,.2f}"
        return f"to_char({x}, 'FM999,999,999,999,999,990.00')"

    @staticmethod
    def fmt0(x):  # f"{x:,.0f}"
        return f"to_char({x}, 'FM999,999,999,999,999,990')"

    @staticmethod
    def pct(x):  # f"{plain_decimal(x)}%"
        return f"(trim_scale({x})::text || '%%')"

    @staticmethod
    def text(x):  # str(Decimal) of a stored value
        return f"({x})::text"

    @staticmethod
    def num(x):
        return f"({x})::numeric"

    @staticmethod
    def ge(a, b):
        return f"({a} >= {b})"

    @staticmethod
    def lt(a, b):
        return f"({a} < {b})"

    @staticmethod
    def nonzero(x):
        return f"({x} <> 0)"

    @staticmethod
    def json_get(column, key_sql):
        return f"({column} ->> {key_sql})"

    @staticmethod
    def bands(column):
        return f"jsonb_array_elements({column}) AS b(value)"

    @staticmethod
    def band_get(key):
        return f"(b.value ->> '{key}')"

    @staticmethod
    def json_object(pairs):
        return "jsonb_build_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"

    @staticmethod
    def empty_list(column):
        return f"(jsonb_array_length({column}) = 0)"

    @staticmethod
    def add_days(day, days):
        return f"({day} + {days})"

    @staticmethod
    def period_key(kind, day):
        return (f"(CASE {kind} WHEN 'month' THEN to_char({day}, 'YYYY-MM') WHEN 'year' THEN to_char({day}, 'YYYY') "
                f"ELSE to_char({day}, 'YYYY') || '-Q' || extract(quarter FROM {day})::int END)")

    @staticmethod
    def concat(*parts):
        return "(" + " || ".join(parts) + ")"


def _d(value) -> Decimal | None:
    """A SQLite value (int, float, str) as the Decimal Django would read (floats via their shortest repr)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def _sqlite_functions(raw) -> None:
    def mul(*values):
        if any(v is None for v in values):
            return None
        result = Decimal(1)
        for v in values:
            result *= _d(v)
        return str(result)

    def div(a, b):
        return None if a is None or b is None else str(_d(a) / _d(b))

    def rnd(x, digits):
        return None if x is None else str(_d(x).quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP))

    def cmp(a, b):
        return None if a is None or b is None else (_d(a) > _d(b)) - (_d(a) < _d(b))

    raw.create_function("openprm_mul", -1, mul, deterministic=True)
    raw.create_function("openprm_div", 2, div, deterministic=True)
    raw.create_function("openprm_round", 2, rnd, deterministic=True)
    raw.create_function("openprm_cmp", 2, cmp, deterministic=True)
    raw.create_function("openprm_fmt", 1, lambda x: None if x is None else f"{_d(x):,.2f}", deterministic=True)
    raw.create_function("openprm_fmt0", 1, lambda x: None if x is None else f"{_d(x):,.0f}", deterministic=True)
    raw.create_function("openprm_pct", 1, lambda x: None if x is None else f"{plain_decimal(_d(x))}%",
                        deterministic=True)
    raw.create_function("openprm_str2", 2, lambda x, places: None if x is None else str(
        _d(x).quantize(Decimal(1).scaleb(-int(places)))), deterministic=True)


class _Sqlite(_Postgres):
    insert = "INSERT OR IGNORE INTO"
    conflict = ""

    @staticmethod
    def mul(*terms):
        return "openprm_mul(" + ", ".join(terms) + ")"

    @staticmethod
    def pct_factor(x):
        return f"openprm_mul({x}, '0.01')"

    @staticmethod
    def div(a, b):
        return f"openprm_div({a}, {b})"

    @staticmethod
    def round(x, currency):
        return f"openprm_round({x}, {_scale_sql(currency)})"

    @staticmethod
    def fmt(x):
        return f"openprm_fmt({x})"

    @staticmethod
    def fmt0(x):
        return f"openprm_fmt0({x})"

    @staticmethod
    def pct(x):
        return f"openprm_pct({x})"

    @staticmethod
    def text(x, places=None):
        return f"openprm_str2({x}, {places})" if places is not None else f"CAST({x} AS TEXT)"

    @staticmethod
    def num(x):
        return x

    @staticmethod
    def ge(a, b):
        return f"(openprm_cmp({a}, {b}) >= 0)"

    @staticmethod
    def lt(a, b):
        return f"(openprm_cmp({a}, {b}) < 0)"

    @staticmethod
    def nonzero(x):
        return f"(openprm_cmp({x}, 0) <> 0)"

    @staticmethod
    def json_get(column, key_sql):
        return f"json_extract({column}, '$.\"' || {key_sql} || '\"')"

    @staticmethod
    def bands(column):
        return f"json_each({column}) AS b"

    @staticmethod
    def band_get(key):
        return f"json_extract(b.value, '$.{key}')"

    @staticmethod
    def json_object(pairs):
        return "json_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"

    @staticmethod
    def empty_list(column):
        return f"(json_array_length({column}) = 0)"

    @staticmethod
    def add_days(day, days):
        return f"date({day}, '+' || {days} || ' days')"

    @staticmethod
    def period_key(kind, day):
        return (f"(CASE {kind} WHEN 'month' THEN strftime('%%Y-%%m', {day}) WHEN 'year' THEN strftime('%%Y', {day}) "
                f"ELSE strftime('%%Y', {day}) || '-Q' || ((CAST(strftime('%%m', {day}) AS INTEGER) + 2) / 3) END)")


def _dialect():
    if connection.vendor == "postgresql":
        return _Postgres
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        _sqlite_functions(connection.connection)
        return _Sqlite
    raise NotImplementedError(f"no set-based commission booking for {connection.vendor}")


# ---------------------------------------------------------------- the statements

def _text(q, x, places):
    """str() of a stored decimal with its model's decimal places, as services put it in rule snapshots."""
    return q.text(x, places) if q is _Sqlite else q.text(x)


# The registrations of a booking: closed in the period, with an id in the range it books (all of them, or
# one worker's share).
_PERIOD = "r.closed_on BETWEEN %(start)s AND %(end)s AND r.id BETWEEN %(first_id)s AND %(last_id)s"

# The participants of the period's won deals with the plan in effect on the close date (plan_for: the
# assignment covering the date with the latest start).
_BASE_FROM = f"""
    FROM deals_registration r
    JOIN deals_participant p ON p.registration_id = r.id
    JOIN commissions_planassignment a ON a.partner_id = p.partner_id AND a.starts_on <= r.closed_on
         AND (a.ends_on IS NULL OR a.ends_on >= r.closed_on)
    JOIN commissions_commissionplan pl ON pl.id = a.plan_id
    WHERE r.status = 'won' AND {_PERIOD}
      AND NOT EXISTS (SELECT 1 FROM commissions_planassignment a2 WHERE a2.partner_id = a.partner_id
                      AND a2.starts_on <= r.closed_on AND (a2.ends_on IS NULL OR a2.ends_on >= r.closed_on)
                      AND a2.starts_on > a.starts_on)
"""


def _eligible(q) -> str:
    """What this module books itself; everything else goes to the services path."""
    return (f"(pl.base = 'gross' AND pl.type IN ('revenue_share', 'tiered', 'tier_based', 'project_fee') "
            f"AND NOT (pl.type = 'tiered' AND pl.basis <> 'per_deal') "
            f"AND NOT (pl.type = 'revenue_share' AND NOT {q.empty_list('r.products')} "
            f"AND EXISTS (SELECT 1 FROM commissions_rateoverride o WHERE o.plan_id = pl.id)))")


def _expected_select(q, plan_type: str, tier_history: bool = True) -> str:
    """SELECT registration, partner, plan, kind, amount (rounded), currency, explanation, rule, … for one type."""
    factor = f"(CASE WHEN p.role = 'influenced' THEN {q.pct_factor('pl.influenced_factor_percent')} ELSE 1 END)"
    influenced = (f"(CASE WHEN p.role = 'influenced' AND pl.influenced_factor_percent <> 100 "
                  f"THEN ' × ' || {q.pct('pl.influenced_factor_percent')} || ' influenced' ELSE '' END)")
    split_text = f"(CASE WHEN p.split_percent <> 100 THEN ' × ' || {q.pct('p.split_percent')} || ' split' ELSE '' END)"
    credited_text = q.concat(q.fmt("r.won_amount"), split_text)
    credited = q.mul("r.won_amount", q.pct_factor("p.split_percent"))
    rule = [("plan", "pl.id"), ("type", "pl.type"), ("split", _text(q, "p.split_percent", 2)), ("role", "p.role")]
    extra_from, currency = "", "r.won_currency"
    if plan_type == PlanType.REVENUE_SHARE:
        rate = "pl.rate_percent"
        amount = q.mul(credited, q.pct_factor(rate), factor)
        how = q.concat(credited_text, "' × '", q.pct(rate), "' (plan rate)'", influenced)
        rule += [("rate", _text(q, rate, 3)), ("source", "'plan rate'")]
    elif plan_type == PlanType.TIERED:
        # The deal's value in the plan currency picks the band (bands include their lower bound).
        # Scalar look-ups (not joins) keep the planner from pairing every deal with every FX row.
        fx_deal = "(SELECT f.rate FROM commissions_bulk_fx f WHERE f.currency = r.won_currency AND f.day = r.closed_on)"
        fx_plan = "(SELECT f.rate FROM commissions_bulk_fx f WHERE f.currency = pl.currency AND f.day = r.closed_on)"
        in_plan = q.div(q.mul("r.won_amount", fx_deal), fx_plan)
        lower, upper, band_rate = (q.num(q.band_get("from")), q.num(q.band_get("to")),
                                   q.num(q.band_get("rate_percent")))
        extra_from = ""
        if q is _Postgres:  # computed once per deal, not once per band comparison (OFFSET 0 keeps it apart)
            extra_from = f"CROSS JOIN LATERAL (SELECT {in_plan} AS value OFFSET 0) conv"
            in_plan = "conv.value"
        extra_from += f" CROSS JOIN {q.bands('pl.bands')}"
        band_match = f"AND {q.ge(in_plan, lower)} AND ({q.band_get('to')} IS NULL OR {q.lt(in_plan, upper)})"
        label = q.concat("'band '", q.fmt0(lower),
                         f"(CASE WHEN {q.band_get('to')} IS NULL THEN '+' ELSE '–' || {q.fmt0(upper)} END)")
        amount = q.mul(credited, q.pct_factor(band_rate), factor)
        converted = (f"(CASE WHEN r.won_currency <> pl.currency THEN ' at ' || {q.fmt(in_plan)} || ' ' || pl.currency "
                     f"ELSE '' END)")  # services: the plan-currency value that picked the band
        how = q.concat(credited_text, "' × '", q.pct(band_rate), "' ('", label, converted, "')'", influenced)
        rule += [("rate", q.band_get("rate_percent")), ("band", label)]
    elif plan_type == PlanType.TIER_BASED:
        # services.tier_on: the latest applied change on or before the date, else the first change's
        # starting tier, else the partner's tier; "untiered" when empty.
        tier = ("COALESCE(NULLIF(COALESCE("
                "(SELECT tc.to_tier FROM programs_tierchange tc WHERE tc.partner_id = p.partner_id AND tc.applied "
                "AND tc.effective_on <= r.closed_on ORDER BY tc.effective_on DESC, tc.created_at DESC LIMIT 1), "
                "(SELECT tc.from_tier FROM programs_tierchange tc WHERE tc.partner_id = p.partner_id AND tc.applied "
                "ORDER BY tc.effective_on LIMIT 1), pa.tier), ''), 'untiered')")
        if not tier_history:  # no applied tier change anywhere: the partner's tier is its tier on every date
            tier = "COALESCE(NULLIF(pa.tier, ''), 'untiered')"
        extra_from = "JOIN partners_partner pa ON pa.id = p.partner_id"
        if q is _Postgres:
            extra_from += f" CROSS JOIN LATERAL (SELECT {tier} AS code) tier"
            tier_code = "tier.code"
        else:  # no LATERAL on SQLite: the tier expression inline
            tier_code = tier
        rate_text = f"COALESCE({q.json_get('pl.tier_rates', tier_code)}, '0')"
        rate = q.num(rate_text)
        amount = q.mul(credited, q.pct_factor(rate), factor)
        how = q.concat(credited_text, "' × '", q.pct(rate), "' ('", tier_code, "' tier rate)'", influenced)
        rule += [("rate", rate_text), ("tier", tier_code)]
    elif plan_type == PlanType.PROJECT_FEE:
        currency = "pl.currency"
        amount = q.mul("pl.fee", q.pct_factor("p.split_percent"), factor)
        how = q.concat("'project fee '", q.fmt("pl.fee"), "' '", "pl.currency", split_text, influenced)
        rule += [("fee", _text(q, "pl.fee", 2)), ("currency", "pl.currency")]
    else:
        raise ValueError(plan_type)
    band_filter = band_match if plan_type == PlanType.TIERED else ""
    return f"""
        SELECT r.id AS registration_id, p.partner_id AS partner_id, pl.id AS plan_id,
               {q.round(amount, currency)} AS amount, {currency} AS currency, {how} AS how,
               {q.json_object(rule)} AS rule, r.closed_on AS closed_on, pl.holding_days AS holding_days,
               pl.period AS plan_period
        FROM deals_registration r
        JOIN deals_participant p ON p.registration_id = r.id
        JOIN commissions_planassignment a ON a.partner_id = p.partner_id AND a.starts_on <= r.closed_on
             AND (a.ends_on IS NULL OR a.ends_on >= r.closed_on)
        JOIN commissions_commissionplan pl ON pl.id = a.plan_id
        {extra_from}
        WHERE r.status = 'won' AND {_PERIOD} AND pl.type = '{plan_type}'
          AND {_eligible(q)} {band_filter}
          AND NOT EXISTS (SELECT 1 FROM commissions_planassignment a2 WHERE a2.partner_id = a.partner_id
                          AND a2.starts_on <= r.closed_on AND (a2.ends_on IS NULL OR a2.ends_on >= r.closed_on)
                          AND a2.starts_on > a.starts_on)"""


def _key(q, registration_id: str, partner_id: str) -> str:
    """services._book's source key of a deal's first commission line: commission:{registration}:{partner}:0."""
    return q.concat("'commission:'", f"CAST({registration_id} AS TEXT)", "':'", f"CAST({partner_id} AS TEXT)", "':0'")


def _booked_for_others(q, registration_id: str) -> str:
    """services.booked_for_other_participants in SQL: the deal has a commission line booked for a partner,
    split or role that is not among its current participants (or a SPIFF line of a partner no longer one).
    Such a deal gets no new lines: it would pay two participant sets."""
    split = q.num(q.json_get("c.rule", "'split'"))
    same_split = f"{q.ge(split, 'cp.split_percent')} AND {q.ge('cp.split_percent', split)}"
    return f"""EXISTS (SELECT 1 FROM commissions_ledgerline c WHERE c.registration_id = {registration_id}
        AND c.kind IN ('commission', 'spiff')
        AND NOT EXISTS (SELECT 1 FROM deals_participant cp WHERE cp.registration_id = c.registration_id
                        AND cp.partner_id = c.partner_id
                        AND (c.kind = 'spiff' OR ({same_split} AND {q.json_get('c.rule', "'role'")} = cp.role))))"""


def _insert_sql(q, plan_type: str, tier_history: bool = True, booked_before: bool = False) -> str:
    """INSERT the type's missing lines. With lines booked before, an anti-join on the source key skips the
    booked ones first, so their explanations are never built (the subquery is flattened: its SELECT list is
    computed only for the rows that get through); ON CONFLICT stays for a concurrent booking."""
    key = _key(q, "e.registration_id", "e.partner_id")
    explanation = q.concat("e.how", "' = '", q.fmt("e.amount"), "' '", "e.currency")
    missing = (f"AND NOT EXISTS (SELECT 1 FROM commissions_ledgerline l WHERE l.source_key = {key}) "
               f"AND NOT {_booked_for_others(q, 'e.registration_id')}" if booked_before else "")
    return f"""
        {q.insert} commissions_ledgerline (partner_id, registration_id, plan_id, kind, amount, currency, period,
            accrued_on, available_on, status, status_reason, explanation, rule, source_key, created_at)
        SELECT e.partner_id, e.registration_id, e.plan_id, 'commission', e.amount, e.currency,
               {q.period_key('e.plan_period', 'e.closed_on')}, e.closed_on,
               {q.add_days('e.closed_on', 'e.holding_days')},
               'pending', '', {explanation}, e.rule, {key}, %(now)s
        FROM ({_expected_select(q, plan_type, tier_history)}) e
        WHERE {q.nonzero('e.amount')} {missing}
        ORDER BY e.registration_id, e.partner_id
        {q.conflict}"""


_BOOKED_SQL = f"""
    CREATE TEMPORARY TABLE commissions_bulk_booked AS
    SELECT l.registration_id, l.partner_id, SUM(l.amount) AS total FROM commissions_ledgerline l
    JOIN deals_registration r ON r.id = l.registration_id
    WHERE l.kind IN ('commission', 'adjustment') AND l.created_at < %(now)s AND {_PERIOD}
      AND l.registration_id BETWEEN %(first_id)s AND %(last_id)s
    GROUP BY l.registration_id, l.partner_id"""


def _mismatch_sql(q, plan_type: str, tier_history: bool = True) -> str:
    """Deals booked before this run whose commission and adjustment lines no longer add up to the plan's amount.

    Joins commissions_bulk_booked (_BOOKED_SQL: what each deal and partner has booked, summed once per run).
    """
    return f"""
        SELECT DISTINCT e.registration_id
        FROM ({_expected_select(q, plan_type, tier_history)}) e
        JOIN commissions_bulk_booked b ON b.registration_id = e.registration_id AND b.partner_id = e.partner_id
        WHERE NOT {q.ge('b.total', 'e.amount')} OR NOT {q.ge('e.amount', 'b.total')}"""


def _rest_sql(q) -> str:
    """Registrations the services path books: a participant on a plan this module does not handle."""
    return f"SELECT DISTINCT r.id {_BASE_FROM} AND NOT {_eligible(q)}"


# ---------------------------------------------------------------- FX for the period

def _fill_fx(cursor, start, end) -> int:
    """commissions_bulk_fx(currency, day, rate): services.rate_on for every currency and day of the period.

    A currency without a rate on some day has no row that day: those deals fall to the services path,
    which raises the clear MissingFxRate error.
    """
    program_currency = Program.current().currency
    cursor.execute("DROP TABLE IF EXISTS commissions_bulk_fx")
    numeric = "numeric" if connection.vendor == "postgresql" else "TEXT"
    cursor.execute(f"CREATE TEMPORARY TABLE commissions_bulk_fx (currency varchar(3), day date, rate {numeric})")
    currencies = set(Registration.objects.filter(status="won", closed_on__range=(start, end))
                     .values_list("won_currency", flat=True).distinct().order_by())
    currencies |= set(CommissionPlan.objects.values_list("currency", flat=True))
    rows, missing = [], 0
    for currency in sorted(currencies):
        rates = list(FxRate.objects.filter(currency=currency, valid_on__lte=end).order_by("valid_on")
                     .values_list("valid_on", "rate"))
        day, index, current = start, 0, None
        while day <= end:
            while index < len(rates) and rates[index][0] <= day:
                current = rates[index][1]
                index += 1
            rate = Decimal(1) if currency == program_currency else current
            if rate is not None:
                rows.append((currency, day.isoformat(), str(rate)))
            else:
                missing += 1
            day += timedelta(days=1)
    cursor.executemany("INSERT INTO commissions_bulk_fx (currency, day, rate) VALUES (%s, %s, %s)", rows)
    cursor.execute("CREATE INDEX commissions_bulk_fx_key ON commissions_bulk_fx (currency, day)")
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE commissions_bulk_fx")
    return missing


def _missing_fx_sql(q) -> str:
    return f"""SELECT DISTINCT r.id {_BASE_FROM} AND pl.type = 'tiered' AND {_eligible(q)}
        AND (NOT EXISTS (SELECT 1 FROM commissions_bulk_fx f WHERE f.currency = r.won_currency AND f.day = r.closed_on)
             OR NOT EXISTS (SELECT 1 FROM commissions_bulk_fx f WHERE f.currency = pl.currency AND f.day = r.closed_on))
    """


def _spiff_sql(q) -> str:
    """Deals with products while a SPIFF runs in the period: the services book the SPIFF lines."""
    return f"""SELECT DISTINCT r.id {_BASE_FROM} AND NOT {q.empty_list('r.products')}
        AND EXISTS (SELECT 1 FROM commissions_spiff s WHERE s.starts_on <= %(end)s AND s.ends_on >= %(start)s)"""


# ---------------------------------------------------------------- entry points

def book_period_set_based(period: str, *, workers: int | None = None, parallel_from: int = PARALLEL_FROM
                          ) -> Recalculation:
    """Book the period's missing per-deal commission lines set-based; returns counts and what is left.

    On PostgreSQL, outside a transaction and with at least `parallel_from` won deals, the period is split
    into `workers` ranges of registrations (default WORKERS: one per core of the 2-core target), each
    booked on its own connection in its own transaction, with its own audit record. Each range is
    idempotent on its own: if one fails after the other committed, running the recalculation again books
    only what is still missing. Otherwise (SQLite, inside a transaction, small periods) one transaction.
    """
    start, end = period_bounds(period)
    workers = WORKERS if workers is None else workers
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        bounds = _split(start, end, workers, parallel_from)
        if len(bounds) > 1:
            return _book_in_parallel(period, bounds)
    return _book_committed(period, clock.moment(), FULL_RANGE)


def _book_committed(period: str, now, part: tuple[int, int], label: str = "") -> Recalculation:
    """_book_range in a transaction of its own (a savepoint inside the caller's), timing the commit too:
    PostgreSQL checks the ledger's deferred foreign keys then, three per line."""
    began = time.perf_counter()
    with transaction.atomic():
        result = _book_range(period, now, part, label)
    result.timings["commit"] = time.perf_counter() - began - sum(result.timings.values())
    return result


def _split(start, end, workers: int, parallel_from: int) -> list[tuple[int, int]]:
    """Registration id ranges with about as many of the period's won deals each; one range when few."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), percentile_disc(%(cuts)s::float8[]) WITHIN GROUP (ORDER BY id) "
                       "FROM deals_registration WHERE status = 'won' AND closed_on BETWEEN %(start)s AND %(end)s",
                       {"start": start, "end": end, "cuts": [i / workers for i in range(1, workers)]})
        count, cuts = cursor.fetchone()
    if count < max(parallel_from, workers):
        return [FULL_RANGE]
    edges = [FULL_RANGE[0], *sorted(set(cuts)), FULL_RANGE[1]]
    return [(low + (i > 0), high) for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False))]


def _book_in_parallel(period: str, bounds: list[tuple[int, int]]) -> Recalculation:
    now = clock.moment()

    def book(part):
        try:
            return _book_committed(period, now, part, label=f"registrations {part[0]}–{part[1]}")
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        futures = [pool.submit(book, part) for part in bounds]
        parts = [future.result() for future in futures]  # the first failure is raised, after all have ended
    result = Recalculation()
    for part in parts:
        for plan_type, count in part.by_type.items():
            result.by_type[plan_type] = result.by_type.get(plan_type, 0) + count
        result.set_based += part.set_based
        result.registrations += part.registrations
        result.rest += part.rest
        for label, seconds in part.timings.items():  # the ranges run side by side: the slower one counts
            result.timings[label] = max(result.timings.get(label, 0), seconds)
    result.rest.sort()
    result.workers = len(bounds)
    return result


def _book_range(period: str, now, part: tuple[int, int], label: str = "") -> Recalculation:
    """book_period_set_based for the registrations whose id is in `part`, in the caller's transaction.

    The checks for what the services must book instead run only when they can find something: a plan
    this module does not handle, a missing FX rate, a SPIFF in the period, lines booked by an earlier run.
    """
    start, end = period_bounds(period)
    q = _dialect()
    params = {"start": start, "end": end, "now": connection.ops.adapt_datetimefield_value(now),
              "first_id": part[0], "last_id": part[1]}
    result = Recalculation()
    rest: set[int] = set()
    per_plan: dict[int, int] = {}
    lap_started = time.perf_counter()

    def lap(label):
        nonlocal lap_started
        result.timings[label] = result.timings.get(label, 0) + time.perf_counter() - lap_started
        lap_started = time.perf_counter()

    with connection.cursor() as cursor:
        if q is _Postgres:  # hash joins over a million deals in memory, not in 16 batches on disk (this transaction)
            cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [WORK_MEM])
            work_mem = cursor.fetchone()[0]
        missing_fx = _fill_fx(cursor, start, end)
        cursor.execute("SELECT 1 FROM commissions_ledgerline WHERE accrued_on BETWEEN %(start)s AND %(end)s "
                       "AND kind IN ('commission', 'adjustment') AND created_at < %(now)s LIMIT 1", params)
        booked_before = cursor.fetchone() is not None
        if booked_before:  # what each deal has booked, for the checks below (summed once, not once per type)
            cursor.execute("DROP TABLE IF EXISTS commissions_bulk_booked")
            cursor.execute(_BOOKED_SQL, params)
            if q is _Postgres:
                cursor.execute("ANALYZE commissions_bulk_booked")
        lap("prepare")
        tier_history = TierChange.objects.filter(applied=True).exists()
        types_in_use = set(CommissionPlan.objects.filter(assignments__isnull=False).values_list("type", flat=True))
        for plan_type in SET_BASED_TYPES:
            result.by_type[str(plan_type)] = 0
            if plan_type not in types_in_use:
                continue
            insert = _insert_sql(q, plan_type, tier_history, booked_before)
            if q is _Postgres:  # count what was inserted per plan without sending the rows back
                cursor.execute(f"WITH ins AS ({insert} RETURNING plan_id) "
                               f"SELECT plan_id, COUNT(*) FROM ins GROUP BY plan_id", params)
                counts = dict(cursor.fetchall())
                per_plan.update(counts)
                result.by_type[str(plan_type)] = sum(counts.values())
            else:
                cursor.execute(insert, params)
                result.by_type[str(plan_type)] = max(cursor.rowcount, 0)
            lap(f"insert {plan_type}")
            if booked_before:
                cursor.execute(_mismatch_sql(q, plan_type, tier_history), params)
                rest.update(row[0] for row in cursor.fetchall())
                lap(f"check {plan_type}")
        other_plans = CommissionPlan.objects.filter(assignments__isnull=False).filter(
            ~Q(type__in=SET_BASED_TYPES) | Q(type=PlanType.TIERED) & ~Q(basis=Basis.PER_DEAL) | Q(base=Base.NET)
            | Q(type=PlanType.REVENUE_SHARE, overrides__isnull=False)).exists()
        spiffs = Spiff.objects.filter(starts_on__lte=end, ends_on__gte=start).exists()
        for needed, sql in ((other_plans, _rest_sql(q)), (missing_fx, _missing_fx_sql(q)), (spiffs, _spiff_sql(q))):
            if needed:
                cursor.execute(sql, params)
                rest.update(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COUNT(*) FROM deals_registration r WHERE r.status = 'won' AND {_PERIOD}", params)
        result.registrations = cursor.fetchone()[0]
        if q is not _Postgres:
            cursor.execute("SELECT plan_id, COUNT(*) FROM commissions_ledgerline WHERE created_at = %(now)s "
                           "AND source_key LIKE 'commission:%%' GROUP BY plan_id", params)
            per_plan = dict(cursor.fetchall())
        cursor.execute("DROP TABLE IF EXISTS commissions_bulk_fx")
        cursor.execute("DROP TABLE IF EXISTS commissions_bulk_booked")
        if q is _Postgres:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        lap("rest")
    result.set_based = sum(result.by_type.values())
    result.rest = sorted(rest)
    plans = CommissionPlan.objects.in_bulk(list(per_plan))
    of = f" ({label})" if label else ""
    for plan_id, count in per_plan.items():
        audit.record(actor="system", action=Action.CREATE, verb="ledger_line.bulk_created", obj=plans[plan_id],
                     changes={"lines": [None, count]},
                     note=f"{plural(count, 'commission line')} for {period}{of}, set-based")
    return result

