"""Demo program data: FX rates for the demo's currencies and an applied tier review (through the services)."""

from datetime import date, timedelta

from openprm.programs import services
from openprm.programs.models import FxRate

# Program-currency (USD) value of one unit, roughly; the demo needs plausible, not live, numbers.
DEMO_RATES = {
    "EUR": "1.08", "GBP": "1.27", "CAD": "0.73", "AUD": "0.65", "NZD": "0.60", "JPY": "0.0067", "INR": "0.012",
    "SGD": "0.74", "BRL": "0.18", "MXN": "0.055", "ARS": "0.0011", "CLP": "0.0011", "COP": "0.00025",
    "ZAR": "0.055", "NGN": "0.00065", "KES": "0.0078", "EGP": "0.020", "AED": "0.27", "SAR": "0.27",
    "QAR": "0.27", "ILS": "0.27", "TRY": "0.030", "CHF": "1.12", "SEK": "0.095", "NOK": "0.093", "DKK": "0.145",
    "PLN": "0.25", "CZK": "0.043", "KRW": "0.00073", "CNY": "0.14", "HKD": "0.128", "IDR": "0.000063",
    "MYR": "0.22", "THB": "0.028", "PHP": "0.017", "VND": "0.00004", "TWD": "0.031",
}


def seed_fx_rates(*, admin, today: date) -> int:
    """Rates valid from two years back, so every demo deal converts; skipped when already loaded."""
    if FxRate.objects.exists():
        return 0
    start = today - timedelta(days=2 * 366)
    for currency, rate in DEMO_RATES.items():
        services.set_fx_rate(actor=admin, currency=currency, valid_on=start, rate=rate)
    return len(DEMO_RATES)


def apply_tier_review(*, admin, today: date):
    """Score the active partners on their won deals and apply the proposal, as a program admin would."""
    review = services.run_review(actor=admin, as_of=today)
    services.apply_review(actor=admin, review=review)
    return review
