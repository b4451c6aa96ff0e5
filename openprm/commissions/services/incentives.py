"""Incentives on top of the plans: SPIFFs, quarterly targets and their bonuses, annual rewards; and the
read-only views of them the pages and the API show (status, what they pay, progress towards a target)."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.deals.models import Participant, RegistrationStatus
from openprm.lib import clock
from openprm.lib.money import CURRENCIES, format_money, plain_decimal, quantize
from openprm.partners.models import Partner
from openprm.programs.models import Program
from openprm.programs.services import rate_lookup, rate_on

from ..exceptions import Conflict, LikelyDuplicate, ValidationFailed
from ..models import (
    LedgerLine,
    LineKind,
    LineStatus,
    QuarterlyTarget,
    Spiff,
)
from ..periods import period_bounds
from ._common import DUPLICATE_WINDOW, HUNDRED, _date, _decimal, _fmt, _one_of, _pct, _require, _write_line

SPIFF_FIELDS = ["name", "products", "starts_on", "ends_on", "amount", "currency", "percent"]
TARGET_FIELDS = ["target", "currency", "bonus_amount", "bonus_percent"]


@transaction.atomic
def create_spiff(*, actor, name: str, products, starts_on, ends_on, amount=None, percent=None,
                 currency: str = "USD") -> Spiff:
    """Start a SPIFF: won deals with one of `products`, closed from `starts_on` to `ends_on` (both included),
    earn a fixed `amount` in `currency` or `percent` of their credited value, on top of the plan."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Name the SPIFF."]
    elif len(name) > 120:
        errors["name"] = ["At most 120 characters."]
    if isinstance(products, str):
        products = products.split(",")
    products = list(dict.fromkeys(p.strip() for p in (products or []) if isinstance(p, str) and p.strip()))
    if not products:
        errors["products"] = ["Name at least one product."]
    elif any(len(p) > 120 for p in products):
        errors["products"] = ["A product name has at most 120 characters."]
    starts_on = _date(starts_on, "starts_on", errors)
    ends_on = _date(ends_on, "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["On or after the start."]
    amount, percent = _one_of(amount, percent, "amount", "percent", errors, "SPIFF")
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    if errors:
        raise ValidationFailed("Please correct the SPIFF.", errors=errors)
    spiff = Spiff.objects.create(name=name, products=products, starts_on=starts_on, ends_on=ends_on,
                                 amount=None if amount is None else quantize(amount, currency),
                                 percent=percent, currency=currency)
    audit.record_create(actor=actor, obj=spiff, verb="spiff.created", fields=SPIFF_FIELDS)
    return spiff


@transaction.atomic
def end_spiff(*, actor, spiff: Spiff, ends_on: date | None = None) -> Spiff:
    """End a SPIFF early: `ends_on` (default yesterday, so no deal won from today on earns it) becomes its last
    day. Nothing is deleted: lines already booked for it stay in the ledger."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    spiff = Spiff.objects.select_for_update().get(pk=spiff.pk)
    today = clock.today()
    ends_on = ends_on or today - timedelta(days=1)
    if spiff.ends_on < today:
        raise Conflict(f"The SPIFF already ended on {spiff.ends_on}.",
                       errors={"ends_on": [f"Already ended on {spiff.ends_on}."]})
    if ends_on >= spiff.ends_on:
        raise ValidationFailed("Ending can only bring the end forward.",
                               errors={"ends_on": [f"Before the current end, {spiff.ends_on}."]})
    earliest = spiff.starts_on - timedelta(days=1)
    if ends_on < earliest:
        raise ValidationFailed("The end is before the start.",
                               errors={"ends_on": [f"On or after {earliest} (the day before it starts)."]})
    before = spiff.ends_on
    spiff.ends_on = ends_on
    spiff.save(update_fields=["ends_on"])
    audit.record(actor=actor, action=Action.UPDATE, verb="spiff.ended", obj=spiff,
                 changes={"ends_on": [before, ends_on]})
    return spiff


@transaction.atomic
def set_quarterly_target(*, actor, partner, quarter: str, target, currency: str = "USD", bonus_amount=None,
                         bonus_percent=None) -> tuple[QuarterlyTarget, bool]:
    """Create or change a partner's won-revenue target for a quarter (`YYYY-Qn`) and the bonus for reaching it
    (exactly one of a fixed amount and a % of the quarter's volume). Returns (target, created).

    A target whose bonus is already booked cannot change: the bonus line would no longer explain itself.
    """
    _require(actor, Role.ADMIN, Role.FINANCE)
    errors: dict[str, list[str]] = {}
    quarter = (quarter or "").strip().upper()
    if not re.fullmatch(r"\d{4}-Q[1-4]", quarter):
        errors["quarter"] = ["A quarter such as 2026-Q4."]
    value = _decimal(target, "target", errors, allow_none=False)
    if value is not None and value <= 0:
        errors["target"] = ["Greater than zero."]
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    amount, percent = _one_of(bonus_amount, bonus_percent, "bonus_amount", "bonus_percent", errors, "bonus")
    if errors:
        raise ValidationFailed("Please correct the target.", errors=errors)
    if LedgerLine.objects.filter(source_key=f"bonus:{partner.pk}:{quarter}").exists():
        raise Conflict(f"The {quarter} bonus of {partner} is already booked; its target cannot change.",
                       errors={"quarter": ["Bonus already booked for this quarter."]})
    values = {"target": quantize(value, currency), "currency": currency,
              "bonus_amount": None if amount is None else quantize(amount, currency), "bonus_percent": percent}
    existing = QuarterlyTarget.objects.select_for_update().filter(partner=partner, quarter=quarter).first()
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: a second click racing this one may insert first
                record = QuarterlyTarget.objects.create(partner=partner, quarter=quarter, **values)
        except IntegrityError:
            existing = QuarterlyTarget.objects.select_for_update().get(partner=partner, quarter=quarter)
        else:
            audit.record_create(actor=actor, obj=record, verb="quarterly_target.created", partner=partner,
                                fields=["quarter", *TARGET_FIELDS])
            return record, True
    changes = {f: [getattr(existing, f), v] for f, v in values.items() if getattr(existing, f) != v}
    for attr, new_value in values.items():
        setattr(existing, attr, new_value)
    existing.save(update_fields=list(values))
    audit.record(actor=actor, action=Action.UPDATE, verb="quarterly_target.changed", obj=existing, partner=partner,
                 changes=changes)
    return existing, False


@transaction.atomic
def award_reward(*, actor, partner, amount, currency: str, reason: str, on: date | None = None) -> LedgerLine:
    """An annual reward for a top partner: a manual line with its reason."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    errors: dict[str, list[str]] = {}
    value = _decimal(amount, "amount", errors, allow_none=False)
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    if value is not None and value <= 0:
        errors["amount"] = ["Greater than zero."]
    if not (reason or "").strip():
        errors["reason"] = ["Say what the reward is for."]
    if errors:
        raise ValidationFailed("Please correct the reward.", errors=errors)
    on = on or clock.today()
    rounded = quantize(value, currency)
    explanation = f"Annual reward: {reason.strip()} = {_fmt(rounded)} {currency}"
    # Lock the partner: twenty identical posts at once queue here, and each then sees the first reward.
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    since = clock.moment() - DUPLICATE_WINDOW
    if LedgerLine.objects.filter(partner=partner, kind=LineKind.REWARD, amount=rounded, currency=currency,
                                 explanation=explanation, created_at__gte=since).exists():
        raise LikelyDuplicate(
            f"A reward of {_fmt(rounded)} {currency} for {partner} with the same reason was booked less than a "
            "minute ago; this looks like a double submit and was not booked again.",
            errors={"amount": ["The same reward was just booked."]})
    line = LedgerLine.objects.create(
        partner=partner, kind=LineKind.REWARD, amount=rounded, currency=currency, period=str(on.year),
        accrued_on=on, available_on=on, status=LineStatus.APPROVED,
        source_key=f"reward:{partner.pk}:{clock.moment().timestamp()}",
        explanation=explanation, rule={"manual": True})
    audit.record(actor=actor, action=Action.CREATE, verb="ledger_line.reward", obj=line, partner=partner,
                 changes={"amount": [None, rounded]}, note=reason)
    return line


def award_quarterly_bonuses(*, quarter: str) -> list[LedgerLine]:
    """Partners that reached their quarter's target get its bonus (once per partner and quarter)."""
    _, end = period_bounds(quarter)
    new = []
    for target in QuarterlyTarget.objects.filter(quarter=quarter).select_related("partner"):
        key = f"bonus:{target.partner_id}:{quarter}"
        if LedgerLine.objects.filter(source_key=key).exists():
            continue
        volume = sum((credited * (rate_on(currency, closed_on) / rate_on(target.currency, closed_on))
                      for credited, currency, closed_on in credited_wins(target.partner_id, quarter)),
                     Decimal(0))
        if volume < target.target:
            continue
        if target.bonus_percent is not None:
            amount = volume * target.bonus_percent / HUNDRED
            text = f"{_fmt(volume)} {target.currency} won in {quarter} × {_pct(target.bonus_percent)}"
        else:
            amount, text = target.bonus_amount or Decimal(0), f"fixed bonus for {quarter}"
        rounded = quantize(amount, target.currency)
        with transaction.atomic():
            line = _write_line(
                partner=target.partner, kind=LineKind.BONUS, amount=rounded, currency=target.currency,
                period=quarter, accrued_on=end, available_on=end, status=LineStatus.PENDING, source_key=key,
                explanation=f"Quarterly bonus: target {_fmt(target.target)} {target.currency} reached "
                            f"({_fmt(volume)}); {text} = {_fmt(rounded)} {target.currency}",
                rule={"target": target.pk})
            audit.record(actor="system", action=Action.CREATE, verb="ledger_line.bonus", obj=line,
                         partner=target.partner, changes={"amount": [None, rounded]})
        new.append(line)
    return new


# ---------------------------------------------------------------- read-only: status, terms and progress

ACTIVE, UPCOMING, ENDED = "active", "upcoming", "ended"


def spiff_status(spiff: Spiff, today: date) -> str:
    """Active while `today` is inside its window; ended once its last day has passed (or it ended before it
    started); upcoming before that."""
    if spiff.ends_on < today or spiff.ends_on < spiff.starts_on:
        return ENDED
    if spiff.starts_on > today:
        return UPCOMING
    return ACTIVE


def spiff_pays(spiff: Spiff) -> str:
    """What a SPIFF pays on a qualifying won deal, in words."""
    if spiff.percent is not None:
        return f"{plain_decimal(spiff.percent)}% of the credited deal value"
    return f"{format_money(spiff.amount, spiff.currency)} per won deal"


def spiffs_by_status(spiffs, today: date) -> dict[str, list[Spiff]]:
    """The SPIFFs grouped into active / upcoming / ended, each carrying `status` and `pays`."""
    groups: dict[str, list[Spiff]] = {ACTIVE: [], UPCOMING: [], ENDED: []}
    for spiff in spiffs:
        spiff.status, spiff.pays = spiff_status(spiff, today), spiff_pays(spiff)
        groups[spiff.status].append(spiff)
    return groups


def running_spiffs(today: date) -> list[Spiff]:
    """The SPIFFs a deal won today earns (program-wide: every partner sees the same ones)."""
    spiffs = list(Spiff.objects.filter(starts_on__lte=today, ends_on__gte=today).order_by("ends_on", "name"))
    for spiff in spiffs:
        spiff.status, spiff.pays = ACTIVE, spiff_pays(spiff)
    return spiffs


def target_bonus(target: QuarterlyTarget) -> str:
    """What reaching a quarterly target pays, in words."""
    if target.bonus_percent is not None:
        return f"{plain_decimal(target.bonus_percent)}% of the quarter's won volume"
    return format_money(target.bonus_amount or Decimal(0), target.currency)


def credited_wins(partner_id: int, quarter: str) -> list[tuple[Decimal, str, date]]:
    """(credited value, currency, close date) of each won deal the partner took part in during `quarter`:
    the deal's final amount × the partner's split. What a quarterly target counts, for the bonus job and the
    progress shown on the pages alike."""
    start, end = period_bounds(quarter)
    rows = (Participant.objects.filter(partner_id=partner_id, registration__status=RegistrationStatus.WON,
                                       registration__closed_on__range=(start, end))
            .order_by("registration__closed_on", "registration_id")
            .values_list("registration__won_amount", "registration__won_currency", "split_percent",
                         "registration__closed_on"))
    return [(amount * split / HUNDRED, currency, closed_on) for amount, currency, split, closed_on in rows
            if amount is not None]


@dataclass
class Progress:
    """A target's standing: credited won revenue so far, in the program currency and towards the target."""

    target: QuarterlyTarget
    target_money: str = ""
    bonus: str = ""
    won: str = ""  # formatted, program currency; empty when a rate is missing
    percent: int | None = None  # of the target, capped display at 100 by the bar
    reached: bool = False
    missing_rates: list[str] = field(default_factory=list)

    @property
    def bar(self) -> int:
        return min(self.percent or 0, 100)


def target_progress(targets) -> list[Progress]:
    """For each target, the partner's credited won revenue (deal value × its split) in the target's quarter.

    Converted at each deal's close-date rate, as the bonus job does: to the program currency for "won so far",
    and to the target currency for the progress. A missing FX rate is reported by currency, never taken as 1.
    """
    targets = list(targets)
    if not targets:
        return []
    program_currency = Program.current().currency
    rate = rate_lookup()

    results = []
    for target in targets:
        progress = Progress(target=target, target_money=format_money(target.target, target.currency),
                            bonus=target_bonus(target))
        in_program, in_target = Decimal(0), Decimal(0)
        for credited, currency, closed_on in credited_wins(target.partner_id, target.quarter):
            deal_rate, target_rate = rate(currency, closed_on), rate(target.currency, closed_on)
            for code, value in ((currency, deal_rate), (target.currency, target_rate)):
                if value is None and code not in progress.missing_rates:
                    progress.missing_rates.append(code)
            if deal_rate is None or target_rate is None:
                continue
            in_program += credited * deal_rate
            in_target += credited * deal_rate / target_rate
        if not progress.missing_rates:
            progress.won = format_money(in_program, program_currency)
            progress.percent = int(in_target * HUNDRED / target.target) if target.target else None
            progress.reached = in_target >= target.target
        results.append(progress)
    return results
