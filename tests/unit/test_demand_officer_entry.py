"""The line grid of the officer's entry page and the time left until a deadline (pure rules)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from einkauf.demand.entry import MAX_ROWS_PER_PRODUCT, LineGrid, quantity_text, time_left
from einkauf.demand.services import LineProblem

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


# --- time left -----------------------------------------------------------------------------

def test_time_left_is_days_hours_and_minutes_rounded_down():
    assert time_left(NOW + timedelta(days=12, hours=3, minutes=59, seconds=59), NOW) == (12, 3, 59)


def test_one_second_before_the_deadline_there_is_still_time():
    assert time_left(NOW + timedelta(seconds=1), NOW) == (0, 0, 0)


def test_at_the_deadline_and_after_there_is_no_time_left():
    assert time_left(NOW, NOW) is None
    assert time_left(NOW - timedelta(days=1), NOW) is None


def test_time_left_counts_real_hours_across_the_change_to_summer_time():
    # 28.03.2027 in Berlin has 23 hours; the deadline is an instant, so the count is in real time.
    start = datetime(2027, 3, 27, 11, 0, tzinfo=UTC)
    assert time_left(start + timedelta(hours=48), start) == (2, 0, 0)


# --- quantities as typed ---------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "shown"), [
    ("10.000", "10"), ("2.500", "2,5"), ("0.125", "0,125"), ("1234567.100", "1.234.567,1"), ("0.000", "0"),
])
def test_stored_quantities_are_shown_in_german_without_trailing_zeros(stored, shown):
    assert quantity_text(Decimal(stored)) == shown


# --- reading the grid ------------------------------------------------------------------------

def form(**fields) -> MultiDict:
    return MultiDict({key.replace("_", "-"): value for key, value in fields.items()})


def test_rows_are_grouped_by_product_in_row_order_with_one_empty_row_added():
    grid = LineGrid.from_form(form(l_5_1_qty="2", l_5_0_qty="1", l_5_0_site="9", l_7_0_qty=""), [5, 7])
    assert [(r.n, r.qty) for r in grid.rows[5]] == [(0, "1"), (1, "2"), (2, "")]
    assert [(r.n, r.qty) for r in grid.rows[7]] == [(0, "")]  # already empty: no second empty row
    assert grid.rows[5][0].site_id() == 9


def test_other_keys_and_malformed_names_are_ignored():
    grid = LineGrid.from_form(form(csrf_token="x", version="3", l_5_0_qty="1", l_5_0_evil="2",
                                   l_5_x_qty="3", l_5_0_qty_="4"), [5])
    assert [r.qty for r in grid.rows[5]] == ["1", ""]


def test_rows_of_products_not_on_the_page_are_refused_here_and_never_sent_to_the_services():
    grid = LineGrid.from_form(form(l_5_0_qty="1", l_99_0_qty="3", l_99_0_site="1", l_98_0_cc="nur Text"), [5])
    assert [r.product_id for r in grid.foreign] == [98, 99]
    lines, problems = grid.line_inputs()
    assert [line.product_id for line in lines] == [5]
    assert [(p.origin, p.field, p.message) for p in problems] == [
        ("l-99-0", "product", "Unbekannter oder nicht bestellbarer Artikel.")]


def test_a_flood_of_foreign_rows_is_summed_up_after_twenty():
    grid = LineGrid.from_form({f"l-{1000 + n}-0-qty": "1" for n in range(50)}, [5])
    lines, problems = grid.line_inputs()
    assert lines == [] and len(problems) == 21
    assert problems[-1].message == "30 weitere Zeilen nennen Artikel, die nicht auf dieser Seite stehen."


def test_blank_quantities_are_no_lines_and_bad_numbers_are_problems_at_their_row():
    grid = LineGrid.from_form(form(l_5_0_qty="", l_5_0_cc="KST-1", l_5_1_qty="1.234,5", l_5_1_site="3",
                                   l_5_2_qty="1e3", l_5_3_qty="-1", l_5_4_qty="٣"), [5])
    lines, problems = grid.line_inputs()
    assert [(line.quantity, line.delivery_site_id, line.origin) for line in lines] == [(Decimal("1234.5"), 3, "l-5-1")]
    assert [(p.origin, p.field) for p in problems] == [("l-5-2", "quantity"), ("l-5-3", "quantity"),
                                                      ("l-5-4", "quantity")]


def test_a_delivery_site_that_is_no_number_is_no_site():
    grid = LineGrid.from_form(form(l_5_0_qty="1", l_5_0_site="1 OR 1=1"), [5])
    assert grid.line_inputs()[0][0].delivery_site_id == 0


def test_text_is_cleaned_of_control_characters_and_capped():
    grid = LineGrid.from_form(form(l_5_0_qty="1", l_5_0_note="a\x00b\nc", l_5_0_cc="x" * 5000), [5])
    row = grid.rows[5][0]
    assert row.note == "ab c" and len(row.cc) == 600


def test_empty_rows_stop_at_the_cap_but_posted_rows_are_never_dropped():
    fields = {f"l_5_{n}_qty": "1" for n in range(MAX_ROWS_PER_PRODUCT + 20)}
    grid = LineGrid.from_form(form(**fields), [5])
    assert len(grid.rows[5]) == MAX_ROWS_PER_PRODUCT + 20
    assert len(grid.line_inputs()[0]) == MAX_ROWS_PER_PRODUCT + 20
    assert not grid.add_row(5)


def test_row_numbers_above_999_are_not_read():
    grid = LineGrid.from_form(form(l_5_999_qty="1", l_5_1000_qty="2"), [5])
    assert [r.qty for r in grid.rows[5]] == ["1", ""]


def test_another_row_gets_the_next_free_number_and_the_default_site():
    grid = LineGrid.from_form(form(l_5_0_qty="1", l_5_3_qty="2"), [5], default_site="8")
    assert grid.add_row(5, "8")
    assert [(r.n, r.site) for r in grid.rows[5]][-2:] == [(4, "8"), (5, "8")]
    assert not grid.add_row(42)  # not on the page


def test_saved_lines_become_rows_with_an_empty_row_after_them():
    line = SimpleNamespace(delivery_site_id=3, quantity=Decimal("2.500"), cost_centre="KST", budget_account="",
                           note="n")
    grid = LineGrid.from_lines([5, 7], {5: [line]}, default_site="3")
    assert [(r.qty, r.site, r.cc) for r in grid.rows[5]] == [("2,5", "3", "KST"), ("", "3", "")]
    assert [r.qty for r in grid.rows[7]] == [""]


# --- totals ----------------------------------------------------------------------------------

def test_totals_are_sums_of_line_values_rounded_half_up_per_line():
    grid = LineGrid.from_form(form(l_5_0_qty="1,5", l_5_1_qty="1,5", l_5_2_qty="1,5", l_7_0_qty="abc",
                                   l_7_1_qty="0"), [5, 7])
    grid.compute_values({5: Decimal("0.89"), 7: Decimal("10.00")})
    assert [r.value for r in grid.rows[5]] == [Decimal("1.34")] * 3 + [None]
    assert grid.product_total(5) == Decimal("4.02")  # not round(3 × 1,335) = 4,01
    assert grid.product_total(7) == Decimal("0.00")
    assert grid.totals() == (3, Decimal("4.02"))


# --- errors next to their inputs -------------------------------------------------------------

def test_problems_are_put_next_to_their_input_and_listed_in_page_order():
    grid = LineGrid.from_form(form(l_5_0_qty="1", l_5_1_qty="2", l_7_0_qty="3"), [5, 7])
    summary = grid.attach([
        LineProblem("l-7-0", "delivery_site", "Lieferstelle fehlt."),
        LineProblem("l-5-1", "cost_centre", "Kostenstelle ungültig."),
        LineProblem("l-5-1", "quantity", "Zu viel."),
        LineProblem("l-99-0", "product", "Unbekannter Artikel."),
        LineProblem("", "lines", "Zu viele Positionen."),
    ], {5: "BM-0001", 7: "BM-0002"})
    assert grid.rows[5][1].errors == {"cc": "Kostenstelle ungültig.", "qty": "Zu viel."}
    assert grid.rows[7][0].errors == {"site": "Lieferstelle fehlt."}
    assert [(s.number, s.position, s.target) for s in summary] == [
        ("BM-0001", 2, "l-5-1-qty"), ("BM-0001", 2, "l-5-1-cc"), ("BM-0002", 1, "l-7-0-site"),
        (None, None, None), (None, None, None)]
    assert summary[3].product_id == 99 and summary[4].product_id is None


def test_the_summary_counts_rows_as_shown_not_by_their_numbers():
    grid = LineGrid.from_form(form(l_5_4_qty="1", l_5_9_qty="x"), [5])
    summary = grid.attach([LineProblem("l-5-9", "quantity", "Keine Zahl.")], {5: "BM-0001"})
    assert (summary[0].position, summary[0].target) == (2, "l-5-9-qty")
