"""Read-only views of incentives: which SPIFFs run when, what they pay, and how far partners are towards their
quarterly targets. Nothing here writes; changes go through `services`.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openprm.deals.models import Participant, RegistrationStatus
from openprm.lib.money import format_money
from openprm.programs.models import Program
from openprm.programs.services import rate_lookup

from .models import QuarterlyTarget, Spiff
from .periods import period_bounds

HUNDRED = Decimal(100)
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
        return f"{spiff.percent.normalize():f}% of the credited deal value"
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
        return f"{target.bonus_percent.normalize():f}% of the quarter's won volume"
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
