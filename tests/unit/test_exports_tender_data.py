"""The input records of the tender documents refuse what the generators cannot print honestly."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        replace(
            lot, positions=(lot.positions[0], replace(lot.positions[1], product_number=lot.positions[0].product_number))
        )


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


def _clean_the_long_way(text: str) -> str:
    """clean_text (multiline) as it was before it returned clean text unchanged."""
    removed = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                         "\ud800-\udfff\ufeff\ufffe\uffff]")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = unicodedata.normalize("NFC", removed.sub("", text))
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip("\n")


# Mostly letters, spaces and line feeds (texts that need no cleaning, and double spaces and
# blanks at line ends that do), sometimes a character clean_text treats specially.
PLAIN = st.sampled_from(list("ab ä\n "))
TRICKY = st.sampled_from(
    [
        *list(
            "ab Zä\n\r\t\x00\x07\x0b\x0c\x1c\x1f\x7f\x85\xa0\u1680\u2000\u2007\u200b\u200e"
            "\u2028\u2029\u202e\u202f\u205f\u2066\u3000\ufeff\ufffe�̈́e="
        ),
        "é",
        "Å",
        "Å",
        "ﬁ",
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(PLAIN, PLAIN, PLAIN, TRICKY), max_size=12).map("".join))
def test_clean_text_returns_what_the_full_cleaning_returns(text):
    assert clean_text(text) == _clean_the_long_way(text)
    assert clean_text(clean_text(text)) == clean_text(text)


def test_clean_text_treats_every_character_as_the_full_cleaning_does():
    assert not any(chr(code).isspace() for code in range(0x10000, 0x110000))
    for code in range(0x10000):  # whitespace and all removed characters lie in the BMP
        for text in (f"a{chr(code)}b", f"a {chr(code)}", f"{chr(code)}\nb"):
            assert clean_text(text) == _clean_the_long_way(text), hex(code)
