"""The Preisblatt pinned down cell by cell: for a fixed tender, every cell of every sheet (value,
data type, number format, locked, quotePrefix, font, fill, alignment), the validations, the
tables, column widths, hidden columns, panes, print settings and protection are what the
documented layout (README "Price sheet", layout version 1) says. The expectations are written
out here, not computed by the generator's helpers, so that a faster generator has to produce
the same workbook for bidders and for the later import."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from einkauf.exports.price_sheet import build_price_sheet, positions_fingerprint

from support_documents import GENERATED_AT, make_lot, make_position, make_tender

D = Decimal
LONG_SPEC = "Anforderung " + "x" * 40_000
UNIT_PRICE = '#,##0.00## "€"'
PRICE = '#,##0.00 "€"'
HEADERS = ["OZ", "Artikel-Nr.", "Kurztext", "Leistungsbeschreibung (Mindestanforderungen)", "Einheit",
           "Jahresmenge", "Höchstmenge Laufzeit", "Geschätzte Menge Laufzeit", "Einheitspreis netto (€)",
           "Positionspreis netto (€)", "Angebotenes Produkt (Hersteller, Typ)", "Schlüssel"]
WIDTHS = {"A": 10, "B": 14, "C": 34, "D": 60, "E": 14, "F": 13, "G": 14, "H": 14, "I": 16, "J": 18, "K": 30, "L": 18}

# What a cell looks like: font (bold, italic, size), fill colour, alignment (wrap, vertical).
PLAIN = {"font": (False, False, 11), "fill": None, "align": (None, None)}
STYLES = {
    "plain": PLAIN,
    "title": dict(PLAIN, font=(True, False, 13)),
    "title_wrap": dict(PLAIN, font=(True, False, 13), align=(True, "top")),
    "note": dict(PLAIN, font=(False, True, 11)),
    "bold": dict(PLAIN, font=(True, False, 11)),
    "bold_wrap": dict(PLAIN, font=(True, False, 11), align=(True, "top")),
    "header": dict(PLAIN, font=(True, False, 11), fill="00DDE3EA", align=(True, "top")),
    "top": dict(PLAIN, align=(None, "top")),
    "wrap": dict(PLAIN, align=(True, "top")),
    "input": dict(PLAIN, fill="00FFF8DC", align=(None, "top")),
    "input_wrap": dict(PLAIN, fill="00FFF8DC", align=(True, "top")),
}


def cell(value=None, data_type=None, number_format="General", *, locked=True, quote=False, style="plain"):
    if data_type is None:
        data_type = "n" if value is None or isinstance(value, Decimal) else "s"
    return (value, data_type, number_format, locked, quote, STYLES[style])


def seen(c) -> tuple:
    value = c.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = D(str(value)).normalize()
    font = (bool(c.font.b), bool(c.font.i), c.font.sz or 11)
    fill = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
    align = (c.alignment.wrap_text, c.alignment.vertical)
    return (value, c.data_type, c.number_format, c.protection.locked, bool(c.quotePrefix),
            {"font": font, "fill": fill, "align": align})


def position_row(row, oz, number, short, spec, unit, annual, maximum, estimated, key, *, quote=()):
    """The expected cells A…L of one position row; `quote`: columns holding formula-like text."""
    def text(letter, value, number_format="General", style="top"):
        return cell(value, "s", number_format, quote=letter in quote, style=style)

    def qty(value, number_format):
        return cell(D(value).normalize(), "n", number_format, style="top")
    return {
        f"A{row}": text("A", oz, "@"), f"B{row}": text("B", number, "@"), f"C{row}": text("C", short, style="wrap"),
        f"D{row}": text("D", spec, style="wrap"), f"E{row}": text("E", unit),
        f"F{row}": qty(*annual), f"G{row}": qty(*maximum), f"H{row}": qty(*estimated),
        f"I{row}": cell(None, "n", UNIT_PRICE, locked=False, style="input"),
        f"J{row}": cell(f'=IF(I{row}="","",ROUND(H{row}*I{row},2))', "f", PRICE, style="top"),
        f"K{row}": cell(None, "n", "@", locked=False, style="input_wrap"),
        f"L{row}": text("L", key, "@"),
    }


def lot_head(number, title):
    cells = {"A1": cell(f"Los {number} – {title}", style="title"),
             "A2": cell("Vergabenummer EK-2027-001 · Preise netto in Euro ohne Umsatzsteuer · Mengen über die gesamte "
                        "Laufzeit einschließlich aller Verlängerungsoptionen · Eingaben nur in den gelb hinterlegten "
                        "Spalten", style="note")}
    cells.update({f"{chr(65 + i)}4": cell(h, style="header") for i, h in enumerate(HEADERS)})
    return cells


def lot_total(row, number, last):
    return {f"I{row}": cell(f"Summe Los {number} netto", style="bold"),
            f"J{row}": cell(f"=SUM(J5:J{last})", "f", PRICE, style="bold")}


@pytest.fixture(scope="module")
def tender():
    lot_1 = make_lot("1", [
        make_position("1", 1, short_text="=SUMME(A1)", specification="Zeile eins\r\n\r\nZeile  zwei\t Ende ",
                      annual_quantity=D("1500")),
        make_position("1", 2, product_number="007", short_text="#N/A", specification="-Rabatt\x00\x07 möglich",
                      unit="@Karton", annual_quantity=D("12.5")),
        make_position("1", 3, short_text="Gro\u0308ße\u202e blau ", specification=LONG_SPEC, unit="Packung",
                      annual_quantity=D("0.125")),
        make_position("1", 4, short_text="+49 Ordner", specification="\tEinrückung", annual_quantity=D("2.25")),
    ], title="Büromaterial")
    return make_tender([lot_1, make_lot("2", [], title="Leer"),
                        make_lot("3/2", [make_position("3/2", 1, annual_quantity=D("7"))], title="Papier & Co")],
                       title="=cmd|' /C calc'!A0")


@pytest.fixture(scope="module")
def workbook(tender):
    return load_workbook(io.BytesIO(build_price_sheet(tender, generated_at=GENERATED_AT)))


def assert_cells(ws, expected: dict, columns: int) -> None:
    assert ws.max_column == columns and ws.max_row == max(int("".join(filter(str.isdigit, k))) for k in expected)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=columns):
        for c in row:
            assert seen(c) == expected.get(c.coordinate, cell()), c.coordinate


def test_lot_sheet_cells_are_as_documented(workbook):
    cut = "Anforderung " + "x" * 32_754 + "…"
    expected = lot_head("1", "Büromaterial")
    expected |= position_row(5, "1.001", "A-1-0001", "=SUMME(A1)", "Zeile eins\n\nZeile zwei Ende", "Stück",
                             ("1500", "#,##0"), ("7200", "#,##0"), ("6000", "#,##0"), "1|A-1-0001", quote="C")
    expected |= position_row(6, "1.002", "007", "#N/A", "-Rabatt möglich", "@Karton",
                             ("12.5", "#,##0.0"), ("60", "#,##0"), ("50", "#,##0"), "1|007", quote="DE")
    expected |= position_row(7, "1.003", "A-1-0003", "Größe blau", cut, "Packung",
                             ("0.125", "#,##0.000"), ("1", "#,##0"), ("0.5", "#,##0.0"), "1|A-1-0003")
    expected |= position_row(8, "1.004", "A-1-0004", "+49 Ordner", "Einrückung", "Stück",
                             ("2.25", "#,##0.00"), ("11", "#,##0"), ("9", "#,##0"), "1|A-1-0004", quote="C")
    expected |= lot_total(9, "1", 8)
    assert_cells(workbook["Los 1"], expected, 12)


def test_a_lot_without_positions_keeps_one_empty_table_row(workbook):
    assert_cells(workbook["Los 2"], lot_head("2", "Leer") | lot_total(6, "2", 5), 12)
    ws = workbook["Los 2"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["I5", "K5"]
    assert ws.tables["LV_Los_2"].ref == "A4:L5"


def test_lot_sheet_with_an_odd_number(workbook):
    expected = lot_head("3/2", "Papier & Co")
    expected |= position_row(5, "3/2.001", "A-3/2-0001", "Artikel 3/2/1 Größenübersicht",
                             "Mindestanforderungen: schadstoffarm, recyclingfähig, Lieferung frei Verwendungsstelle.",
                             "Stück", ("7", "#,##0"), ("34", "#,##0"), ("28", "#,##0"), "3/2|A-3/2-0001")
    expected |= lot_total(6, "3/2", 5)
    ws = workbook["Los 32"]
    assert_cells(ws, expected, 12)
    assert ws.oddFooter.left.text == "Preisblatt EK-2027-001 – Los 3/2"


def test_lot_sheets_validate_tabulate_hide_freeze_protect_and_print_alike(workbook):
    for name, table, last in (("Los 1", "LV_Los_1", 8), ("Los 2", "LV_Los_2", 5), ("Los 32", "LV_Los_3_2", 5)):
        ws = workbook[name]
        assert ws.sheet_state == "visible"
        assert {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()} == {
            k: (w, k == "L") for k, w in WIDTHS.items()}
        assert ws.freeze_panes == "C5" and ws.print_title_rows == "$4:$4"
        assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == ("landscape", 1, 0)
        assert ws.oddFooter.right.text == "Seite &P von &N"
        assert [dict(dv) | {"formulas": (dv.formula1, dv.formula2)} for dv in ws.data_validations.dataValidation] == [
            {"sqref": f"I5:I{last}" if last > 5 else "I5", "showDropDown": "0", "showInputMessage": "1",
             "showErrorMessage": "1", "allowBlank": "1", "errorTitle": "Einheitspreis",
             "error": "Bitte einen Nettopreis in Euro ab 0 eingeben (z. B. 2,35), keine Formel und keinen Text.",
             "promptTitle": "Einheitspreis netto",
             "prompt": "Preis je Einheit der Spalte E in Euro, ohne Umsatzsteuer.",
             "type": "decimal", "operator": "between", "formulas": ("0", "1000000000")},
            {"sqref": f"K5:K{last}" if last > 5 else "K5", "showDropDown": "0", "showInputMessage": "0",
             "showErrorMessage": "1", "allowBlank": "1", "errorTitle": "Zu lang", "error": "Höchstens 500 Zeichen.",
             "type": "textLength", "operator": "lessThanOrEqual", "formulas": ("500", None)}]
        assert list(ws.tables) == [table]
        lv = ws.tables[table]
        assert (lv.ref, [c.name for c in lv.tableColumns], lv.tableStyleInfo.name,
                lv.tableStyleInfo.showRowStripes) == (f"A4:L{last}", HEADERS, "TableStyleLight1", False)
        assert_protected(ws)


def assert_protected(ws) -> None:
    p = ws.protection
    assert p.sheet and not (p.autoFilter or p.formatColumns or p.selectLockedCells or p.selectUnlockedCells)
    assert p.formatCells and p.insertRows and p.deleteRows and p.sort and p.password is None


def test_guide_sheet(workbook):
    ws = workbook["Hinweise"]
    assert {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()} == {"A": (110, False)}
    lines = [c.value for c in ws["A"]]
    assert len(lines) == 16
    assert lines[:4] == ["Preisblatt EK-2027-001 – =cmd|' /C calc'!A0",
                         "Einkaufskooperation NRW-Städte · Offenes Verfahren (VgV) · Angebotsfrist 15.03.2027, "
                         "12:00 Uhr (deutsche Zeit) · Stand 20.01.2027", None, "So füllen Sie das Preisblatt aus"]
    assert [line[:3] for line in lines[4:11]] == [f"{n}. " for n in range(1, 8)]
    assert lines[11:] == [None, "Lose in dieser Datei", "Blatt „Los 1“: Los 1 – Büromaterial (4 Positionen)",
                          "Blatt „Los 2“: Los 2 – Leer (0 Positionen)",
                          "Blatt „Los 32“: Los 3/2 – Papier & Co (1 Positionen)"]
    styles = ["title_wrap", "wrap", "wrap", "bold_wrap"] + ["wrap"] * 8 + ["bold_wrap"] + ["wrap"] * 3
    assert [seen(c) for c in ws["A"]] == [cell(v, style=s) for v, s in zip(lines, styles, strict=False)]
    assert_protected(ws)


def test_bidder_sheet(workbook):
    ws = workbook["Bieter"]
    assert {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()} == {
        "A": (48, False), "B": (60, False), "C": (13, True)}
    fields = [("Firma (vollständiger Name)", "name"), ("Rechtsform", "legal_form"),
              ("Straße und Hausnummer", "street"), ("Postleitzahl", "postcode"), ("Ort", "city"), ("Land", "country"),
              ("Ansprechperson", "contact_name"), ("Telefon", "phone"), ("E-Mail", "email"),
              ("Umsatzsteuer-Identifikationsnummer", "vat_id"), ("Handelsregister (Gericht und Nummer)", "register"),
              ("Bietergemeinschaft (ja/nein; wenn ja: Mitglieder)", "consortium")]
    expected = {"A1": cell("Angaben zum Bieter", style="title")}
    for row, (label, key) in enumerate(fields, start=3):
        expected |= {f"A{row}": cell(label, style="bold_wrap"),
                     f"B{row}": cell(None, "n", "@", locked=False, style="input_wrap"),
                     f"C{row}": cell(key, "s", "@")}
    assert_cells(ws, expected, 3)
    assert [(str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.allow_blank, dv.showErrorMessage, dv.error)
            for dv in ws.data_validations.dataValidation] == [
        ("B3:B14", "textLength", "lessThanOrEqual", "300", True, True, "Höchstens 300 Zeichen.")]
    assert_protected(ws)


def test_meta_sheet(workbook, tender):
    ws = workbook["Meta"]
    assert ws.sheet_state == "hidden" and not ws.column_dimensions
    header = [("Format", "einkauf-preisblatt"), ("Layout-Version", "1"), ("Vergabenummer", "EK-2027-001"),
              ("Titel", "=cmd|' /C calc'!A0"), ("Erstellt am", "2027-01-21T08:00:00+00:00"), ("Kopfzeile", "4"),
              ("Erste Datenzeile", "5"), ("Spalten", "|".join(HEADERS))]
    expected = {}
    for row, (label, value) in enumerate(header, start=1):
        expected |= {f"A{row}": cell(label, "s", "@"), f"B{row}": cell(value, "s", "@", quote=value[0] == "=")}
    # Row 9 (issue 13): the fingerprint of the positions, which the price-sheet import compares.
    fingerprint = positions_fingerprint((lot.position_key(p), p.estimated_quantity) for lot in tender.lots
                                        for p in lot.positions)
    expected |= {"A9": cell("Fassung Leistungsverzeichnis", "s", "@"), "B9": cell(fingerprint, "s", "@")}
    expected |= {f"{chr(65 + i)}10": cell(h, "s", "@") for i, h in enumerate(
        ("Blatt", "Los", "Positionen", "Erste Zeile", "Letzte Zeile", "Summenzeile", "Tabelle"))}
    for row, values in enumerate((("Los 1", "1", 4, 5, 8, 9, "LV_Los_1"), ("Los 2", "2", 0, 5, 5, 6, "LV_Los_2"),
                                  ("Los 32", "3/2", 1, 5, 5, 6, "LV_Los_3_2")), start=11):
        for column, value in zip("ABCDEFG", values, strict=False):
            expected[f"{column}{row}"] = (cell(value, "s", "@") if isinstance(value, str)
                                          else cell(D(value), "n"))
    assert_cells(ws, expected, 7)
    assert_protected(ws)


def test_workbook_order_structure_lock_and_properties(workbook):
    assert workbook.sheetnames == ["Hinweise", "Bieter", "Los 1", "Los 2", "Los 32", "Meta"]
    assert workbook.security.lockStructure
    assert (workbook.properties.creator, workbook.properties.title, workbook.properties.created.isoformat()) == (
        "einkauf", "Preisblatt EK-2027-001 – =cmd|' /C calc'!A0", "2027-01-21T08:00:00")


def test_lot_tables_have_filter_buttons_and_sheets_print_one_page_wide(workbook):
    lot_sheets = [ws for ws in workbook.worksheets if ws.title.startswith("Los ")]
    assert lot_sheets
    for ws in lot_sheets:
        (table,) = ws.tables.values()
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.protection.autoFilter is False  # filtering stays allowed on the protected sheet
