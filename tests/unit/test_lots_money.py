"""One money story (R22): annual values and values over the term side by side, derived once by
einkauf.lots.rules.lot_money — unit cases, the regression of issue 10 (1.814,90 € vs 1.814,92 €)
and properties over random quantities, prices, members and terms (hypothesis)."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from einkauf.db import line_value
from einkauf.exports.pdf.record import build_record_pdf
from einkauf.lots.rules import (
    CategoryInput,
    LotRules,
    PositionInput,
    apportion,
    lot_money,
    plan_lots,
    rounding_bound,
    term_value_from_annual,
    term_years_text,
)

from support_documents import GENERATED_AT, make_tender

D = Decimal
ESSEN, BOCHUM = ("05113000", "Essen"), ("05911000", "Bochum")


def test_an_annual_value_over_whole_years_is_exact():
    assert term_value_from_annual(D("453.73"), 48) == D("1814.92")
    assert term_value_from_annual(D("0.01"), 12) == D("0.01")
    assert term_value_from_annual(D("0.00"), 48) == D("0.00")


def test_an_annual_value_over_part_years_is_rounded_half_up_once():
    assert term_value_from_annual(D("0.01"), 18) == D("0.02")  # 0.015 → 0.02
    assert term_value_from_annual(D("0.03"), 13) == D("0.03")  # 0.0325 → 0.03
    assert term_value_from_annual(D("100.00"), 13) == D("108.33")  # 108.333…


def test_term_years_read_as_german_numbers_or_as_a_fraction():
    assert [term_years_text(m) for m in (48, 12, 30, 15, 45, 13)] == ["4", "1", "2,5", "1,25", "3,75", "13/12"]


def test_floats_are_refused():
    with pytest.raises(TypeError):
        term_value_from_annual(453.73, 48)


def test_over_whole_years_each_members_term_share_is_its_annual_share_times_years():
    money = lot_money(D("703.73"), D("2814.90"), 48, {ESSEN: D("453.73"), BOCHUM: D("250.00")})

    assert money.member(ESSEN).term_value == D("1814.92")
    assert money.member(BOCHUM).term_value == D("1000.00")
    assert money.annual_term_value == D("2814.92")
    assert money.rounding_difference == D("-0.02")
    assert money.years_text == "4"


def test_over_part_years_the_term_shares_still_add_up_to_the_annual_value_over_the_term():
    money = lot_money(D("0.03"), D("0.04"), 18, {1: D("0.01"), 2: D("0.01"), 3: D("0.01")})

    assert money.annual_term_value == D("0.05")  # 0.045 → 0.05
    assert sorted(m.term_value for m in money.members) == [D("0.01"), D("0.02"), D("0.02")]
    assert sum(m.term_value for m in money.members) == money.annual_term_value


def test_member_shares_that_do_not_add_up_to_the_annual_value_are_refused():
    with pytest.raises(ValueError, match=re.escape("annual shares add up to 703.72")):
        lot_money(D("703.73"), D("2814.90"), 48, {ESSEN: D("453.72"), BOCHUM: D("250.00")})


def test_a_lot_without_member_shares_has_only_lot_values():
    money = lot_money(D("10.00"), D("40.00"), 48)
    assert money.members == () and money.annual_term_value == D("40.00") and money.rounding_difference == 0


def _regression_plan():
    """Issue 10, item 5: Essen orders 181.490 units at 2,50 € (453,725 € → row 453,73 €),
    Bochum 100 units; 24 + 24 months."""
    rows = {ESSEN: D("181.490"), BOCHUM: D("100")}
    price = D("2.50")
    position = PositionInput(category_id=1, product_id=1, product_number="P-1", region="",
                             annual_quantity=sum(rows.values()), reference_price=price,
                             members=frozenset(rows), annual_value=sum(line_value(q, price) for q in rows.values()))
    (lot,) = plan_lots([CategoryInput(1, "Papier", "30197630-1")], [position], LotRules(), term_months_total=48)
    return lot, {member: line_value(q, price) for member, q in rows.items()}, rows, price


def test_regression_a_members_term_share_is_four_times_its_annual_rows_not_a_share_of_the_lot_value():
    lot, annual, rows, price = _regression_plan()
    # Before: the share was apportioned from the lot's § 3 VgV value by quantity × price.
    weights = {m: int(q * 1000) * int(price * 100) for m, q in rows.items()}
    assert apportion(lot.estimated_value, weights)[ESSEN] == D("1814.90")

    money = lot_money(lot.annual_value, lot.estimated_value, 48, annual)

    assert annual[ESSEN] == D("453.73")
    assert money.member(ESSEN).term_value == D("1814.92") == 4 * annual[ESSEN]
    assert (lot.estimated_value, money.annual_term_value, money.rounding_difference) == (
        D("2814.90"), D("2814.92"), D("-0.02"))


def test_the_vergabevermerk_refuses_a_term_share_that_is_not_annual_share_times_years():
    tender = make_tender()
    lot = tender.lots[0]
    share = replace(lot.member_shares[0], value=lot.member_shares[0].value + D("0.01"))
    broken = replace(lot, member_shares=(share, *lot.member_shares[1:]))
    with pytest.raises(ValueError, match="term share"):
        build_record_pdf(replace(tender, lots=(broken, *tender.lots[1:])), generated_at=GENERATED_AT)
    lot_annual = replace(lot, annual_value=lot.annual_value + D("0.01"))
    with pytest.raises(ValueError, match="annual shares add up"):
        build_record_pdf(replace(tender, lots=(lot_annual, *tender.lots[1:])), generated_at=GENERATED_AT)


# --- properties --------------------------------------------------------------------------------

prices = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
quantities = st.integers(min_value=1, max_value=5_000_000).map(lambda t: Decimal(t).scaleb(-3))


@st.composite
def rounds(draw):
    """Products in up to three categories, members with up to three demand lines per product
    (several delivery sites or cost centres), and a term of 12 to 60 months."""
    products = {pid: (draw(st.integers(1, 3)), draw(prices)) for pid in range(1, draw(st.integers(1, 6)) + 1)}
    members = range(1, draw(st.integers(1, 5)) + 1)
    lines = [(pid, member, q) for pid in products for member in members
             for q in draw(st.lists(quantities, max_size=3))]
    months = draw(st.integers(12, 60))
    return products, lines, months


@settings(max_examples=300, deadline=None)
@given(rounds())
def test_the_money_story_adds_up_for_random_quantities_prices_members_and_terms(scenario):
    products, lines, months = scenario
    row_value = {i: line_value(q, products[pid][1]) for i, (pid, _m, q) in enumerate(lines)}
    inputs = []
    for pid, (category, price) in products.items():
        mine = [i for i, line in enumerate(lines) if line[0] == pid]
        if mine:
            inputs.append(PositionInput(
                category_id=category, product_id=pid, product_number=f"A-{pid}", region="",
                annual_quantity=sum((lines[i][2] for i in mine), D("0.000")), reference_price=price,
                members=frozenset(lines[i][1] for i in mine), annual_value=sum(row_value[i] for i in mine)))
    categories = [CategoryInput(c, f"Warengruppe {c}", "30192000-1") for c in (1, 2, 3)]
    years = Fraction(months, 12)
    for lot in plan_lots(categories, inputs, LotRules(), term_months_total=months):
        in_lot = [i for i, line in enumerate(lines) if line[0] in {p.product_id for p in lot.positions}]
        annual: dict[int, Decimal] = defaultdict(lambda: D("0.00"))
        for i in in_lot:
            annual[lines[i][1]] += row_value[i]

        money = lot_money(lot.annual_value, lot.estimated_value, months, annual)

        # Σ annual rows = the lot's annual value; Σ member term shares = annual value × years.
        assert sum(row_value[i] for i in in_lot) == lot.annual_value == money.annual_value
        assert sum(m.term_value for m in money.members) == money.annual_term_value
        exact = Fraction(lot.annual_value) * years
        assert abs(Fraction(money.annual_term_value) - exact) <= Fraction(1, 200)
        for member in money.members:
            share = Fraction(member.annual_value) * years
            assert abs(Fraction(member.term_value) - share) < Fraction(3, 200)
            if months % 12 == 0:
                assert member.term_value == member.annual_value * (months // 12)
        # The reported difference is the § 3 VgV value minus annual value × years, within the bound.
        assert money.term_value == lot.estimated_value == sum(p.estimated_value for p in lot.positions)
        assert money.rounding_difference == lot.estimated_value - term_value_from_annual(lot.annual_value, months)
        assert abs(Fraction(money.rounding_difference)) <= rounding_bound(len(lot.positions), len(in_lot), months)
