"""Splitting an article's annual consumption over its lines (einkauf.demand.consumption)."""
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from einkauf.demand.consumption import ACTUAL, DECLARED, Consumption, chosen_quantities, split_consumption


def test_the_consumption_is_split_by_the_declared_quantities():
    assert split_consumption(Decimal("336"), [Decimal("100"), Decimal("300")]) == [Decimal("84.000"),
                                                                                 Decimal("252.000")]
    # A third each, the one thousandth left over goes to the first line.
    assert split_consumption(Decimal("10"), [Decimal("1")] * 3) == [Decimal("3.334"), Decimal("3.333"),
                                                                   Decimal("3.333")]
    # Nothing declared: the first line takes it all.
    assert split_consumption(Decimal("7.5"), [Decimal("0"), Decimal("0")]) == [Decimal("7.500"), Decimal("0.000")]


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=12))
def test_the_parts_always_add_up_to_the_consumption(thousandths, declared):
    annual = Decimal(thousandths).scaleb(-3)
    parts = split_consumption(annual, [Decimal(d).scaleb(-3) for d in declared])
    assert sum(parts, Decimal(0)) == annual and all(p >= 0 for p in parts) and len(parts) == len(declared)


def test_only_articles_chosen_as_actual_take_the_consumption():
    lines = [(1, Decimal("10")), (2, Decimal("5")), (1, Decimal("30")), (3, Decimal("2"))]
    reported = {1: Consumption(Decimal("20"), 6, Decimal("40.000")), 2: Consumption(Decimal("1"), 6, Decimal("2"))}
    assert chosen_quantities(lines, reported, {1: ACTUAL, 2: DECLARED, 3: ACTUAL}) == [
        Decimal("10.000"), Decimal("5"), Decimal("30.000"), Decimal("2")]
