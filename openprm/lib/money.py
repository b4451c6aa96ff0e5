"""Money helpers: Decimal only, rounded once, half-up, to the currency's minor unit."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units for the currencies whose exponent is not 2.
_MINOR_UNITS = {
    "JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

CURRENCIES = [
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "JPY", "CNY", "INR", "SGD", "HKD", "KRW", "BRL", "MXN", "ARS",
    "CLP", "COP", "ZAR", "NGN", "KES", "EGP", "AED", "SAR", "QAR", "KWD", "BHD", "OMR", "JOD", "ILS", "TRY",
    "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "IDR", "MYR", "THB", "PHP", "VND", "TWD", "TND",
]
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]


def minor_units(currency: str) -> int:
    """Digits after the decimal point for the currency (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantize(value: Decimal, currency: str) -> Decimal:
    """Round `value` half-up to the minor unit of `currency`. Call once, when a result is stored."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return value.quantize(exponent, rounding=ROUND_HALF_UP)


def format_money(value: Decimal, currency: str) -> str:
    """`1,234.50 USD` — grouped, at the currency's precision, with its code."""
    return f"{quantize(value, currency):,} {currency.upper()}"


def money_str(value: Decimal, currency: str) -> str:
    """How the API writes money: a decimal string at the currency's precision ("1234.50")."""
    return str(quantize(Decimal(value), currency))


def plain_decimal(value, *, trim: bool = True) -> str:
    """`value` as a plain decimal string, never in exponent notation: the one rule for showing a Decimal.

    `str(Decimal)` switches to exponents for some values (`Decimal("50").normalize()` is `5E+1`,
    `Decimal("0.0000000")` is `0E-7`). With `trim` (percentages and rates in sentences) trailing zeros go:
    50.00 → "50", 12.50 → "12.5". Without it the value keeps its scale: 50.00 → "50.00" (the API's rule, so a
    stored amount reads as it is stored).
    """
    number = Decimal(value)
    if trim:
        number = number.normalize()
    return f"{number:f}"
