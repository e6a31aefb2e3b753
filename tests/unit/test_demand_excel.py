"""The demand template and its reader as pure functions: plain data in, bytes out, bytes in,
rows and German problems out (R12, R13). Workbooks are generated at run time."""
from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import defusedxml
import openpyxl
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from einkauf.demand import excel_layout, excel_reader
from einkauf.demand.excel_layout import SheetLine
from einkauf.demand.excel_reader import Problem, decimal_from_float, quantity_from_cell, read_upload
from einkauf.demand.excel_writer import CatalogueItem, TemplateInfo, build_template
from einkauf.demand.upload_checks import UploadLimits

UTC = UTC
INFO = TemplateInfo(
    round_code="2027",
    round_title="Bedarfsabfrage 2027",
    deadline=datetime(2027, 1, 31, 11, tzinfo=UTC),
    member_ags="05913000",
    member_name="Dortmund",
    generated_at=datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
)
CATALOGUE = [
    CatalogueItem("Büromaterial", "BM-0001", "Kugelschreiber, blau", "Stück", Decimal("0.45")),
    CatalogueItem("Büromaterial", "00042", "Ordner A4, 8 cm", "Stück", Decimal("2.10")),
    CatalogueItem("Papier", "PA-0001", "Kopierpapier A4, 80 g", "Packung", Decimal("4.99")),
]
SITES = ["Rathaus", "Schulamt"]
FIRST_EXTRA = 2 + 4 + 1  # header, 4 catalogue rows (BM-0001 has two lines), heading row

# Rows of the catalogue part when BM-0001 has two lines: 2, 3 (BM-0001), 4 (00042), 5 (PA-0001).
LINES = [
    SheetLine("BM-0001", Decimal("12"), "Rathaus", "0815", "=SUMME(A1)", "+49 231 1234"),
    SheetLine("BM-0001", Decimal("2.5"), "Schulamt"),
]


def template(lines=LINES, sites=SITES, catalogue=CATALOGUE, info=INFO, extra_rows=5) -> bytes:
    return build_template(info, catalogue, lines, sites, extra_rows=extra_rows)


