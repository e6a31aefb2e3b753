"""R1: money and quantities are exact Decimals; line values round half-up to the cent."""
from decimal import Decimal

import pytest

from einkauf.db import Money, Quantity
from einkauf.money import InexactValue, line_value, round_money


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("10", "0.10", "1.00"),
        ("3", "33.33", "99.99"),
        ("1", "0.005", "0.01"),  # half a cent rounds up
        ("1", "0.0049", "0.00"),
        ("0.5", "0.01", "0.01"),  # 0.005 → 0.01
        ("1.5", "2.35", "3.53"),  # 3.525 → 3.53, not banker's 3.52
        ("2.5", "0.01", "0.03"),  # 0.025 → 0.03
        ("1234.567", "1.99", "2456.79"),  # 2456.78833
    ],
)
def test_line_value_is_rounded_half_up_to_the_cent(quantity, price, expected):
    assert line_value(Decimal(quantity), Decimal(price)) == Decimal(expected)


def test_round_money_never_uses_bankers_rounding():
    assert round_money(Decimal("0.125")) == Decimal("0.13")
    assert round_money(Decimal("0.135")) == Decimal("0.14")


def test_money_column_refuses_floats_and_fractions_of_a_cent():
    money = Money()
    with pytest.raises(TypeError):
        money.process_bind_param(0.1, None)
    with pytest.raises(InexactValue):
        money.process_bind_param(Decimal("0.005"), None)
    assert money.process_bind_param(Decimal("1234.56"), None) == 123456
    assert money.process_result_value(123456, None) == Decimal("1234.56")


def test_quantity_column_keeps_thousandths():
    quantity = Quantity()
    assert quantity.process_bind_param(Decimal("0.125"), None) == 125
    assert quantity.process_result_value(125, None) == Decimal("0.125")
    with pytest.raises(InexactValue):
        quantity.process_bind_param(Decimal("0.0001"), None)
    with pytest.raises(InexactValue):
        quantity.process_bind_param(Decimal("NaN"), None)
