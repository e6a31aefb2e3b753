"""How German users' numbers are read (SECURITY.md: decimal fields)."""
from decimal import Decimal

import pytest

from einkauf.formatting import format_decimal_de
from einkauf.forms import clean_text, parse_decimal_de


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("12.5", "12.5"),
        ("1.234", "1234"),  # a dot followed by three digits groups thousands
        ("1.234.567", "1234567"),
        (" 4,15 ", "4.15"),
        ("0", "0"),
        ("1\u00a0234,5", "1234.5"),
    ],
)
def test_german_numbers_are_read_as_users_mean_them(text, expected):
    assert parse_decimal_de(text, places=2) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["NaN", "sNaN", "Infinity", "-inf", "1e5", "1E-3", "-1", "+1", "-0", "١٢", "１２", "1,2,3", "1.23.4", "", "  ",
     "12,", ",5", "0x10", "1_000", "9" * 30],
)
def test_anything_but_plain_ascii_digits_is_refused(text):
    with pytest.raises(ValueError):
        parse_decimal_de(text, places=2)


def test_more_places_than_allowed_is_an_error_not_a_rounding():
    with pytest.raises(ValueError, match="höchstens 2 Nachkommastellen"):
        parse_decimal_de("1,005", places=2)
    assert parse_decimal_de("1,005", places=3) == Decimal("1.005")


def test_amounts_are_shown_back_in_german_notation():
    assert format_decimal_de(Decimal("1234567.5"), 2) == "1.234.567,50"
    assert format_decimal_de(Decimal("0"), 2) == "0,00"


def test_control_characters_are_removed_from_text():
    assert clean_text("Kopier\x00papier\x1b A4\t") == "Kopierpapier A4"
    assert clean_text("Zeile 1\r\nZeile 2", multiline=True) == "Zeile 1\nZeile 2"
