"""Commission arithmetic, free of the database: bands, period volume (marginal and retroactive).

Everything here works at full Decimal precision; rounding happens once, when a ledger line is stored.
A band includes its lower bound and excludes its upper bound: exactly 100,000 is in the 100,000–500,000 band.
"""

from dataclasses import dataclass
from decimal import Decimal

from openprm.lib.money import plain_decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Band:
    """[lower, upper) earning `rate` percent; `upper` None = open-ended."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal

    def contains(self, value: Decimal) -> bool:
        return value >= self.lower and (self.upper is None or value < self.upper)

    def label(self) -> str:
        upper = "+" if self.upper is None else f"–{self.upper:,.0f}"
        return f"band {self.lower:,.0f}{upper}"


def parse_bands(raw: list[dict]) -> list[Band]:
    """Bands from the plan's JSON ({"from", "to", "rate_percent"}), sorted by lower bound."""
    return sorted((Band(Decimal(str(b["from"])), None if b.get("to") in (None, "") else Decimal(str(b["to"])),
                        Decimal(str(b["rate_percent"]))) for b in raw), key=lambda b: b.lower)


def validate_bands(bands: list[Band]) -> list[str]:
    """Problems with a band table: it must start at 0, be contiguous, and end open."""
    problems = []
    if not bands:
        return ["Give at least one band."]
    if bands[0].lower != 0:
        problems.append("The first band starts at 0.")
    for previous, band in zip(bands, bands[1:], strict=False):
        if previous.upper is None or previous.upper != band.lower:
            problems.append(f"Bands must be contiguous: {previous.label()} then {band.label()}.")
    if bands[-1].upper is not None:
        problems.append("The last band must be open-ended (no upper bound).")
    for band in bands:
        if band.upper is not None and band.upper <= band.lower:
            problems.append(f"{band.label()} is empty.")
        if band.rate < 0:
            problems.append("Rates cannot be negative.")
    return problems


def band_for(value: Decimal, bands: list[Band]) -> Band:
    """The band a value falls in (lower bound included, upper excluded)."""
    for band in bands:
        if band.contains(value):
            return band
    return bands[-1]


def marginal_slices(start: Decimal, amount: Decimal, bands: list[Band]) -> list[tuple[Band, Decimal]]:
    """How `amount`, added on top of a cumulative `start`, splits across the bands: [(band, slice)]."""
    slices = []
    position, end = start, start + amount
    for band in bands:
        if band.upper is not None and band.upper <= position:
            continue
        if position >= end:
            break
        top = end if band.upper is None else min(end, band.upper)
        if top > position:
            slices.append((band, top - position))
            position = top
    return slices


@dataclass(frozen=True)
class VolumeEarning:
    """What one deal earns in a period-volume plan: its own commission and any retroactive top-up."""

    key: object
    credited: Decimal
    commission: Decimal
    explanation: str
    adjustment: Decimal = Decimal(0)
    adjustment_explanation: str = ""


def period_volume(deals: list[tuple], bands: list[Band], *, retroactive: bool,
                  fmt=lambda v: f"{v:,.2f}") -> list[VolumeEarning]:
    """Earnings of a period's deals, given in close-date-then-id order as (key, credited value[, factor]).

    Every deal's credited value counts towards the cumulative volume; `factor` (default 1, e.g. 0.5 for
    influenced credit) scales the rates that deal earns. Marginal: each slice of a deal earns the rate of
    the band it falls in. Retroactive: each deal earns the rate of the band the cumulative volume reaches
    with it, on its whole value, and when that rate rises the deal also carries a top-up of the period's
    earlier deals (each at its own factor) to the new rate.
    """
    results = []
    cumulative = Decimal(0)
    weighted_before = Decimal(0)  # Σ credited × factor of the earlier deals: what a top-up multiplies
    reached_rate = None
    for key, credited, *rest in deals:
        factor = rest[0] if rest else Decimal(1)
        scaled = "" if factor == 1 else f" × {_pct(factor * HUNDRED)}"
        if retroactive:
            band = band_for(cumulative + credited, bands)
            commission = credited * band.rate * factor / HUNDRED
            reached = fmt(cumulative + credited)
            text = f"{fmt(credited)} × {_pct(band.rate)}{scaled} ({band.label()} reached at {reached})"
            adjustment, adjustment_text = Decimal(0), ""
            if reached_rate is not None and band.rate > reached_rate and weighted_before > 0:
                adjustment = weighted_before * (band.rate - reached_rate) / HUNDRED
                adjustment_text = (f"top-up of the period's earlier {fmt(weighted_before)} from "
                                   f"{_pct(reached_rate)} to {_pct(band.rate)}: "
                                   f"{fmt(weighted_before)} × {_pct(band.rate - reached_rate)}")
            reached_rate = band.rate if reached_rate is None else max(reached_rate, band.rate)
            results.append(VolumeEarning(key, credited, commission, text, adjustment, adjustment_text))
        else:
            parts, commission = [], Decimal(0)
            for band, piece in marginal_slices(cumulative, credited, bands):
                commission += piece * band.rate * factor / HUNDRED
                parts.append(f"{fmt(piece)} × {_pct(band.rate)}{scaled} ({band.label()})")
            results.append(VolumeEarning(key, credited, commission, " + ".join(parts) or "0"))
        cumulative += credited
        weighted_before += credited * factor
    return results


def _pct(rate: Decimal) -> str:
    return f"{plain_decimal(rate)}%"
