"""R1, R3, R5 and the lot plan (R2, R6): pure rules of lot building, no database."""
import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from einkauf.db import line_value
from einkauf.errors import ValidationFailed
from einkauf.lots import rules
from einkauf.lots.rules import (
    CategoryInput,
    InvalidLotRules,
    LotRules,
    PositionInput,
    amount_json,
    check_lot_rules,
    estimated_quantity,
    format_date_de,
    format_money_de,
    lot_number_key,
    lots_build_json,
    maximum_quantity,
    plan_lots,
    plan_maximum_total,
    plan_total,
    position_estimated_value,
    position_for_demand,
    position_maximum_value,
    term_years,
)

D = Decimal


# --- term, quantities, values -----------------------------------------------------------------

def test_a_term_with_options_counts_every_option_year():
    assert term_years(24, 24) == D(4)
    assert str(term_years(24, 24)) == "4"


@pytest.mark.parametrize(("months", "extension", "years"),
                         [(12, 0, "1"), (18, 0, "1.5"), (24, 6, "2.5"), (9, 0, "0.75"), (60, 60, "10")])
def test_term_years_are_months_divided_by_twelve(months, extension, years):
    assert term_years(months, extension) == D(years)


def test_term_years_refuse_negative_or_fractional_months():
    with pytest.raises(ValueError):
        term_years(-1)
    with pytest.raises(TypeError):
        term_years(D("1.5"))


def test_estimated_quantity_over_four_years_is_four_annual_quantities():
    assert estimated_quantity(D("1234.567"), 48) == D("4938.268")


def test_estimated_quantity_rounds_half_up_to_thousandths():
    # 0.001 × 18 / 12 = 0.0015 → 0.002 (half-up, not banker's 0.002/0.001)
    assert estimated_quantity(D("0.001"), 18) == D("0.002")
    # 0.003 × 18 / 12 = 0.0045 → 0.005 (banker's rounding would give 0.004)
    assert estimated_quantity(D("0.003"), 18) == D("0.005")
    # 1 × 13 / 12 = 1.08333… → 1.083
    assert estimated_quantity(D("1"), 13) == D("1.083")


def test_maximum_quantity_rounds_up_to_whole_units():
    assert maximum_quantity(D("100.001"), D("0")) == D(101)


def test_maximum_quantity_is_exact_when_the_buffer_gives_a_whole_number():
    assert maximum_quantity(D("100"), D("20")) == D(120)
    assert maximum_quantity(D("100.000"), D("20.00")) == D(120)


def test_maximum_quantity_adds_the_buffer_before_rounding_up():
    assert maximum_quantity(D("10"), D("12.5")) == D(12)  # 11.25 → 12
    assert maximum_quantity(D("0"), D("20")) == D(0)


def test_maximum_quantity_refuses_floats_and_negative_buffers():
    with pytest.raises(TypeError):
        maximum_quantity(100.0, D("20"))
    with pytest.raises(ValueError):
        maximum_quantity(D("100"), D("-1"))


def test_position_value_is_annual_quantity_times_price_times_term_in_years():
    assert position_estimated_value(D("1000"), D("4.99"), 48) == D("19960.00")


def test_position_value_is_rounded_once_from_the_exact_product():
    # 1.5 × 2.35 × 4 = 14.1 exactly; rounding the annual value 3.525 first would give 14.12
    assert position_estimated_value(D("1.5"), D("2.35"), 48) == D("14.10")


def test_position_value_over_a_broken_term_rounds_half_up_to_cents():
    assert position_estimated_value(D("1"), D("0.01"), 18) == D("0.02")    # 0.015 → 0.02
    assert position_estimated_value(D("3"), D("0.01"), 6) == D("0.02")     # 0.015 → 0.02 (not banker's)
    assert position_estimated_value(D("5"), D("0.01"), 3) == D("0.01")     # 0.0125 → 0.01
    assert position_estimated_value(D("1"), D("1000.00"), 13) == D("1083.33")  # 1083.333…


