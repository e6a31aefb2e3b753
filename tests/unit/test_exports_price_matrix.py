"""The Preisspiegel workbook (einkauf.exports.price_matrix), opened again with openpyxl and
python-calamine: cells, number formats, frozen panes, filters, conditional formatting, print
setup, and user text that stays text (R12)."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from einkauf.bids.evaluation import LotBid, LotInput, PositionInput, Scoring, evaluate_tender
from einkauf.exports.price_matrix import (
    FIRST_BID_COLUMN,
    FIRST_ROW,
    HEADER_ROW,
    HEADER_ROW_BIDDERS,
    PERCENT_FORMAT,
    UNIT_PRICE_FORMAT,
    build_price_matrix,
)

D = Decimal
HOSTILE = '=HYPERLINK("http://evil.example","klick")'
HOSTILE_COLUMN, BUEROWELT, PAPIER = FIRST_BID_COLUMN, FIRST_BID_COLUMN + 2, FIRST_BID_COLUMN + 4  # G, I, K


def _evaluation(scoring: Scoring = Scoring()):
    positions = (PositionInput("a", "1.1", "Kopierpapier A4, 80 g/m²", "Pck", D("1200.5"), D("3.10")),
                 PositionInput("b", "1.2", "-Ordner breit", "Stück", D("300"), D("2.00")),
                 PositionInput("c", "1.3", "Tinte", "Stück", D("12"), None))
    bids = (LotBid(1, "Bürowelt GmbH", {"a": D("2.9999"), "b": D("1.95"), "c": D("10")},
                   quality={"Qualität": D("80")}),
            LotBid(2, HOSTILE, {"a": D("3.05"), "b": D("4.50"), "c": D("9.5")}, quality={"Qualität": D("100")}),
            LotBid(3, "Papier & Co. KG", {"a": D("2.50"), "b": D("1.90")}, excluded_reason="verspätet",
                   quality={"Qualität": D("50")}))
    lot_one = LotInput("1", "Papier und Büromaterial", positions, bids)
    lot_two = LotInput("2", "@Tinte", positions[:1], (LotBid(1, "Bürowelt GmbH", {"a": D("3")}),
                                                       LotBid(2, HOSTILE, {"a": D("3")})))
    return evaluate_tender([lot_one, lot_two], scoring)


@pytest.fixture(scope="module")
def workbook_bytes() -> bytes:
    return build_price_matrix(_evaluation(), reference="EK-2027-01", title="Büro 2027")


@pytest.fixture(scope="module")
def book(workbook_bytes):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes))


def test_a_summary_sheet_comes_first_then_one_sheet_per_lot(book):
    assert book.sheetnames == ["Übersicht", "Los 1", "Los 2"]


def test_the_lot_sheet_holds_prices_and_totals_as_numbers_with_formats(book):
    ws = book["Los 1"]
    # columns: bidders in name order — the hostile name ("=" sorts first), Bürowelt, Papier & Co.
    first = BUEROWELT
    assert ws.cell(HEADER_ROW_BIDDERS, first).value == "Bürowelt GmbH"
    assert ws.cell(HEADER_ROW, 1).value == "OZ" and ws.cell(HEADER_ROW, first).value == "Einheitspreis"
    price = ws.cell(FIRST_ROW, first)
    assert price.value == pytest.approx(2.9999) and price.data_type == "n"
    assert price.number_format == UNIT_PRICE_FORMAT
    total = ws.cell(FIRST_ROW, first + 1)
    # 1200.5 × 2.9999 = 3601.37995 → 3601.38 (half-up once)
    assert total.value == pytest.approx(3601.38) and total.number_format == '#,##0.00 "€"'
    assert ws.cell(FIRST_ROW, 4).value == pytest.approx(1200.5) and ws.cell(FIRST_ROW, 4).number_format == "#,##0.0"
    assert ws.cell(FIRST_ROW + 1, 4).number_format == "#,##0"
    assert ws.cell(FIRST_ROW + 2, 5).value is None  # no estimated price: an empty cell, not 0


def test_the_lot_total_rank_and_deviations_follow_the_positions(book):
    ws = book["Los 1"]
    labels = {ws.cell(r, 2).value: r for r in range(FIRST_ROW + 3, ws.max_row + 1)}
    row = labels["Losgesamtsumme"]
    # Bürowelt: 3601.38 + 585.00 + 120.00 = 4306.38; hostile: 3661.53 + 1350.00 + 114.00 = 5125.53
    assert ws.cell(row, BUEROWELT + 1).value == pytest.approx(4306.38)
    assert ws.cell(row, HOSTILE_COLUMN + 1).value == pytest.approx(5125.53)
    assert ws.cell(labels["Rang"], BUEROWELT + 1).value == 1
    assert ws.cell(labels["Rang"], HOSTILE_COLUMN + 1).value == 2
    assert ws.cell(labels["Rang"], PAPIER + 1).value is None  # the excluded bid has no rank
    deviation = ws.cell(labels["Abweichung vom niedrigsten Angebot"], HOSTILE_COLUMN + 1)
    assert deviation.value == pytest.approx(19.02) and deviation.number_format == PERCENT_FORMAT
    assert ws.cell(HEADER_ROW_BIDDERS, PAPIER + 1).value == "ausgeschlossen: verspätet"


def test_panes_filter_and_print_setup(book):
    for name in ("Los 1", "Los 2"):
        ws = book[name]
        assert ws.freeze_panes == f"C{FIRST_ROW}"
        assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
        assert ws.print_title_rows == f"${HEADER_ROW_BIDDERS}:${HEADER_ROW}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert "Seite &P von &N" in ws.oddFooter.right.text
    assert book["Los 1"].auto_filter.ref == f"A{HEADER_ROW}:L{HEADER_ROW + 3}"
    assert book["Übersicht"].freeze_panes == "C4"


def test_the_lowest_price_is_highlighted_by_conditional_formatting_over_the_compared_bids(book):
    ws = book["Los 1"]
    rules = {str(cf.sqref): [r.formula for r in cf.rules] for cf in ws.conditional_formatting}
    assert (HOSTILE_COLUMN, BUEROWELT, FIRST_ROW) == (7, 9, 5)  # G and I
    assert rules == {  # the excluded bid (column K) is neither highlighted nor part of the minimum
        "G5:G7": [["AND(ISNUMBER(G5),G5=MIN($G5,$I5))"]],
        "I5:I7": [["AND(ISNUMBER(I5),I5=MIN($G5,$I5))"]],
    }
    rule = next(iter(ws.conditional_formatting)).rules[0]
    assert rule.dxf.fill.fgColor.rgb.endswith("C6EFCE") or rule.dxf.fill.bgColor.rgb.endswith("C6EFCE")


def test_outliers_are_filled_and_bold(book):
    ws = book["Los 1"]
    # position 1.2: 1.95 and 4.50 (the excluded 1.90 does not count): median 3.225, limit 4.8375 → none;
    # position 1.1: 2.9999 and 3.05 → none. Check the fill on a sheet with an outlier below.
    assert not any(ws.cell(r, c).font.b for r in range(FIRST_ROW, FIRST_ROW + 3) for c in (7, 9))
    positions = (PositionInput("a", "1", "A", "St", D("1")),)
    bids = tuple(LotBid(n, f"B{n}", {"a": D(p)}) for n, p in enumerate(("10", "10", "10", "16"), start=1))
    data = build_price_matrix(evaluate_tender([LotInput("1", "L", positions, bids)], Scoring()))
    outlier = openpyxl.load_workbook(io.BytesIO(data))["Los 1"].cell(FIRST_ROW, FIRST_BID_COLUMN + 6)
    assert outlier.value == 16 and outlier.font.b and outlier.fill.fgColor.rgb.endswith("FCD5B4")


def test_user_text_is_text_and_never_a_formula(book, workbook_bytes):
    ws = book["Los 1"]
    hostile = ws.cell(HEADER_ROW_BIDDERS, HOSTILE_COLUMN)
    assert hostile.value == HOSTILE and hostile.data_type == "s" and hostile.quotePrefix
    label = ws.cell(FIRST_ROW + 1, 2)
    assert label.value == "-Ordner breit" and label.data_type == "s" and label.quotePrefix
    assert book["Übersicht"]["B5"].value == "@Tinte" and book["Übersicht"]["B5"].data_type == "s"
    assert b"<f>" not in workbook_bytes  # no formula element anywhere (the workbook is zipped: check the parts)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as parts:
        for name in parts.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in parts.read(name) and b"<f " not in parts.read(name)


def test_the_summary_lists_every_lot_with_the_first_ranked_bid_and_a_total(book):
    ws = book["Übersicht"]
    assert ws["A1"].value == "Preisspiegel – EK-2027-01 – Büro 2027"
    assert [c.value for c in ws[3]][:3] == ["Los", "Bezeichnung", "Positionen"]
    one, two, total = ws[4], ws[5], ws[6]
    assert one[0].value == "1" and one[7].value == "Bürowelt GmbH" and one[8].value == pytest.approx(4306.38)
    assert two[7].value is None and two[10].value == "ja"  # equal totals: an open tie, no first-ranked bid
    assert total[0].value == "Summe" and total[8].value == pytest.approx(4306.38)
    assert ws.auto_filter.ref == "A3:L5"


def test_calamine_reads_the_same_numbers_and_texts(workbook_bytes):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(workbook_bytes))
    assert wb.sheet_names == ["Übersicht", "Los 1", "Los 2"]
    rows = wb.get_sheet_by_name("Los 1").to_python()
    assert rows[HEADER_ROW_BIDDERS - 1][HOSTILE_COLUMN - 1] == HOSTILE
    assert rows[FIRST_ROW - 1][BUEROWELT - 1] == pytest.approx(2.9999)
    assert rows[FIRST_ROW - 1][BUEROWELT] == pytest.approx(3601.38)
    assert rows[FIRST_ROW][1] == "-Ordner breit"


def test_points_rows_appear_when_quality_is_weighted():
    scoring = Scoring(criteria=(("Preis", D(60)), ("Qualität", D(40))), price_method="interpolation")
    data = build_price_matrix(_evaluation(scoring), reference="EK-2027-01")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Los 1"]
    labels = {ws.cell(r, 2).value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    assert {"Preispunkte", "Punkte Qualität", "Punkte gesamt"} <= set(labels)
    # Bürowelt: 60 + 32 = 92; hostile: 60 × (2 − 5125.53 / 4306.38) = 48.59 + 40 = 88.59
    assert ws.cell(labels["Punkte gesamt"], BUEROWELT + 1).value == pytest.approx(92)
    assert ws.cell(labels["Punkte gesamt"], HOSTILE_COLUMN + 1).value == pytest.approx(88.59)
    assert "Interpolationsmethode" in wb["Übersicht"]["A2"].value
