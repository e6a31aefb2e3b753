"""Leistungsverzeichnis / Preisblatt (xlsx for bidders): layout, protection, validation,
formulas, safe text (R12) and no internal prices (R7); LibreOffice computes the totals."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from einkauf.exports.price_sheet import (
    FIRST_ROW,
    HEADER_ROW,
    LAYOUT_VERSION,
    LETTER,
    LOT_HEADERS,
    SHEET_META,
    build_price_sheet,
    sheet_title,
)

from support import soffice as find_soffice
from support_documents import GENERATED_AT, make_lot, make_position, make_tender, with_text

D = Decimal
FORMULA_TEXTS = ('=HYPERLINK("https://evil.example","Klick")', "+49 231 1234", "-Rabatt", "@SUMME(A1)",
                 "\t=1+1", "\r=2+2")


@pytest.fixture(scope="module")
def tender():
    return make_tender()


@pytest.fixture(scope="module")
def data(tender):
    return build_price_sheet(tender, generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def workbook(data):
    return load_workbook(io.BytesIO(data))


def test_sheets_are_guide_bidder_one_per_lot_and_a_hidden_meta_sheet(tender, workbook):
    assert workbook.sheetnames == ["Hinweise", "Bieter", "Los 1", "Los 2", SHEET_META]
    assert [ws.sheet_state for ws in workbook] == ["visible"] * 4 + ["hidden"]
    meta = {row[0]: row[1] for row in workbook[SHEET_META].iter_rows(max_row=8, max_col=2, values_only=True)}
    assert meta["Layout-Version"] == LAYOUT_VERSION
    assert meta["Vergabenummer"] == tender.reference
    assert meta["Spalten"] == "|".join(LOT_HEADERS)
    lots = list(workbook[SHEET_META].iter_rows(min_row=11, values_only=True))
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in lots] == [
        ("Los 1", "1", 3, 5, 7, 8),
        ("Los 2", "2", 1, 5, 5, 6),
    ]


def test_each_position_is_a_row_with_quantities_and_a_stable_key(tender, workbook):
    for lot in tender.lots:
        ws = workbook[f"Los {lot.number}"]
        assert [c.value for c in ws[HEADER_ROW]] == list(LOT_HEADERS)
        assert ws.column_dimensions[LETTER["Schlüssel"]].hidden
        for row, position in enumerate(lot.positions, start=FIRST_ROW):
            values = {h: ws[f"{LETTER[h]}{row}"].value for h in LOT_HEADERS}
            assert values["OZ"] == position.oz and values["Artikel-Nr."] == position.product_number
            assert values["Kurztext"] == position.short_text
            assert D(str(values["Jahresmenge"])) == position.annual_quantity
            assert D(str(values["Höchstmenge Laufzeit"])) == position.maximum_quantity
            assert D(str(values["Geschätzte Menge Laufzeit"])) == position.estimated_quantity
            assert values["Schlüssel"] == f"{lot.number}|{position.product_number}"
            for code in ("OZ", "Artikel-Nr.", "Schlüssel"):
                assert ws[f"{LETTER[code]}{row}"].data_type == "s"


def test_only_prices_offered_products_and_bidder_details_are_unlocked(tender, workbook):
    assert workbook.security.lockStructure
    for ws in workbook:
        assert ws.protection.sheet
    ws = workbook["Los 1"]
    last = FIRST_ROW + len(tender.lots[0].positions) - 1
    for row in ws.iter_rows(min_row=1, max_row=last + 1):
        for cell in row:
            unlocked = cell.row >= FIRST_ROW and cell.row <= last and cell.column_letter in (
                LETTER["Einheitspreis netto (€)"], LETTER["Angebotenes Produkt (Hersteller, Typ)"])
            assert cell.protection.locked is not unlocked, cell.coordinate
    bidder = workbook["Bieter"]
    assert not bidder["B3"].protection.locked and bidder["A3"].protection.locked
    assert bidder["C3"].value == "name" and bidder.column_dimensions["C"].hidden


def test_unit_prices_are_validated_as_decimals_from_zero(tender, workbook):
    ws = workbook["Los 1"]
    price = LETTER["Einheitspreis netto (€)"]
    validations = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    assert len(validations) == 1
    dv = validations[0]
    assert str(dv.sqref) == f"{price}{FIRST_ROW}:{price}{FIRST_ROW + 2}"
    assert dv.operator == "between" and dv.formula1 == "0" and dv.showErrorMessage
    assert "€" in ws[f"{price}{FIRST_ROW}"].number_format


def test_totals_are_formulas(workbook):
    ws = workbook["Los 1"]
    assert ws["J5"].value == '=IF(I5="","",ROUND(H5*I5,2))'
    assert ws["J8"].value == "=SUM(J5:J7)"
    assert ws["I8"].value == "Summe Los 1 netto"


def test_the_workbook_holds_no_reference_price_and_no_estimated_value(tender, workbook):
    internal = {v for lot in tender.lots for p in lot.positions for v in (p.reference_price, p.estimated_value)}
    internal |= {lot.estimated_value for lot in tender.lots} | {tender.estimated_total}
    for ws in workbook:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert D(str(value)) not in internal
                elif isinstance(value, str):
                    assert "Schätz" not in value


def test_it_opens_in_calamine(tender, data):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert "Los 1" in wb.sheet_names
    rows = wb.get_sheet_by_name("Los 2").to_python()
    assert rows[HEADER_ROW - 1][0] == "OZ"
    assert rows[FIRST_ROW - 1][0] == tender.lots[1].positions[0].oz


def test_text_that_looks_like_a_formula_stays_text(tender):
    lot = make_lot("1", [make_position("1", n, short_text=text, specification=text)
                         for n, text in enumerate(FORMULA_TEXTS, start=1)])
    data = build_price_sheet(make_tender([lot], title="=cmd|' /C calc'!A0"), generated_at=GENERATED_AT)
    ws = load_workbook(io.BytesIO(data))["Los 1"]
    for row, text in enumerate(FORMULA_TEXTS, start=FIRST_ROW):
        for column in ("Kurztext", "Leistungsbeschreibung (Mindestanforderungen)"):
            cell = ws[f"{LETTER[column]}{row}"]
            assert cell.data_type == "s"
            assert cell.value == text.lstrip("\t\r")  # leading tab / CR are control characters, removed
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode()
                formulas = re.findall(r"<f>(.*?)</f>", xml)
                assert all(f.startswith(("IF(", "SUM(")) for f in formulas), formulas


def test_illegal_characters_are_removed_and_overlong_text_is_cut(tender):
    spec = "Anforderung " + "x" * 40_000
    data = build_price_sheet(with_text(tender, short_text="Ordner\x00\x07\x1b rot", specification=spec),
                             generated_at=GENERATED_AT)
    ws = load_workbook(io.BytesIO(data))["Los 1"]
    assert ws["C5"].value == "Ordner rot"
    assert len(ws["D5"].value) == 32_767 and ws["D5"].value.endswith("…")


def test_sheet_names_are_short_clean_and_unique():
    used = {"Hinweise", "Bieter", "Meta"}
    assert sheet_title("1", used) == "Los 1"
    assert sheet_title("[3]:*?/\\", used) == "Los 3"
    assert sheet_title("3", used) == "Los 3 (2)"
    assert sheet_title("9" * 40, used) == "Los " + "9" * 27
    assert sheet_title("9" * 40, used) == "Los " + "9" * 23 + " (2)"  # still 31 characters
    assert sheet_title("1", {"LOS 1"}) == "Los 1 (2)"  # Excel compares names case-insensitively
    assert sheet_title("'", set()) == "Los"  # no apostrophe at either end


def test_odd_lot_numbers_give_valid_sheet_and_table_names():
    lots = [make_lot("3.2"), make_lot("3/2", [make_position("3/2", 1)]), make_lot("x" * 40, [make_position("x", 1)])]
    data = build_price_sheet(make_tender(lots), generated_at=GENERATED_AT)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[2:5] == ["Los 3.2", "Los 32", "Los " + "x" * 27]
    assert len({t for ws in wb.worksheets for t in ws.tables}) == 3


def _expected_total(lot, prices) -> Decimal:
    return sum(((p.estimated_quantity * prices[p.oz]).quantize(D("0.01"), rounding=ROUND_HALF_UP)
                for p in lot.positions), D("0.00"))


def test_libreoffice_computes_the_totals_exactly(tender, data, tmp_path):
    soffice = find_soffice()
    # 50 × 17.4949 = 874.745 and 6000 × 2.3451 = 14070.6: half-up at the cent, where binary
    # floating point would round 874.745 down.
    prices = {"1.001": D("2.3451"), "1.002": D("17.4949"), "1.003": D("1234.5678"), "2.001": D("3.125")}
    wb = load_workbook(io.BytesIO(data))
    for lot in tender.lots:
        ws = wb[f"Los {lot.number}"]
        for row, position in enumerate(lot.positions, start=FIRST_ROW):
            ws[f"{LETTER['Einheitspreis netto (€)']}{row}"] = prices[position.oz]
    filled = tmp_path / "preisblatt.xlsx"
    wb.save(filled)
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    'csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1',
                    "--outdir", str(tmp_path), str(filled)], check=True, capture_output=True, timeout=180)
    for lot in tender.lots:
        path = tmp_path / f"preisblatt-Los {lot.number}.csv"
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"))
        total_row = rows[FIRST_ROW - 1 + len(lot.positions)]
        assert total_row[8] == f"Summe Los {lot.number} netto"
        assert D(total_row[9]) == _expected_total(lot, prices)
        for index, position in enumerate(lot.positions):
            expected = (position.estimated_quantity * prices[position.oz]).quantize(D("0.01"), ROUND_HALF_UP)
            assert D(rows[FIRST_ROW - 1 + index][9]) == expected
    assert _expected_total(tender.lots[0], prices) == D("14070.60") + D("874.75") + D("617.28")


def test_the_same_tender_gives_a_workbook_with_the_same_content(tender, data):
    again = build_price_sheet(replace(tender), generated_at=GENERATED_AT)
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(again)) as b:
        # docProps/core.xml: openpyxl stamps the save time as "modified"
        assert ({n: a.read(n) for n in a.namelist() if n != "docProps/core.xml"}
                == {n: b.read(n) for n in b.namelist() if n != "docProps/core.xml"})
