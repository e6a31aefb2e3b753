"""Pure rules of the bids package: unit prices read from cells, VAT ids, the positions' fingerprint."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from einkauf.bids.price_sheet_import import price_from_cell
from einkauf.bids.services import de_vat_check_digit, normalise_vat_id
from einkauf.errors import ValidationFailed
from einkauf.exports.price_sheet import positions_fingerprint


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("", None), ("   ", None), (0, Decimal("0")), (2, Decimal("2")), (2.35, Decimal("2.35")),
    (Decimal("7.1234"), Decimal("7.1234")), (0.1 + 0.2, Decimal("0.3")), (1_000_000_000, Decimal("1000000000")),
    (-0.0, Decimal("0")),
])
def test_a_unit_price_cell_gives_an_exact_decimal(value, expected):
    price = price_from_cell(value)
    assert price == expected
    if price is not None:
        assert price.as_tuple().exponent == -4 and not price.is_signed()


@pytest.mark.parametrize(("value", "data_type", "message"), [
    ("=A1*2", "f", "Formeln sind nicht erlaubt"),
    ("#DIV/0!", "e", "Fehlerwert"),
    ("2,35", None, "als Text eingetragen"),
    ("2,35 €", None, "als Text eingetragen"),
    (True, None, "WAHR oder FALSCH"),
    (date(2027, 1, 1), None, "Datum"),
    (-0.01, None, "negativ"),
    (1_000_000_000.01, None, "unrealistisch hoch"),
    (1e300, None, "unrealistisch hoch"),
    (float("nan"), None, "keine gültige Zahl"),
    (float("inf"), None, "keine gültige Zahl"),
    (1.23456, None, "höchstens 4 Nachkommastellen"),
    (Decimal("0.00001"), None, "höchstens 4 Nachkommastellen"),
])
def test_a_unit_price_cell_that_is_no_price_is_refused_without_repeating_it(value, data_type, message):
    with pytest.raises(ValueError) as refused:
        price_from_cell(value, data_type)
    assert message in str(refused.value)
    assert "2,35" not in str(refused.value) and "1.23456" not in str(refused.value)


def test_the_german_vat_check_digit():
    assert de_vat_check_digit("13669597") == 6
    assert normalise_vat_id(" de 136.695.976 ") == "DE136695976"
    assert normalise_vat_id("") == ""
    assert normalise_vat_id("ATU12345678") == "ATU12345678"


@pytest.mark.parametrize(("text", "message"), [
    ("DE136695977", "Prüfziffer"), ("DE12345678", "neun Ziffern"), ("XX123456789", "Format"),
    ("123456789", "Format"), ("DE<script>", "Format"),
])
def test_vat_ids_of_the_wrong_format_are_refused(text, message):
    with pytest.raises(ValidationFailed, match=message):
        normalise_vat_id(text)


def test_the_fingerprint_changes_with_any_key_or_quantity_and_not_with_notation():
    base = [("1|P-1", Decimal("100.5")), ("1|P-2", Decimal("3"))]
    assert positions_fingerprint(base) == positions_fingerprint([("1|P-1", Decimal("100.500")), ("1|P-2", 3)])
    assert positions_fingerprint(base) != positions_fingerprint([("1|P-1", Decimal("100.501")), ("1|P-2", 3)])
    assert positions_fingerprint(base) != positions_fingerprint([("1|P-1", Decimal("100.5")), ("1|P-3", 3)])
    assert positions_fingerprint(base) != positions_fingerprint(list(reversed(base)))
