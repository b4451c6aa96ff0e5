"""The commission arithmetic on the seed's example and its edges, plus properties checked by hypothesis."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from openprm.commissions.calc import band_for, marginal_slices, parse_bands, period_volume, validate_bands

SEED_BANDS = parse_bands([{"from": "0", "to": "100000", "rate_percent": "15"},
                          {"from": "100000", "to": "500000", "rate_percent": "20"},
                          {"from": "500000", "to": None, "rate_percent": "25"}])
D = Decimal


def test_band_boundaries_include_the_lower_and_exclude_the_upper():
    assert band_for(D("99999.99"), SEED_BANDS).rate == 15
    assert band_for(D("100000"), SEED_BANDS).rate == 20
    assert band_for(D("499999.99"), SEED_BANDS).rate == 20
    assert band_for(D("500000"), SEED_BANDS).rate == 25
    assert band_for(D("0"), SEED_BANDS).rate == 15


def test_the_seed_example_marginal():
    earned = period_volume([(1, D(80000)), (2, D(70000)), (3, D(400000))], SEED_BANDS, retroactive=False)
    assert [e.commission for e in earned] == [D(12000), D(13000), D(82500)]
    assert earned[1].explanation == "20,000.00 × 15% (band 0–100,000) + 50,000.00 × 20% (band 100,000–500,000)"


def test_the_seed_example_retroactive():
    earned = period_volume([(1, D(80000)), (2, D(70000)), (3, D(400000))], SEED_BANDS, retroactive=True)
    assert [(e.commission, e.adjustment) for e in earned] == [(D(12000), 0), (D(14000), D(4000)),
                                                              (D(100000), D(7500))]
    assert sum(e.commission + e.adjustment for e in earned) == D(550000) * D("0.25")


def test_influenced_factor_halves_every_rate():
    earned = period_volume([(1, D(200000), D("0.5"))], SEED_BANDS, retroactive=False)
    assert earned[0].commission == D(100000) * D("0.075") + D(100000) * D("0.10")


def test_retroactive_top_up_keeps_each_earlier_deals_factor():
    # An influenced 80,000 (factor 0.5) then a sourced 70,000: the top-up is 80,000 × 0.5 × 5%.
    earned = period_volume([(1, D(80000), D("0.5")), (2, D(70000))], SEED_BANDS, retroactive=True)
    assert [(e.commission, e.adjustment) for e in earned] == [(D(6000), 0), (D(14000), D(2000))]


def test_band_tables_are_validated():
    assert validate_bands(SEED_BANDS) == []
    gap = parse_bands([{"from": "0", "to": "100", "rate_percent": "1"},
                       {"from": "200", "to": None, "rate_percent": "2"}])
    assert any("contiguous" in p for p in validate_bands(gap))
    closed = parse_bands([{"from": "0", "to": "100", "rate_percent": "1"}])
    assert any("open-ended" in p for p in validate_bands(closed))
    starts_late = parse_bands([{"from": "5", "to": None, "rate_percent": "1"}])
    assert validate_bands(starts_late) == ["The first band starts at 0."]


amounts = st.lists(st.decimals(min_value=D("0.01"), max_value=D("900000"), places=2), min_size=1, max_size=25)


@given(amounts)
def test_marginal_total_is_the_band_integral_of_the_cumulative_volume(values):
    earned = period_volume(list(enumerate(values)), SEED_BANDS, retroactive=False)
    total = sum(values)
    expected = sum(piece * band.rate / 100 for band, piece in marginal_slices(D(0), total, SEED_BANDS))
    assert sum(e.commission for e in earned) == expected


@given(amounts)
def test_retroactive_total_is_the_volume_times_the_reached_rate(values):
    earned = period_volume(list(enumerate(values)), SEED_BANDS, retroactive=True)
    total = sum(values)
    assert sum(e.commission + e.adjustment for e in earned) == total * band_for(total, SEED_BANDS).rate / 100