def test_position_value_matches_the_sql_formula_of_the_services():
    for quantity, price, months in [("1234.567", "1.99", 48), ("0.001", "0.01", 1), ("7", "3.33", 30)]:
        a, p = int(D(quantity) * 1000), int(D(price) * 100)
        assert position_estimated_value(D(quantity), D(price), months) == D((a * p * months + 6000) // 12000) / 100


@pytest.mark.parametrize(("quantity", "price", "expected"), [
    ("1", "0.005", "0.01"), ("1", "0.015", "0.02"), ("1", "0.025", "0.03"), ("1", "0.0049", "0.00"),
    ("3", "33.33", "99.99"), ("10", "0.10", "1.00"),
])
def test_position_value_of_one_year_is_the_r1_line_value_rounded_half_up(quantity, price, expected):
    assert position_estimated_value(D(quantity), D(price), 12) == D(expected) == line_value(D(quantity), D(price))


# --- formatting and JSON ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    ("1234.56", "1.234,56 €"), ("0", "0,00 €"), ("216000", "216.000,00 €"), ("1234567.891", "1.234.567,89 €"),
    ("0.005", "0,01 €"), ("-1234.5", "-1.234,50 €"),
])
def test_money_is_written_the_german_way(value, text):
    assert format_money_de(D(value)) == text


def test_dates_are_written_day_month_year():
    assert format_date_de(date(2026, 1, 1)) == "01.01.2026"


@pytest.mark.parametrize(("value", "text"), [("1234.5", "1234.50"), ("0", "0.00"), ("0.005", "0.01"),
                                             ("216000", "216000.00"), ("1E+3", "1000.00")])
def test_json_amounts_are_strings_with_two_decimals(value, text):
    assert amount_json(D(value)) == text


def test_lot_numbers_sort_numerically_per_part():
    numbers = ["10", "3.2", "2", "3.10", "3.1", "1"]
    assert sorted(numbers, key=lot_number_key) == ["1", "2", "3.1", "3.2", "3.10", "10"]


