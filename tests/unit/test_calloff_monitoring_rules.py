"""The monitoring rules at their edges (einkauf.calloffs.monitoring_rules, issue 15 part 8)."""
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from einkauf.calloffs.monitoring_rules import Level, expected_to_date, level_of, share_of_maximum

D = Decimal


def test_exactly_eighty_percent_is_near_the_maximum_just_below_is_not():
    assert level_of(D("80.000"), D("100"), D("100")) == Level.NEAR_MAXIMUM
    assert level_of(D("79.999"), D("100"), D("100")) == Level.ON_TRACK


def test_exactly_the_maximum_is_reached_and_one_unit_more_too():
    assert level_of(D("100"), D("10"), D("100")) == Level.MAXIMUM_REACHED
    assert level_of(D("101"), D("10"), D("100")) == Level.MAXIMUM_REACHED
    assert level_of(D("99.999"), D("10"), D("100")) == Level.NEAR_MAXIMUM


def test_above_the_pro_rata_estimate_and_on_track():
    assert level_of(D("50.001"), D("50"), D("200")) == Level.ABOVE_ESTIMATE
    assert level_of(D("50"), D("50"), D("200")) == Level.ON_TRACK


def test_a_credit_note_takes_a_member_back_under_a_threshold():
    called = D("100") + D("-25")  # 100 bought, 25 credited
    assert level_of(D("100"), D("30"), D("100")) == Level.MAXIMUM_REACHED
    assert level_of(called, D("30"), D("100")) == Level.ABOVE_ESTIMATE
    assert level_of(called - D("50"), D("30"), D("100")) == Level.ON_TRACK


def test_the_pro_rata_estimate_on_the_first_and_the_last_day():
    assert expected_to_date(D("365"), 1, 365) == D("1.000")
    assert expected_to_date(D("365"), 365, 365) == D("365.000")
    assert expected_to_date(D("808"), 0, 1461) == D("0.000")
    assert expected_to_date(D("808"), 91, 1461) == D("50.327")  # 808 × 91 / 1461 = 50.3272…


def test_without_a_maximum_anything_called_is_beyond_it():
    assert level_of(D("0"), D("0"), D("0")) == Level.ON_TRACK
    assert level_of(D("1"), D("0"), D("0")) == Level.MAXIMUM_REACHED
    assert share_of_maximum(D("1"), D("0")) is None and share_of_maximum(D("80"), D("100")) == D("80.00")


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=120),
       st.integers(min_value=0, max_value=10_000))
def test_the_whole_number_term_quantities_are_the_award_letters(annual, months, buffer):
    from einkauf.contracts.values import member_term_quantities, member_term_thousandths

    estimated, maximum = member_term_quantities(Decimal(annual).scaleb(-3), months, Decimal(buffer).scaleb(-2))
    assert member_term_thousandths(annual, months, buffer) == (int(estimated.scaleb(3)), int(maximum.scaleb(3)))


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=400),
       st.integers(min_value=1, max_value=400), st.integers(min_value=-10**9, max_value=10**10))
def test_the_whole_number_level_is_the_decimal_one(estimated, elapsed, days, called):
    from einkauf.calloffs.monitoring_rules import level_in_thousandths, pro_rata_thousandths

    elapsed = min(elapsed, days)
    expected = expected_to_date(Decimal(estimated).scaleb(-3), elapsed, days)
    assert pro_rata_thousandths(estimated, elapsed, days) == int(expected.scaleb(3))
    maximum = estimated + 1000
    assert level_in_thousandths(called, int(expected.scaleb(3)), maximum) == level_of(
        Decimal(called).scaleb(-3), expected, Decimal(maximum).scaleb(-3))