def edit(data: bytes, change) -> bytes:
    """Open the workbook like a user would, change it, save it."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fill(data: bytes, values: dict[str, object], sheet: str = "Bedarf") -> bytes:
    def change(wb):
        for ref, value in values.items():
            wb[sheet][ref].value = value

    return edit(data, change)


def read(data: bytes, **kwargs):
    return read_upload(
        data, round_code=kwargs.pop("round_code", "2027"), member_ags=kwargs.pop("member_ags", "05913000"), **kwargs
    )


def messages(result) -> list[str]:
    return [str(p) for p in result.problems]


# --- the template --------------------------------------------------------------------------------

def test_the_template_has_instructions_demand_info_and_a_hidden_list_sheet():
    wb = load_workbook(io.BytesIO(template()))
    assert wb.sheetnames == ["Anleitung", "Bedarf", "Info", "Listen"]
    assert [wb[n].sheet_state for n in wb.sheetnames] == ["visible", "visible", "visible", "hidden"]
    assert wb.security.lockStructure  # no unhiding, adding or deleting sheets by accident


def test_every_sheet_is_protected_without_a_password():
    wb = load_workbook(io.BytesIO(template()))
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    assert not wb["Bedarf"].protection.autoFilter  # filtering stays allowed


def test_the_demand_sheet_has_stable_headers_a_frozen_header_row_and_an_autofilter():
    ws = load_workbook(io.BytesIO(template()))["Bedarf"]
    assert [c.value for c in ws[1]] == ["Warengruppe", "Artikel-Nr.", "Kurztext", "Einheit", "Schätzpreis netto (€)",
                                        "Menge", "Lieferstelle", "Kostenstelle", "Sachkonto", "Bemerkung", "Schlüssel"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:K{FIRST_EXTRA + 4}"
    assert ws.column_dimensions["K"].hidden
    assert ws.column_dimensions["C"].width > ws.column_dimensions["F"].width


def test_catalogue_columns_are_locked_and_the_input_columns_unlocked():
    ws = load_workbook(io.BytesIO(template()))["Bedarf"]
    for row in (2, 4, FIRST_EXTRA):
        for col in "FGHIJ":
            assert not ws[f"{col}{row}"].protection.locked, f"{col}{row}"
        for col in "ACDEK":
            assert ws[f"{col}{row}"].protection.locked, f"{col}{row}"
    assert ws["B4"].protection.locked  # a catalogue row's article number
    assert not ws[f"B{FIRST_EXTRA}"].protection.locked  # the rows for additional lines take one


def test_codes_are_written_as_text_and_stay_text_in_openpyxl_and_calamine():
    data = template()
    ws = load_workbook(io.BytesIO(data))["Bedarf"]
    assert (ws["B4"].value, ws["B4"].data_type, ws["B4"].number_format) == ("00042", "s", "@")
    assert (ws["H2"].value, ws["H2"].data_type, ws["H2"].number_format) == ("0815", "s", "@")
    assert ws["I4"].number_format == "@"  # what the user types into a code column stays text
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Bedarf").to_python()
    assert rows[3][1] == "00042"
    assert rows[1][7] == "0815"
    assert rows[1][4] == pytest.approx(0.45)  # prices are numbers
    assert load_workbook(io.BytesIO(data))["Info"]["B4"].value == "05913000"


def test_the_members_lines_are_prefilled_one_row_per_line():
    ws = load_workbook(io.BytesIO(template()))["Bedarf"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=5)]
    assert rows[0] == ["Büromaterial", "BM-0001", "Kugelschreiber, blau", "Stück", 0.45, 12, "Rathaus", "0815",
                       "=SUMME(A1)", "+49 231 1234", "BM-0001#1"]
    assert (rows[1][1], rows[1][5], rows[1][6], rows[1][10]) == ("BM-0001", 2.5, "Schulamt", "BM-0001#2")
    assert (rows[2][1], rows[2][5], rows[2][10]) == ("00042", None, "00042#1")  # no lines: one empty row
    assert (rows[3][1], rows[3][0], rows[3][10]) == ("PA-0001", "Papier", "PA-0001#1")


def test_additional_rows_follow_the_catalogue_with_their_own_keys():
    ws = load_workbook(io.BytesIO(template(extra_rows=3)))["Bedarf"]
    assert "Zusätzliche Positionen" in ws[f"A{FIRST_EXTRA - 1}"].value
    assert [ws[f"K{FIRST_EXTRA + i}"].value for i in range(3)] == ["#1", "#2", "#3"]
    assert ws.max_row == FIRST_EXTRA + 2


def test_lines_of_products_no_longer_in_the_catalogue_are_kept_in_the_additional_rows():
    ws = load_workbook(io.BytesIO(template(lines=[SheetLine("ALT-1", Decimal("3"), "Rathaus")], extra_rows=2)))[
        "Bedarf"
    ]
    assert (ws[f"B{FIRST_EXTRA - 1}"].value, ws[f"F{FIRST_EXTRA - 1}"].value) == ("ALT-1", 3)
    assert ws.max_row == FIRST_EXTRA - 1 + 2  # the extra rows are still all free


def test_quantity_and_delivery_site_have_data_validation_from_the_hidden_list():
    wb = load_workbook(io.BytesIO(template()))
    validations = {dv.type: dv for dv in wb["Bedarf"].data_validations.dataValidation}
    quantity = validations["decimal"]
    assert (quantity.operator, quantity.formula1) == ("greaterThanOrEqual", "0")
    assert "F2" in quantity.sqref
    site_lists = [dv for dv in validations.values() if dv.type == "list"]
    assert {dv.formula1 for dv in wb["Bedarf"].data_validations.dataValidation if dv.type == "list"} == {
        "Lieferstellen", "Artikelnummern"}
    assert site_lists
    assert wb.defined_names["Lieferstellen"].attr_text == "Listen!$A$2:$A$3"
    assert [wb["Listen"]["A2"].value, wb["Listen"]["A3"].value] == SITES


def test_many_long_delivery_site_names_still_get_a_drop_down_list():
    sites = [f"Grundschule am langen Weg Nummer {i}" for i in range(40)]  # far beyond 255 characters
    wb = load_workbook(io.BytesIO(template(sites=sites)))
    assert wb.defined_names["Lieferstellen"].attr_text == "Listen!$A$2:$A$41"


def test_a_member_without_delivery_sites_gets_no_broken_list():
    wb = load_workbook(io.BytesIO(template(sites=[], lines=[])))
    assert "Lieferstellen" not in wb.defined_names
    assert "keine" in "\n".join(str(c.value) for c in wb["Anleitung"]["A"] if c.value)


def test_user_text_that_looks_like_a_formula_is_written_as_text():
    data = template()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets
    ws = load_workbook(io.BytesIO(data))["Bedarf"]
    assert (ws["I2"].value, ws["I2"].data_type, ws["I2"].quotePrefix) == ("=SUMME(A1)", "s", True)
    assert (ws["J2"].value, ws["J2"].data_type, ws["J2"].quotePrefix) == ("+49 231 1234", "s", True)
    assert not ws["G2"].quotePrefix


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_trigger_is_neutralised(text):
    ws = load_workbook(io.BytesIO(template(lines=[SheetLine("BM-0001", Decimal(1), "Rathaus", note=text)])))[
        "Bedarf"
    ]
    assert ws["J2"].data_type == "s" and ws["J2"].quotePrefix
    assert ws["J2"].value == text


def test_characters_excel_cannot_store_are_removed_and_long_text_is_cut():
    catalogue = [CatalogueItem("Büro\x00\x07", "BM-0001", "Stift\x1b mit Kappe" + "x" * 40_000, "Stück", Decimal(1))]
    ws = load_workbook(io.BytesIO(template(catalogue=catalogue, lines=[])))["Bedarf"]
    assert ws["A2"].value == "Büro"
    assert ws["C2"].value.startswith("Stift mit Kappe") and len(ws["C2"].value) == 32_767


def test_the_instructions_explain_units_decimal_comma_deadline_and_replacement():
    wb = load_workbook(io.BytesIO(template()))
    text = "\n".join(str(c.value) for c in wb["Anleitung"]["A"] if c.value)
    for phrase in ("Einheit", "Dezimalkomma", "31.01.2027, 12:00 Uhr", "ersetzt alle bisherigen Positionen",
                   "leerer Menge werden ignoriert", "Rathaus, Schulamt", "kein Kennwort"):
        assert phrase in text, phrase


def test_the_info_sheet_names_round_member_deadline_and_creation_time():
    ws = load_workbook(io.BytesIO(template()))["Info"]
    info = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(2, 9)}
    assert info["Bedarfsabfrage"] == "2027"
    assert info["AGS"] == "05913000" and info["Mitglied"] == "Dortmund"
    assert info["Abgabefrist"].startswith("31.01.2027, 12:00 Uhr")
    assert info["Erstellt am"].startswith("01.12.2026, 09:30 Uhr")


# --- reading ---------------------------------------------------------------------------------

def test_an_untouched_template_gives_back_its_prefilled_lines():
    result = read(template())
    assert result.ok, messages(result)
    assert [(r.row, r.key, r.product_number, r.quantity, r.delivery_site) for r in result.rows] == [
        (2, "BM-0001#1", "BM-0001", Decimal("12"), "Rathaus"), (3, "BM-0001#2", "BM-0001", Decimal("2.5"), "Schulamt")]
    assert (result.rows[0].cost_centre, result.rows[0].budget_account, result.rows[0].note) == (
        "0815", "=SUMME(A1)", "+49 231 1234")  # text that looks like a formula comes back as it was


def test_filled_quantities_are_read_and_empty_quantities_ignored():
    data = fill(template(), {"F4": 7, "G4": "Rathaus", "F5": "1.234,5", "G5": "Schulamt", "H5": 4711,
                             "F2": None, "G3": "Rathaus", "F3": None, "J3": "nur eine Notiz"})
    result = read(data)
    assert result.ok, messages(result)
    assert [(r.product_number, r.quantity, r.delivery_site, r.cost_centre) for r in result.rows] == [
        ("00042", Decimal("7"), "Rathaus", ""), ("PA-0001", Decimal("1234.5"), "Schulamt", "4711")]


def test_additional_rows_take_the_article_number_from_column_b():
    data = fill(template(), {f"B{FIRST_EXTRA}": "PA-0001", f"F{FIRST_EXTRA}": 3, f"G{FIRST_EXTRA}": "Schulamt",
                             f"B{FIRST_EXTRA + 1}": "BM-0001"})  # a number without a quantity is no line
    rows = [r for r in read(data).rows if r.key.startswith("#")]
    assert [(r.row, r.product_number, r.quantity) for r in rows] == [(FIRST_EXTRA, "PA-0001", Decimal(3))]


def test_an_additional_row_with_a_quantity_but_no_article_number_is_an_error():
    result = read(fill(template(), {f"F{FIRST_EXTRA}": 3}))
    assert messages(result) == [f"Blatt „Bedarf“, Zeile {FIRST_EXTRA}, Spalte B (Artikel-Nr.): Bitte geben Sie die "
                                "Artikel-Nr. an (oder leeren Sie die Menge)."]


def test_every_error_names_sheet_row_and_column_in_german():
    data = fill(template(), {"F4": -3, "F5": "viel", "H2": True})
    assert messages(read(data)) == [
        "Blatt „Bedarf“, Zeile 2, Spalte H (Kostenstelle): Bitte Text eingeben, nicht WAHR oder FALSCH.",
        "Blatt „Bedarf“, Zeile 4, Spalte F (Menge): Die Menge darf nicht negativ sein.",
        "Blatt „Bedarf“, Zeile 5, Spalte F (Menge): „viel“ ist keine Menge. Bitte eine Zahl wie 12 oder 2,5 eintragen.",
    ]


def test_a_problem_without_location_is_just_its_message():
    assert str(Problem("Die Datei ist leer.")) == "Die Datei ist leer."
    assert str(Problem("x", "Info", 3, "B")) == "Blatt „Info“, Zeile 3, Spalte B: x"


def test_formulas_are_errors_not_values():
    data = fill(template(), {"F4": "=2*3", "J2": "=HYPERLINK(\"http://x\",\"klick\")"})
    assert messages(read(data)) == [
        "Blatt „Bedarf“, Zeile 2, Spalte J (Bemerkung): Formeln sind nicht erlaubt – bitte tragen Sie Werte ein (in "
        "Excel: Kopieren und „Inhalte einfügen › Werte“).",
        "Blatt „Bedarf“, Zeile 4, Spalte F (Menge): Formeln sind nicht erlaubt – bitte tragen Sie Werte ein (in "
        "Excel: Kopieren und „Inhalte einfügen › Werte“).",
    ]


def test_a_file_for_another_member_is_refused_as_a_whole():
    result = read(template(), member_ags="05914000")
    assert messages(result) == [
        "Blatt „Info“, Zeile 4, Spalte B: Die Datei gehört zu einem anderen Mitglied (AGS "
        "05913000). Sie können nur den Bedarf Ihres eigenen Mitglieds (AGS 05914000) hochladen."
    ]
    assert result.rows == []


def test_a_file_for_another_round_is_refused_as_a_whole():
    assert "gehört zur Bedarfsabfrage „2027“, nicht zu „2028“" in messages(read(template(), round_code="2028"))[0]


def test_wrong_headers_are_named_by_column():
    data = fill(template(), {"F1": "Anzahl", "G1": None})
    assert messages(read(data)) == [
        "Blatt „Bedarf“, Zeile 1, Spalte F (Menge): Überschrift „Menge“ erwartet, gefunden: „Anzahl“. Bitte Spalten "
        "nicht verschieben, umbenennen oder löschen.",
        "Blatt „Bedarf“, Zeile 1, Spalte G (Lieferstelle): Überschrift „Lieferstelle“ erwartet, gefunden: leer. Bitte "
        "Spalten nicht verschieben, umbenennen oder löschen.",
    ]


@pytest.mark.parametrize("sheet", ["Bedarf", "Info"])
def test_a_missing_sheet_is_named(sheet):
    data = edit(template(), lambda wb: wb.remove(wb[sheet]))
    assert messages(read(data)) == [f"Das Blatt „{sheet}“ fehlt. Bitte laden Sie die Vorlage in einkauf herunter und "
                                    "füllen Sie diese aus."]


def test_a_hidden_extra_sheet_is_refused():
    def add_hidden(wb):
        wb.create_sheet("Nebenrechnung").sheet_state = "hidden"

    assert messages(read(edit(template(), add_hidden))) == [
        "Blatt „Nebenrechnung“: Das ausgeblendete Blatt „Nebenrechnung“ gehört nicht zur Vorlage. Bitte entfernen Sie "
        "es oder verwenden Sie die Vorlage aus einkauf."]


def test_merged_cells_are_refused_with_their_position():
    data = edit(template(), lambda wb: wb["Bedarf"].merge_cells("F4:G4"))
    assert messages(read(data)) == ["Blatt „Bedarf“, Zeile 4, Spalte F (Menge): Verbundene Zellen (F4:G4) sind nicht "
                                    "erlaubt. Bitte heben Sie die Verbindung auf."]


def test_duplicate_keys_are_refused():
    data = fill(template(), {"K4": "BM-0001#1", "F4": 1})
    assert messages(read(data)) == ["Blatt „Bedarf“, Zeile 4, Spalte K (Schlüssel): Der Schlüssel „BM-0001#1“ kommt "
                                    "doppelt vor (auch in Zeile 2). Bitte kopieren Sie keine Zeilen; nutzen Sie die "
                                    "„Zusätzlichen Positionen“."]


def test_a_filled_row_without_key_and_a_changed_article_number_are_refused():
    data = fill(template(), {"K4": None, "F4": 1, "B5": "PA-9999", "F5": 2})
    found = messages(read(data))
    assert found[0].startswith("Blatt „Bedarf“, Zeile 4, Spalte K (Schlüssel): Die Zeile hat keinen Schlüssel")
    assert found[1].startswith("Blatt „Bedarf“, Zeile 5, Spalte B (Artikel-Nr.): Die Artikel-Nr. wurde geändert "
                               "(„PA-9999“ statt „PA-0001“)")


def test_content_outside_the_template_columns_is_refused():
    assert messages(read(fill(template(), {"L4": "Summe"}))) == [
        "Blatt „Bedarf“, Zeile 4, Spalte L: Inhalte außerhalb der Spalten der Vorlage sind nicht erlaubt."]


def test_rows_beyond_the_row_cap_are_refused():
    data = fill(template(), {"F60": 1, "K60": "#99"})
    assert messages(read(data, limits=UploadLimits(max_rows=50))) == [
        "Blatt „Bedarf“, Zeile 51: Das Blatt reicht bis Zeile 60; gelesen werden höchstens 50 Zeilen. Bitte löschen "
        "Sie die Zeilen unterhalb der Vorlage."]


def test_a_far_away_row_is_refused_without_reading_the_gap():
    data = fill(template(), {"F1048000": 1, "K1048000": "#1"})
    started = time.perf_counter()
    result = read(data)
    assert time.perf_counter() - started < 5
    assert result.rows == []
    assert messages(result) == ["Blatt „Bedarf“, Zeile 25001: Das Blatt reicht bis Zeile 1.048.000; gelesen werden "
                                "höchstens 25.000 Zeilen. Bitte löschen Sie die Zeilen unterhalb der Vorlage."]


@pytest.mark.parametrize("chunk", [7, 64, 4096])
def test_the_raw_scan_counts_rows_and_finds_merges_across_chunk_borders(chunk):
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"/></row><row><c/></row><x:row spans="1:2"/>'
           b'<row r="40" ht="20"/><row/></sheetData><mergeCells count="2"><mergeCell ref="F4:G4"/>'
           b"<mergeCell ref='B9'/></mergeCells><rowBreaks/></worksheet>")
    pieces = [xml[i:i + chunk] for i in range(0, len(xml), chunk)]
    scan = excel_reader.scan_sheet_xml(pieces)
    assert scan.last_row == 41
    assert scan.merged == [("F4", "G4"), ("B9", "B9")]


def _set_dimension(data: bytes, ref: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                body, n = re.subn(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), body)
                assert n == 1
            dst.writestr(info.filename, body)
    return out.getvalue()


def test_a_forged_dimension_does_not_hide_rows():
    data = fill(template(), {"F5": 9, "G5": "Rathaus"})
    result = read(_set_dimension(data, "A1:A1"))
    assert result.ok and [r.product_number for r in result.rows] == ["BM-0001", "BM-0001", "PA-0001"]


def test_a_stale_huge_dimension_does_not_inflate_the_sheet():
    started = time.perf_counter()
    result = read(_set_dimension(template(), "A1:XFD1048576"))
    assert result.ok and len(result.rows) == 2
    assert time.perf_counter() - started < 5


def _replace_sheet(data: bytes, body: bytes, name: str = "xl/worksheets/sheet2.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, body if info.filename == name else src.read(info))
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
%s<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def test_a_billion_laughs_sheet_is_refused_early_with_a_german_message():
    result = read(_replace_sheet(template(), BILLION_LAUGHS % b""))
    assert len(result.problems) == 1 and "DOCTYPE" in str(result.problems[0])


def test_defusedxml_guards_openpyxl_when_the_doctype_hides_behind_a_long_prolog():
    # Whitespace after the XML declaration pushes the DOCTYPE past our own early check, so
    # this exercises the parser: openpyxl must use defusedxml and refuse the entities.
    data = _replace_sheet(template(), BILLION_LAUGHS % (b"\n" * 10_000))
    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(ValueError) as raised:
        load_workbook(io.BytesIO(data), read_only=True)
    assert isinstance(raised.value.__cause__, defusedxml.EntitiesForbidden)
    started = time.perf_counter()
    result = read(data)
    assert time.perf_counter() - started < 5
    assert messages(result) == [excel_reader.UNREADABLE]


def test_uploads_are_refused_when_openpyxl_would_parse_without_defusedxml(monkeypatch):
    import xml.etree.ElementTree as stdlib

    from openpyxl.worksheet import _reader

    assert excel_reader.xml_is_defused()
    monkeypatch.setattr(_reader, "iterparse", stdlib.iterparse)
    assert not excel_reader.xml_is_defused()
    assert messages(read(template())) == [excel_reader.NOT_DEFUSED]


def test_an_external_entity_is_not_resolved():
    xxe = (b'<?xml version="1.0"?>' + b" " * 5000 + b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           b'<c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')
    result = read(_replace_sheet(template(), xxe))
    assert messages(result) == [excel_reader.UNREADABLE]
    assert "root:" not in messages(result)[0]


def test_the_number_of_reported_problems_is_capped():
    values = {}
    for row in range(2, 2 + 1200):
        values[f"F{row}"] = "x"
        values[f"K{row}"] = f"#{row}"
    result = read(fill(template(extra_rows=0), values))
    assert len(result.problems) == excel_layout.MAX_PROBLEMS + 1
    assert "nach 1000 Fehlern abgebrochen" in str(result.problems[-1])


def test_unreadable_bytes_give_a_message_not_an_exception():
    data = _replace_sheet(template(), b"<worksheet><sheetData><row r='1'><c r='A1'")
    assert messages(read(data)) == [excel_reader.UNREADABLE]


# --- quantities ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (5, Decimal(5)),
    (2.5, Decimal("2.5")),
    (0.001, Decimal("0.001")),
    (3.3000000000000003, Decimal("3.3")),  # binary noise of a pasted calculation
    (0.1 + 0.2, Decimal("0.3")),
    (999999999.999, Decimal("999999999.999")),
    ("1.234,5", Decimal("1234.5")),
    ("1234,5", Decimal("1234.5")),
    ("1234.5", Decimal("1234.5")),
    ("1.250", Decimal("1250")),  # a dot before three digits groups thousands, as in the web forms
    (" 7\u00a0", Decimal(7)),
    ("2,125", Decimal("2.125")),
    (-0.0, Decimal(0)),
    (None, None),
    ("  ", None),
])
def test_quantities_are_read_exactly(value, expected):
    assert quantity_from_cell(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    (float("nan"), "keine gültige Zahl"),
    (float("inf"), "keine gültige Zahl"),
    (-1, "nicht negativ"),
    ("-1", "nicht negativ"),
    (1.2345, "höchstens 3 Nachkommastellen"),
    ("1,2345", "höchstens 3 Nachkommastellen"),
    ("abc", "keine Menge"),
    ("1e3", "keine Menge"),
    ("١٢", "keine Menge"),
    (True, "nicht WAHR oder FALSCH"),
    (datetime(2027, 1, 1), "Datum"),
    ("=1+2", "Formeln sind nicht erlaubt"),
    (1e300, "unrealistisch groß"),
])
def test_unusable_quantities_are_explained(value, message):
    with pytest.raises(ValueError, match=message):
        quantity_from_cell(value)


def test_a_formula_cell_is_never_a_quantity_even_with_a_cached_number():
    with pytest.raises(ValueError, match="Formeln"):
        quantity_from_cell("=A1", "f")


def test_floats_keep_up_to_three_places_and_refuse_more():
    assert decimal_from_float(12.125) == Decimal("12.125")
    assert decimal_from_float(1.0000000000000002) == Decimal("1")
    assert decimal_from_float(0.12345) == Decimal("0.12345")  # left for the check to refuse