@pytest.mark.parametrize("module", ["rules", "procedure"])
def test_the_pure_rules_import_neither_flask_nor_sqlalchemy(module):
    source = (Path(rules.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not {name for name in imported if name.split(".")[0].lower().startswith(("flask", "sqlalchemy"))}


# --- the lot plan -------------------------------------------------------------------------------

PAPER = CategoryInput(1, "Druckpapier", "30197630-1", sort_order=20)
OFFICE = CategoryInput(2, "Bürobedarf", "30192000-1", sort_order=10)
TONER = CategoryInput(3, "Tonerpatronen", "30125100-2", sort_order=30)
CLEANING = CategoryInput(4, "Reinigungsmittel", "39830000-9", sort_order=40)
CATEGORIES = [PAPER, OFFICE, TONER, CLEANING]


def pos(category, product_id, number, region, quantity, price, *members):
    return PositionInput(category.id, product_id, number, region, D(quantity), D(price), frozenset(members))


def test_one_fachlos_per_category_numbered_in_category_order():
    positions = [
        pos(PAPER, 10, "P-1", "Ruhr", "1000", "4.00", "05913000"),
        pos(OFFICE, 20, "B-1", "Ruhr", "10", "1.00", "05913000"),
        pos(TONER, 30, "T-1", "Ruhr", "5", "80.00", "05111000"),
    ]
    lots = plan_lots(CATEGORIES, positions, LotRules(), term_months_total=48)
    assert [(lot.number, lot.title, lot.cpv, lot.kind) for lot in lots] == [
        ("1", "Bürobedarf", "30192000-1", "Fachlos"),
        ("2", "Druckpapier", "30197630-1", "Fachlos"),
        ("3", "Tonerpatronen", "30125100-2", "Fachlos"),
    ]
    assert lots[1].estimated_value == D("16000.00")
    assert lots[1].positions[0].estimated_quantity == D("4000.000")


def test_categories_with_equal_sort_order_follow_their_name():
    a = CategoryInput(7, "Zubehör", "30237000-9", sort_order=0)
    b = CategoryInput(8, "Ablage", "30192000-1", sort_order=0)
    positions = [pos(a, 1, "Z-1", "", "1", "1.00", 1), pos(b, 2, "A-1", "", "1", "1.00", 1)]
    lots = plan_lots([a, b], positions, LotRules(), term_months_total=12)
    assert [lot.title for lot in lots] == ["Ablage", "Zubehör"]


def test_positions_follow_product_number_and_sum_the_regions_without_a_split():
    positions = [
        pos(OFFICE, 2, "B-2", "Münsterland", "5", "2.00", "m2"),
        pos(OFFICE, 1, "B-1", "Ruhr", "7.5", "1.00", "m1"),
        pos(OFFICE, 2, "B-2", "Ruhr", "3", "2.00", "m1"),
    ]
    [lot] = plan_lots(CATEGORIES, positions, LotRules(), term_months_total=24, buffer_pct=D("10"))
    assert [p.product_number for p in lot.positions] == ["B-1", "B-2"]
    b2 = lot.positions[1]
    assert (b2.annual_quantity, b2.estimated_quantity, b2.maximum_quantity) == (D("8"), D("16.000"), D("18"))
    assert b2.members == ("m1", "m2")
    assert b2.regions == ("Münsterland", "Ruhr")
    assert lot.members == ("m1", "m2")
    assert lot.estimated_value == D("15.00") + D("32.00")


def test_merged_categories_form_one_lot_at_the_place_of_the_first():
    positions = [
        pos(PAPER, 10, "P-1", "", "1", "1.00", 1),
        pos(OFFICE, 20, "B-1", "", "1", "1.00", 2),
        pos(TONER, 30, "T-1", "", "1", "1.00", 3),
        pos(CLEANING, 40, "R-1", "", "1", "1.00", 4),
    ]
    lots = plan_lots(CATEGORIES, positions, LotRules(merge_groups=[(TONER.id, OFFICE.id)]), term_months_total=12)
    assert [(lot.number, lot.title, lot.cpv) for lot in lots] == [
        ("1", "Bürobedarf, Tonerpatronen", "30192000-1"),
        ("2", "Druckpapier", "30197630-1"),
        ("3", "Reinigungsmittel", "39830000-9"),
    ]
    assert lots[0].category_ids == (OFFICE.id, TONER.id)
    assert lots[0].members == (2, 3)
    assert lots[0].additional_cpvs == ("30125100-2",)
    assert lots[1].additional_cpvs == () and lots[2].additional_cpvs == ()


def test_a_merged_lot_keeps_every_other_cpv_code_distinct_and_in_category_order():
    # Four categories merged; two share the main code, one shares the toner code.
    office_too = CategoryInput(5, "Büromaterial", "30192000-1", sort_order=15)
    toner_too = CategoryInput(6, "Toner Sonderformate", "30125100-2", sort_order=35)
    categories = [*CATEGORIES, office_too, toner_too]
    positions = [pos(c, 10 * c.id, f"X-{c.id}", "", "1", "1.00", c.id)
                 for c in (PAPER, OFFICE, TONER, office_too, toner_too)]
    rules_ = LotRules(merge_groups=[(TONER.id, OFFICE.id, PAPER.id, office_too.id, toner_too.id)])
    [lot] = plan_lots(categories, positions, rules_, term_months_total=12)
    assert lot.cpv == "30192000-1"
    assert lot.additional_cpvs == ("30197630-1", "30125100-2")
    assert lot.to_json()["additional_cpv_codes"] == ["30197630-1", "30125100-2"]


def test_a_category_of_a_merge_group_without_demand_adds_no_cpv_code():
    positions = [pos(OFFICE, 20, "B-1", "", "1", "1.00", 2)]
    [lot] = plan_lots(CATEGORIES, positions, LotRules(merge_groups=[(TONER.id, OFFICE.id)]), term_months_total=12)
    assert (lot.cpv, lot.additional_cpvs) == ("30192000-1", ())


def test_teillose_of_a_merged_lot_carry_the_cpv_codes_of_their_own_positions():
    positions = [pos(OFFICE, 20, "B-1", "", "1", "100.00", 2), pos(TONER, 30, "T-1", "", "1", "100.00", 3)]
    lots = plan_lots(CATEGORIES, positions, LotRules(merge_groups=[(TONER.id, OFFICE.id)], split_value=D("150")),
                     term_months_total=12)
    assert [(lot.number, lot.cpv, lot.additional_cpvs) for lot in lots] == [
        ("1.1", "30192000-1", ()), ("1.2", "30125100-2", ())]


def test_region_split_gives_gebietslose_in_region_name_order():
    positions = [
        pos(OFFICE, 20, "B-1", "Ruhr", "1", "1.00", "bochum"),
        pos(PAPER, 10, "P-1", "Ruhr", "10", "4.00", "essen", "bochum"),
        pos(PAPER, 10, "P-1", "Ostwestfalen", "20", "4.00", "bielefeld"),
        pos(PAPER, 11, "P-2", "Münsterland", "30", "4.00", "münster"),
        pos(PAPER, 11, "P-2", "", "1", "4.00", "hamm"),
    ]
    lots = plan_lots(CATEGORIES, positions, LotRules(region_split={PAPER.id}), term_months_total=12)
    assert [(lot.number, lot.title, lot.region, lot.kind) for lot in lots] == [
        ("1", "Bürobedarf", None, "Fachlos"),
        ("2.1", "Druckpapier – Gebietslos Münsterland", "Münsterland", "Gebietslos"),
        ("2.2", "Druckpapier – Gebietslos Ostwestfalen", "Ostwestfalen", "Gebietslos"),
        ("2.3", "Druckpapier – Gebietslos Ruhr", "Ruhr", "Gebietslos"),
        ("2.4", "Druckpapier – Gebietslos ohne Region", "", "Gebietslos"),
    ]
    assert lots[3].members == ("bochum", "essen")
    assert [p.annual_quantity for p in lots[1].positions] == [D("30")]


def test_region_split_with_demand_from_a_single_region_keeps_one_lot():
    positions = [pos(PAPER, 10, "P-1", "Ruhr", "10", "4.00", "essen")]
    [lot] = plan_lots(CATEGORIES, positions, LotRules(region_split={PAPER.id}), term_months_total=12)
    assert (lot.number, lot.kind, lot.title) == ("1", "Fachlos", "Druckpapier")


def test_an_excluded_product_is_left_out_and_an_empty_category_gets_no_number():
    positions = [
        pos(OFFICE, 20, "B-1", "", "1", "1.00", 1),
        pos(PAPER, 10, "P-1", "", "1", "1.00", 1),
        pos(TONER, 30, "T-1", "", "1", "1.00", 1),
    ]
    lots = plan_lots(CATEGORIES, positions, LotRules(excluded_products={10}), term_months_total=12)
    assert [(lot.number, lot.title) for lot in lots] == [("1", "Bürobedarf"), ("2", "Tonerpatronen")]
    assert (10, "") not in position_for_demand(lots)


def test_a_lot_above_the_split_value_becomes_consecutive_teillose():
    positions = [pos(OFFICE, i, f"B-{i}", "", "1", price, 1)
                 for i, price in [(1, "400.00"), (2, "500.00"), (3, "300.00"), (4, "900.00"), (5, "1500.00")]]
    lots = plan_lots(CATEGORIES, positions, LotRules(split_value=D("1000.00")), term_months_total=12)
    assert [(lot.number, lot.kind, [p.product_number for p in lot.positions], lot.estimated_value) for lot in lots] == [
        ("1.1", "Teillos", ["B-1", "B-2"], D("900.00")),
        ("1.2", "Teillos", ["B-3"], D("300.00")),
        ("1.3", "Teillos", ["B-4"], D("900.00")),
        ("1.4", "Teillos", ["B-5"], D("1500.00")),  # one product worth more than the limit stays whole
    ]
    assert lots[0].title == "Bürobedarf – Teillos 1"
    assert plan_total(lots) == D("3600.00")


def test_a_lot_exactly_at_the_split_value_is_not_split():
    positions = [pos(OFFICE, 1, "B-1", "", "1", "600.00", 1), pos(OFFICE, 2, "B-2", "", "1", "400.00", 1)]
    [lot] = plan_lots(CATEGORIES, positions, LotRules(split_value=D("1000.00")), term_months_total=12)
    assert lot.number == "1"


def test_a_gebietslos_above_the_split_value_is_split_again():
    positions = [pos(PAPER, 1, "P-1", "Ruhr", "1", "600.00", 1), pos(PAPER, 2, "P-2", "Ruhr", "1", "600.00", 1),
                 pos(PAPER, 1, "P-1", "Lippe", "1", "600.00", 2)]
    lots = plan_lots(CATEGORIES, positions, LotRules(region_split={PAPER.id}, split_value=D("1000")),
                     term_months_total=12)
    assert [(lot.number, lot.title) for lot in lots] == [
        ("1.1", "Druckpapier – Gebietslos Lippe"),
        ("1.2.1", "Druckpapier – Gebietslos Ruhr – Teillos 1"),
        ("1.2.2", "Druckpapier – Gebietslos Ruhr – Teillos 2"),
    ]


def test_every_demand_key_maps_to_exactly_one_planned_position():
    positions = [pos(PAPER, 1, "P-1", "Ruhr", "1", "1.00", 1), pos(PAPER, 1, "P-1", "Lippe", "1", "1.00", 2),
                 pos(OFFICE, 2, "B-1", "Ruhr", "1", "1.00", 1)]
    lots = plan_lots(CATEGORIES, positions, LotRules(region_split={PAPER.id}), term_months_total=12)
    targets = position_for_demand(lots)
    assert {key: (t.lot_number, t.product_id) for key, t in targets.items()} == {
        (2, "Ruhr"): ("1", 2), (1, "Lippe"): ("2.1", 1), (1, "Ruhr"): ("2.2", 1),
    }


def test_contradictory_rules_are_refused_with_german_reasons():
    bad = LotRules(merge_groups=[(1, 2), (2, 3), (4,)], region_split={1, 99}, split_value=D("0"))
    problems = check_lot_rules(bad, CATEGORIES)
    assert "Die Warengruppe „Bürobedarf“ steht in mehr als einer Zusammenlegung." in problems
    assert "Die Zusammenlegung 3 braucht mindestens zwei verschiedene Warengruppen." in problems
    assert any("Zusammenlegung 1 wird nur als Ganzes nach Regionen geteilt" in p for p in problems)
    assert "Die Warengruppe Nr. 99 gibt es nicht." in problems
    assert any("größer als 0,00 €" in p for p in problems)
    with pytest.raises(InvalidLotRules) as caught:
        plan_lots(CATEGORIES, [], bad, term_months_total=12)
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.problems == problems


def test_a_merge_group_split_as_a_whole_is_fine():
    assert check_lot_rules(LotRules(merge_groups=[(1, 2)], region_split={1, 2}), CATEGORIES) == []


@pytest.mark.parametrize("positions", [
    [pos(CategoryInput(99, "x", "y"), 1, "X", "", "1", "1", 1)],                                    # unknown category
    [pos(PAPER, 1, "P-1", "", "1", "1", 1), pos(OFFICE, 1, "P-1", "Ruhr", "1", "1", 1)],         # two categories
    [pos(PAPER, 1, "P-1", "", "1", "1", 1), pos(PAPER, 1, "P-1", "", "2", "1", 2)],              # same key twice
    [pos(PAPER, 1, "P-1", "", "1", "1", 1), pos(PAPER, 1, "P-1", "Ruhr", "1", "2", 2)],          # two prices
])
def test_inconsistent_aggregates_are_a_programming_error(positions):
    with pytest.raises(ValueError):
        plan_lots(CATEGORIES, positions, LotRules(), term_months_total=12)


def test_lot_rules_survive_a_json_round_trip():
    original = LotRules(merge_groups=[[3, 2]], region_split=[1], excluded_products={5, 4}, split_value=D("1000.5"))
    data = original.to_json()
    assert data == {"merge_groups": [[2, 3]], "region_split": [1], "excluded_products": [4, 5],
                    "split_value": "1000.50"}
    again = LotRules.from_json(data)
    assert again.to_json() == data
    assert LotRules.from_json(None) == LotRules()
    assert LotRules(merge_groups=[(3, 2), (5, 4)]) == LotRules(merge_groups=[[4, 5], [2, 3, 3]])


def test_a_planned_lot_serialises_to_the_json_contract():
    [lot] = plan_lots(CATEGORIES, [pos(OFFICE, 1, "B-1", "", "3", "33.33", "05913000")], LotRules(),
                      term_months_total=48)
    assert lot.to_json() == {"number": "1", "title": "Bürobedarf", "cpv": "30192000-1", "additional_cpv_codes": [],
                             "members": ["05913000"], "positions": 1, "estimated_value": "399.96",
                             "maximum_value": "399.96"}


def test_the_maximum_value_is_the_maximum_quantity_times_the_price_rounded_once_per_position():
    # 1.5 per year × 48 months = 6 estimated, + 20 % = 7.2 → 8 maximum; 8 × 2.35 = 18.80.
    # 0.333 per year × 48 months = 1.332, + 20 % = 1.5984 → 2 maximum; 2 × 0.125 = 0.25.
    [lot] = plan_lots(CATEGORIES, [pos(OFFICE, 1, "B-1", "", "1.5", "2.35", "05913000"),
                                   pos(OFFICE, 2, "B-2", "", "0.333", "0.125", "05913000")], LotRules(),
                      term_months_total=48, buffer_pct=D("20"))
    first, second = lot.positions
    assert (first.maximum_quantity, first.maximum_value) == (D("8"), D("18.80"))
    assert first.estimated_value == D("14.10")
    assert (second.maximum_quantity, second.maximum_value) == (D("2"), D("0.25"))
    assert lot.maximum_value == D("19.05") == first.maximum_value + second.maximum_value
    assert plan_maximum_total([lot]) == D("19.05")


def test_position_maximum_value_rounds_half_up_to_cents():
    assert position_maximum_value(D("1"), D("0.125")) == D("0.13")
    assert position_maximum_value(D("3"), D("33.33")) == D("99.99")
    assert position_maximum_value(D("0.5"), D("0.0125")) == D("0.01")  # 0.00625 → 0.01
    assert position_maximum_value(D("0"), D("9.99")) == D("0.00")


def test_the_build_summary_serialises_to_the_json_contract():
    lots = plan_lots(CATEGORIES, [pos(OFFICE, 1, "B-1", "", "1", "0.10", "05913000"),
                                  pos(PAPER, 2, "P-1", "", "10", "0.10", "05111000")], LotRules(), term_months_total=12)
    assert lots_build_json("2027", 2, 5, lots) == {
        "round": "2027", "members": 2, "demand_lines": 5, "estimated_total": "1.10", "maximum_total": "1.10",
        "lots": [lots[0].to_json(), lots[1].to_json()],
    }


def test_the_module_keeps_its_constants_german():
    assert (rules.FACHLOS, rules.GEBIETSLOS, rules.TEILLOS) == ("Fachlos", "Gebietslos", "Teillos")
