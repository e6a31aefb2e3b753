"""Input rules shared by the member, delivery-site and round forms and services."""
from datetime import date
from decimal import Decimal

import pytest

from einkauf.rounds import rules


@pytest.mark.parametrize("ags", ["05913000", "05334002", "00000000"])
def test_eight_ascii_digits_are_a_valid_ags(ags):
    assert rules.ags_problem(ags) is None


@pytest.mark.parametrize("ags", [
    "0533400",           # seven digits
    "053340021",         # nine digits
    "0533400a",          # a letter
    "０５３３４００２",    # full-width digits look right but are not ASCII
    "٠٥٣٣٤٠٠٢",          # Arabic-Indic digits
    "0533 4002",
    "05334002\n",
    "",
])
def test_anything_else_is_not_an_ags(ags):
    assert rules.ags_problem(ags) == rules.AGS_PROBLEM
    assert "8 Ziffern" in rules.AGS_PROBLEM


@pytest.mark.parametrize("postcode,ok", [("44135", True), ("01067", True), ("4413", False), ("441355", False),
                                         ("4413a", False), ("４４１３５", False)])
def test_a_postcode_is_five_ascii_digits(postcode, ok):
    assert (rules.postcode_problem(postcode) is None) is ok


@pytest.mark.parametrize("code,ok", [
    ("2027", True), ("NRW-2027_b", True), ("A" * 20, True),
    ("", False), ("A" * 21, False), ("2027 a", False), ("Bürobedarf", False), ("2027/1", False), ("２０２７", False),
])
def test_a_round_code_is_short_and_plain(code, ok):
    assert (rules.round_code_problem(code) is None) is ok


@pytest.mark.parametrize("value,ok", [
    (Decimal("0"), True), (Decimal("20.00"), True), (Decimal("100"), True), (Decimal("12.5"), True),
    (Decimal("100.01"), False), (Decimal("-1"), False), (Decimal("-0"), False), (Decimal("12.345"), False),
    (Decimal("NaN"), False), (Decimal("Infinity"), False),
])
def test_the_max_quantity_buffer_is_a_percentage_with_two_places(value, ok):
    assert (rules.buffer_problem(value) is None) is ok


@pytest.mark.parametrize("value,ok", [(1, True), (120, True), (0, False), (121, False), (True, False), ("12", False)])
def test_contract_terms_are_whole_months_within_bounds(value, ok):
    assert (rules.whole_number_problem("Vertragslaufzeit", value, 1, 120) is None) is ok


def test_dates_far_in_the_past_or_future_are_typing_mistakes():
    assert rules.date_problem("Öffnungsdatum", date(2027, 1, 1)) is None
    assert "zwischen" in rules.date_problem("Öffnungsdatum", date(1, 1, 1))
    assert "zwischen" in rules.date_problem("Öffnungsdatum", date(9999, 12, 31))


def test_text_is_cleaned_of_control_characters_and_blanks():
    assert rules.clean_line("  Rat\x00haus\tMitte \n") == "Rathaus Mitte"


def test_missing_and_overlong_text_get_german_messages():
    assert rules.text_problem("Name", "", 10) == "Bitte füllen Sie das Feld „Name“ aus."
    assert rules.text_problem("Name", "x" * 11, 10) == "„Name“ darf höchstens 10 Zeichen lang sein."
    assert rules.text_problem("Region", "", 10, required=False) is None


def test_round_states_have_german_labels():
    assert [rules.round_status_label(s) for s in ("draft", "open", "closed")] == ["Entwurf", "geöffnet", "geschlossen"]
