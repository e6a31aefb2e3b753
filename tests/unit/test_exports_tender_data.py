"""The input records of the tender documents refuse what the generators cannot print honestly."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from einkauf.errors import ValidationFailed
from einkauf.exports.tender_data import AwardCriterion, position_oz
from einkauf.exports.text import clean_text, cut_text, markup
from support_documents import make_lot, make_position, make_tender


def test_a_float_quantity_is_refused():
    with pytest.raises(TypeError, match="never float"):
        replace(make_position("1", 1), annual_quantity=12.5)


def test_a_naive_deadline_is_refused():
    with pytest.raises(TypeError, match="aware"):
        make_tender(submission_deadline=datetime(2027, 3, 15, 12, 0))


def test_award_criteria_must_weigh_100_percent():
    with pytest.raises(ValidationFailed, match="90,00 %"):
        make_tender(award_criteria=(AwardCriterion("Preis", Decimal("60")), AwardCriterion("Qualität", Decimal("30"))))


def test_lot_numbers_and_product_numbers_are_unique():
    lot = make_lot("1")
    with pytest.raises(ValueError, match="unique"):
        make_tender([lot, lot])
    with pytest.raises(ValueError, match="product number"):
        replace(lot, positions=(lot.positions[0], replace(lot.positions[1], product_number=lot.positions[0].product_number)))


def test_lists_become_tuples():
    lot = make_lot("1")
    assert isinstance(replace(lot, members=list(lot.members)).members, tuple)


def test_oz_is_the_lot_number_and_a_zero_padded_index():
    assert position_oz("1", 1) == "1.001"
    assert position_oz("3.2", 15) == "3.2.015"
    assert position_oz("4", 7, count=1200) == "4.0007"


def test_text_helpers_clean_cut_and_escape():
    assert clean_text("a\r\nb\tc\x00\u202ed") == "a\nb cd"
    assert clean_text("  viele   Leer  zeichen \n\n x", multiline=False) == "viele Leer zeichen x"
    assert cut_text("abcdef", 4) == "abc…" and cut_text("abc", 4) == "abc"
    assert markup("<b>&amp;</b>\nx") == "&lt;b&gt;&amp;amp;&lt;/b&gt;<br/>x"
