"""Money, domains, regions and environment parsing: the small helpers everything else leans on."""

from decimal import Decimal

import pytest

from openprm.lib import env
from openprm.lib.money import format_money, minor_units, money_str, quantize
from openprm.lib.regions import COUNTRIES, Region, country_name, region_for_country
from openprm.lib.text import is_valid_domain, normalize_domain


@pytest.mark.parametrize("value, currency, expected", [
    ("10.005", "USD", "10.01"),     # half-up, not banker's rounding
    ("10.015", "USD", "10.02"),
    ("10.004", "USD", "10.00"),
    ("-10.005", "USD", "-10.01"),   # half away from zero for refunds and clawbacks too
    ("2.5", "JPY", "3"),            # yen have no minor unit
    ("3.5", "JPY", "4"),
    ("1234.4", "JPY", "1234"),
    ("1.0005", "KWD", "1.001"),     # dinars have three
    ("1.0004", "KWD", "1.000"),
    ("7", "EUR", "7.00"),
    ("0.125", "usd", "0.13"),       # the code is case-insensitive
])
def test_quantize_rounds_half_up_to_the_currencys_minor_unit(value, currency, expected):
    result = quantize(Decimal(value), currency)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_minor_units_follow_iso_4217():
    assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD"), minor_units("bhd")) == (2, 0, 3, 3)


@pytest.mark.parametrize("value", [10.005, 3, "10.00", None])
def test_quantize_refuses_anything_but_decimal(value):
    with pytest.raises(TypeError, match="Decimal"):
        quantize(value, "USD")


def test_money_is_formatted_and_serialized_at_the_currencys_precision():
    assert format_money(Decimal("1234.5"), "usd") == "1,234.50 USD"
    assert format_money(Decimal("1234567.5"), "JPY") == "1,234,568 JPY"
    assert money_str(Decimal("1234.5"), "USD") == "1234.50"
    assert money_str(Decimal("0.0005"), "KWD") == "0.001"


@pytest.mark.parametrize("value, expected", [
    ("https://www.Acme.com/about", "acme.com"),
    ("http://acme.com:8080/x?y=1", "acme.com"),
    ("WWW.ACME.CO.UK", "acme.co.uk"),
    ("alice@Acme.com", "acme.com"),
    ("  acme.com.  ", "acme.com"),
    ("sub.acme.com", "sub.acme.com"),
    ("", ""),
    (None, ""),
])
def test_normalize_domain(value, expected):
    assert normalize_domain(value) == expected


@pytest.mark.parametrize("value, valid", [
    ("acme.com", True), ("acme.co.uk", True), ("my-firm.io", True),
    ("acme", False), ("-acme.com", False), ("acme..com", False), ("acme.c", False), ("", False),
    ("acme com.com", False),
])
def test_is_valid_domain(value, valid):
    assert is_valid_domain(value) is valid


@pytest.mark.parametrize("country, region", [
    ("US", "north_america"), ("CA", "north_america"), ("BR", "latin_america"), ("MX", "latin_america"),
    ("AE", "middle_east"), ("SA", "middle_east"), ("NG", "africa"), ("ZA", "africa"), ("IN", "india"),
    ("DE", "europe"), ("GB", "europe"), ("JP", "apac"), ("AU", "apac"), ("de", "europe"),
])
def test_countries_map_to_sales_regions(country, region):
    assert region_for_country(country) == region


def test_every_country_has_a_known_region():
    assert len(COUNTRIES) > 240
    assert {region for _, region in COUNTRIES.values()} == set(Region.values)


def test_unknown_countries():
    with pytest.raises(KeyError):
        region_for_country("XX")
    assert country_name("DE") == "Germany"
    assert country_name("XX") == "XX"


def test_env_parsing(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    monkeypatch.setenv("X_NUM", "42")
    monkeypatch.setenv("X_LIST", " a, ,b ,")
    monkeypatch.delenv("X_MISSING", raising=False)
    assert env.env_bool("X_FLAG") is True
    assert env.env_bool("X_MISSING", default=True) is True
    assert env.env_int("X_NUM", 1) == 42
    assert env.env_int("X_MISSING", 7) == 7
    assert env.env_list("X_LIST") == ["a", "b"]
    assert env.env_str("X_MISSING", "fallback") == "fallback"
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ValueError, match="X_FLAG"):
        env.env_bool("X_FLAG")
