"""The finance exports byte for byte: a fixed dataset with awkward values (thirds, half-cents,
texts starting with "=", "@", "+" or "-", umlauts, semicolons, quotes, a line break) gives exactly
these CSV bytes and these workbook cells, on SQLite and PostgreSQL — in the standard profile and
in profiles that reorder the columns, group thousands, change the delimiter or switch the guard
off. The literals were taken from the export as it was before it was made faster; they pin the
file format that ERP imports are configured against."""
from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from einkauf.exports.finance_profiles import parse_profile
from einkauf.finance.services import prepare_round_export, write_export

from finance_support import NOW, build_finance_world, export

AGS = {"a": "05554004", "b": "05554008", "draft": "05558012"}
BOM = b"\xef\xbb\xbf"
MIXED = parse_profile(
    'title = "Gemischt"\n[format]\nthousands_separator = "."\ndate = "JJJJ-MM-TT"\n[csv]\ndelimiter = "|"\nbom = false\n'
    + "".join(f'[[columns]]\ncolumn = "{c}"\n' for c in (
        "Belegdatum", "Gesamt brutto", "AGS", "Einheit-Code", "Bezeichnung", "Kostenstelle", "Bedarfsabfrage", "Menge",
        "Mitglied", "USt-Satz", "Lieferstelle", "Position", "Einzelpreis netto", "Los-Titel", "USt", "Sachkonto",
        "Gesamt netto", "Los")), "gemischt")
UNGUARDED = parse_profile('[csv]\ndelimiter = "tab"\nformula_guard = false\nheader = false\n'
                          '[[columns]]\ncolumn = "Lieferstelle"\n[[columns]]\ncolumn = "Kostenstelle"\n', "roh")
# csv.writer writes a row of one empty field as "" (an empty line would be no row at all).
ONE_EMPTY_COLUMN = parse_profile('[csv]\nheader = false\n[[columns]]\ncolumn = "Vergabenummer"\n', "leer")


@pytest.fixture
def world(db, make_round, make_member, make_category, make_product):
    world = build_finance_world(db, make_round, make_member, make_category, make_product, ags=AGS)
    a, b = world["members"]["a"], world["members"]["b"]
    # Member and site names are read at export time (joined), so they can be made awkward here.
    a.name = 'Stadt Ahaus; "Kreis" Borken'
    a.delivery_sites[0].name = "Schulamt Münster-Straße\r\nHof 2"
    b.name = "Stadt Bocholt (Müller & Söhne)"
    b.delivery_sites[0].name = "@Rathaus"
    db.flush()
    return world


def cells(ws) -> list[tuple]:
    """Every cell of a sheet as (value, data type, number format), None for an empty cell."""
    return [tuple((c.value, c.data_type, c.number_format) if c.value is not None else None for c in row)
            for row in ws.iter_rows()]


def const_name(sheet: str) -> str:
    return {"Kostenaufteilung": "DETAIL_CELLS", "Summen": "SUMMARY_CELLS", "Info": "INFO_CELLS"}[sheet]


def csv_export(db, world, profile=None) -> bytes:
    prepared = prepare_round_export(db, world["round"].id, now=NOW)
    out = io.BytesIO()
    write_export(db, prepared, "csv", out, **({"profile": profile} if profile else {}))
    return out.getvalue()


def test_the_standard_csv_is_exactly_these_bytes(db, world):
    data, totals, _ = export(db, world, "csv")
    assert data == STANDARD_CSV
    assert (totals.rows, str(totals.net), str(totals.vat), str(totals.gross)) == (10, "539.98", "101.92", "641.90")
    assert totals.by_member_lot == {
        (AGS["a"], 'Stadt Ahaus; "Kreis" Borken', "1", "Papier 2027"): [3, 1177, 224, 1401],
        (AGS["a"], 'Stadt Ahaus; "Kreis" Borken', "2", "Toner 2027"): [2, 9256, 1758, 11014],
        (AGS["a"], 'Stadt Ahaus; "Kreis" Borken', "3", "Lehrmaterial 2027"): [1, 498, 35, 533],
        (AGS["b"], "Stadt Bocholt (Müller & Söhne)", "1", "Papier 2027"): [2, 42999, 8170, 51169],
        (AGS["b"], "Stadt Bocholt (Müller & Söhne)", "2", "Toner 2027"): [1, 2, 0, 2],
        (AGS["b"], "Stadt Bocholt (Müller & Söhne)", "3", "Lehrmaterial 2027"): [1, 66, 5, 71],
    }


@pytest.mark.parametrize(("profile", "expected"), [("MIXED", "MIXED_CSV"), ("UNGUARDED", "UNGUARDED_CSV"),
                                                   ("ONE_EMPTY_COLUMN", "ONE_EMPTY_COLUMN_CSV")])
def test_a_profiles_csv_is_exactly_these_bytes(db, world, profile, expected):
    assert csv_export(db, world, globals()[profile]) == globals()[expected]


def test_a_members_csv_is_exactly_that_members_lines_of_the_whole_export(db, world):
    prepared = prepare_round_export(db, world["round"].id, now=NOW, member_id=world["members"]["b"].id)
    out = io.BytesIO()
    totals = write_export(db, prepared, "csv", out)
    lines = STANDARD_CSV.split(b"\r\n")
    assert out.getvalue() == b"\r\n".join([lines[0]] + [line for line in lines if AGS["b"].encode() in line] + [b""])
    assert (totals.rows, str(totals.net)) == (4, "430.67")


def test_the_workbook_holds_exactly_these_cells(db, world):
    data, _, _ = export(db, world, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == SHEETS
    assert cells(wb["Kostenaufteilung"]) == DETAIL_CELLS
    assert cells(wb["Summen"]) == SUMMARY_CELLS
    placeholders = {world["round"].title: "<title>", world["plan"].fingerprint: "<fingerprint>"}
    assert [tuple((placeholders.get(c[0], c[0]), *c[1:]) if c else c for c in row)
            for row in cells(wb["Info"])] == INFO_CELLS


STANDARD_CSV = (BOM + "\r\n".join([
    'Haushaltsjahr;Mitglied;AGS;Lieferstelle;Kostenstelle;Sachkonto;Vergabenummer;Los;Los-Titel;Position;Artikel-Nr.;Bezeichnung;CPV;Menge;Einheit;Einzelpreis netto;Gesamt netto;USt-Satz;USt;Gesamt brutto;Preisbasis',
    '2027;"Stadt Ahaus; ""Kreis"" Borken";05554004;\'=1+1 Lager;\'-100;0815;;1;Papier 2027;1;P-001-2027;Kopierpapier A4;30192000-1;0,500;Stück;0,33;0,17;19,00;0,03;0,20;Schätzpreis',
    '2027;"Stadt Ahaus; ""Kreis"" Borken";05554004;"Schulamt Münster-Straße',
    'Hof 2";KST-10;0815;;1;Papier 2027;1;P-001-2027;Kopierpapier A4;30192000-1;1,500;Stück;0,33;0,50;19,00;0,10;0,60;Schätzpreis',
    '2027;"Stadt Ahaus; ""Kreis"" Borken";05554004;"Schulamt Münster-Straße',
    'Hof 2";KST-10;5210;;1;Papier 2027;2;P-002-2027;\'@Kopierpapier A3;30192000-1;0,333;Stück;33,33;11,10;19,00;2,11;13,21;Schätzpreis',
    '2027;"Stadt Ahaus; ""Kreis"" Borken";05554004;"Schulamt Münster-Straße',
    'Hof 2";KST-10;5210;;2;Toner 2027;1;T-001-2027;Toner schwarz;30192000-1;7,125;Stück;12,99;92,55;19,00;17,58;110,13;Schätzpreis',
    '2027;"Stadt Ahaus; ""Kreis"" Borken";05554004;\'=1+1 Lager;\'+KST;5210;;2;Toner 2027;2;T-002-2027;"\'=HYPERLINK(""http://example.org"")";30192000-1;0,500;Stück;0,01;0,01;19,00;0,00;0,01;Schätzpreis',
    '2027;"Stadt Ahaus; ""Kreis"" Borken";05554004;"Schulamt Münster-Straße',
    'Hof 2";KST-10;0001;;3;Lehrmaterial 2027;1;L-001-2027;Lehrbuch Mathematik;30192000-1;2,500;Stück;1,99;4,98;7,00;0,35;5,33;Schätzpreis',
    "2027;Stadt Bocholt (Müller & Söhne);05554008;'@Rathaus;4711;0815;;1;Papier 2027;1;P-001-2027;Kopierpapier A4;30192000-1;1000,001;Stück;0,33;330,00;19,00;62,70;392,70;Schätzpreis",
    "2027;Stadt Bocholt (Müller & Söhne);05554008;'@Rathaus;4711;0815;;1;Papier 2027;2;P-002-2027;'@Kopierpapier A3;30192000-1;3,000;Stück;33,33;99,99;19,00;19,00;118,99;Schätzpreis",
    '2027;Stadt Bocholt (Müller & Söhne);05554008;\'@Rathaus;4711;0815;;2;Toner 2027;2;T-002-2027;"\'=HYPERLINK(""http://example.org"")";30192000-1;1,500;Stück;0,01;0,02;19,00;0,00;0,02;Schätzpreis',
    "2027;Stadt Bocholt (Müller & Söhne);05554008;'@Rathaus;4711;0815;;3;Lehrmaterial 2027;1;L-001-2027;Lehrbuch Mathematik;30192000-1;0,333;Stück;1,99;0,66;7,00;0,05;0,71;Schätzpreis",
    '',
]).encode("utf-8"))

MIXED_CSV = ("\r\n".join([
    'Belegdatum|Gesamt brutto|AGS|Einheit-Code|Bezeichnung|Kostenstelle|Bedarfsabfrage|Menge|Mitglied|USt-Satz|Lieferstelle|Position|Einzelpreis netto|Los-Titel|USt|Sachkonto|Gesamt netto|Los',
    '2026-12-01|0,20|05554004|H87|Kopierpapier A4|\'-100|2027|0,500|"Stadt Ahaus; ""Kreis"" Borken"|19,00|\'=1+1 Lager|1|0,33|Papier 2027|0,03|0815|0,17|1',
    '2026-12-01|0,60|05554004|H87|Kopierpapier A4|KST-10|2027|1,500|"Stadt Ahaus; ""Kreis"" Borken"|19,00|"Schulamt Münster-Straße',
    'Hof 2"|1|0,33|Papier 2027|0,10|0815|0,50|1',
    '2026-12-01|13,21|05554004|H87|\'@Kopierpapier A3|KST-10|2027|0,333|"Stadt Ahaus; ""Kreis"" Borken"|19,00|"Schulamt Münster-Straße',
    'Hof 2"|2|33,33|Papier 2027|2,11|5210|11,10|1',
    '2026-12-01|110,13|05554004|H87|Toner schwarz|KST-10|2027|7,125|"Stadt Ahaus; ""Kreis"" Borken"|19,00|"Schulamt Münster-Straße',
    'Hof 2"|1|12,99|Toner 2027|17,58|5210|92,55|2',
    '2026-12-01|0,01|05554004|H87|"\'=HYPERLINK(""http://example.org"")"|\'+KST|2027|0,500|"Stadt Ahaus; ""Kreis"" Borken"|19,00|\'=1+1 Lager|2|0,01|Toner 2027|0,00|5210|0,01|2',
    '2026-12-01|5,33|05554004|H87|Lehrbuch Mathematik|KST-10|2027|2,500|"Stadt Ahaus; ""Kreis"" Borken"|7,00|"Schulamt Münster-Straße',
    'Hof 2"|1|1,99|Lehrmaterial 2027|0,35|0001|4,98|3',
    "2026-12-01|392,70|05554008|H87|Kopierpapier A4|4711|2027|1.000,001|Stadt Bocholt (Müller & Söhne)|19,00|'@Rathaus|1|0,33|Papier 2027|62,70|0815|330,00|1",
    "2026-12-01|118,99|05554008|H87|'@Kopierpapier A3|4711|2027|3,000|Stadt Bocholt (Müller & Söhne)|19,00|'@Rathaus|2|33,33|Papier 2027|19,00|0815|99,99|1",
    '2026-12-01|0,02|05554008|H87|"\'=HYPERLINK(""http://example.org"")"|4711|2027|1,500|Stadt Bocholt (Müller & Söhne)|19,00|\'@Rathaus|2|0,01|Toner 2027|0,00|0815|0,02|2',
    "2026-12-01|0,71|05554008|H87|Lehrbuch Mathematik|4711|2027|0,333|Stadt Bocholt (Müller & Söhne)|7,00|'@Rathaus|1|1,99|Lehrmaterial 2027|0,05|0815|0,66|3",
    '',
]).encode("utf-8"))

UNGUARDED_CSV = (BOM + "\r\n".join([
    '=1+1 Lager\t-100',
    '"Schulamt Münster-Straße',
    'Hof 2"\tKST-10',
    '"Schulamt Münster-Straße',
    'Hof 2"\tKST-10',
    '"Schulamt Münster-Straße',
    'Hof 2"\tKST-10',
    '=1+1 Lager\t+KST',
    '"Schulamt Münster-Straße',
    'Hof 2"\tKST-10',
    '@Rathaus\t4711',
    '@Rathaus\t4711',
    '@Rathaus\t4711',
    '@Rathaus\t4711',
    '',
]).encode("utf-8"))

ONE_EMPTY_COLUMN_CSV = (BOM + "\r\n".join([
    '""',
    '""',
    '""',
    '""',
    '""',
    '""',
    '""',
    '""',
    '""',
    '""',
    '',
]).encode("utf-8"))

SHEETS = ['Kostenaufteilung', 'Summen', 'Info']

DETAIL_CELLS = [
    (('Haushaltsjahr', 's', 'General'), ('Mitglied', 's', 'General'), ('AGS', 's', 'General'), ('Lieferstelle', 's', 'General'), ('Kostenstelle', 's', 'General'), ('Sachkonto', 's', 'General'), ('Vergabenummer', 's', 'General'), ('Los', 's', 'General'), ('Los-Titel', 's', 'General'), ('Position', 's', 'General'), ('Artikel-Nr.', 's', 'General'), ('Bezeichnung', 's', 'General'), ('CPV', 's', 'General'), ('Menge', 's', 'General'), ('Einheit', 's', 'General'), ('Einzelpreis netto', 's', 'General'), ('Gesamt netto', 's', 'General'), ('USt-Satz', 's', 'General'), ('USt', 's', 'General'), ('Gesamt brutto', 's', 'General'), ('Preisbasis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('=1+1 Lager', 's', 'General'), ('-100', 's', 'General'), ('0815', 's', 'General'), None, ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (1, 'n', 'General'), ('P-001-2027', 's', 'General'), ('Kopierpapier A4', 's', 'General'), ('30192000-1', 's', 'General'), (0.5, 'n', '#,##0.000'), ('Stück', 's', 'General'), (0.33, 'n', '#,##0.00 "€"'), (0.17, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (0.03, 'n', '#,##0.00 "€"'), (0.2, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('Schulamt Münster-Straße\r\nHof 2', 's', 'General'), ('KST-10', 's', 'General'), ('0815', 's', 'General'), None, ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (1, 'n', 'General'), ('P-001-2027', 's', 'General'), ('Kopierpapier A4', 's', 'General'), ('30192000-1', 's', 'General'), (1.5, 'n', '#,##0.000'), ('Stück', 's', 'General'), (0.33, 'n', '#,##0.00 "€"'), (0.5, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (0.1, 'n', '#,##0.00 "€"'), (0.6, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('Schulamt Münster-Straße\r\nHof 2', 's', 'General'), ('KST-10', 's', 'General'), ('5210', 's', 'General'), None, ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (2, 'n', 'General'), ('P-002-2027', 's', 'General'), ('@Kopierpapier A3', 's', 'General'), ('30192000-1', 's', 'General'), (0.333, 'n', '#,##0.000'), ('Stück', 's', 'General'), (33.33, 'n', '#,##0.00 "€"'), (11.1, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (2.11, 'n', '#,##0.00 "€"'), (13.21, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('Schulamt Münster-Straße\r\nHof 2', 's', 'General'), ('KST-10', 's', 'General'), ('5210', 's', 'General'), None, ('2', 's', 'General'), ('Toner 2027', 's', 'General'), (1, 'n', 'General'), ('T-001-2027', 's', 'General'), ('Toner schwarz', 's', 'General'), ('30192000-1', 's', 'General'), (7.125, 'n', '#,##0.000'), ('Stück', 's', 'General'), (12.99, 'n', '#,##0.00 "€"'), (92.55, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (17.58, 'n', '#,##0.00 "€"'), (110.13, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('=1+1 Lager', 's', 'General'), ('+KST', 's', 'General'), ('5210', 's', 'General'), None, ('2', 's', 'General'), ('Toner 2027', 's', 'General'), (2, 'n', 'General'), ('T-002-2027', 's', 'General'), ('=HYPERLINK("http://example.org")', 's', 'General'), ('30192000-1', 's', 'General'), (0.5, 'n', '#,##0.000'), ('Stück', 's', 'General'), (0.01, 'n', '#,##0.00 "€"'), (0.01, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (0, 'n', '#,##0.00 "€"'), (0.01, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('Schulamt Münster-Straße\r\nHof 2', 's', 'General'), ('KST-10', 's', 'General'), ('0001', 's', 'General'), None, ('3', 's', 'General'), ('Lehrmaterial 2027', 's', 'General'), (1, 'n', 'General'), ('L-001-2027', 's', 'General'), ('Lehrbuch Mathematik', 's', 'General'), ('30192000-1', 's', 'General'), (2.5, 'n', '#,##0.000'), ('Stück', 's', 'General'), (1.99, 'n', '#,##0.00 "€"'), (4.98, 'n', '#,##0.00 "€"'), (7, 'n', '0.00'), (0.35, 'n', '#,##0.00 "€"'), (5.33, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('@Rathaus', 's', 'General'), ('4711', 's', 'General'), ('0815', 's', 'General'), None, ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (1, 'n', 'General'), ('P-001-2027', 's', 'General'), ('Kopierpapier A4', 's', 'General'), ('30192000-1', 's', 'General'), (1000.001, 'n', '#,##0.000'), ('Stück', 's', 'General'), (0.33, 'n', '#,##0.00 "€"'), (330, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (62.7, 'n', '#,##0.00 "€"'), (392.7, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('@Rathaus', 's', 'General'), ('4711', 's', 'General'), ('0815', 's', 'General'), None, ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (2, 'n', 'General'), ('P-002-2027', 's', 'General'), ('@Kopierpapier A3', 's', 'General'), ('30192000-1', 's', 'General'), (3, 'n', '#,##0.000'), ('Stück', 's', 'General'), (33.33, 'n', '#,##0.00 "€"'), (99.99, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (19, 'n', '#,##0.00 "€"'), (118.99, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('@Rathaus', 's', 'General'), ('4711', 's', 'General'), ('0815', 's', 'General'), None, ('2', 's', 'General'), ('Toner 2027', 's', 'General'), (2, 'n', 'General'), ('T-002-2027', 's', 'General'), ('=HYPERLINK("http://example.org")', 's', 'General'), ('30192000-1', 's', 'General'), (1.5, 'n', '#,##0.000'), ('Stück', 's', 'General'), (0.01, 'n', '#,##0.00 "€"'), (0.02, 'n', '#,##0.00 "€"'), (19, 'n', '0.00'), (0, 'n', '#,##0.00 "€"'), (0.02, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
    (('2027', 's', 'General'), ('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('@Rathaus', 's', 'General'), ('4711', 's', 'General'), ('0815', 's', 'General'), None, ('3', 's', 'General'), ('Lehrmaterial 2027', 's', 'General'), (1, 'n', 'General'), ('L-001-2027', 's', 'General'), ('Lehrbuch Mathematik', 's', 'General'), ('30192000-1', 's', 'General'), (0.333, 'n', '#,##0.000'), ('Stück', 's', 'General'), (1.99, 'n', '#,##0.00 "€"'), (0.66, 'n', '#,##0.00 "€"'), (7, 'n', '0.00'), (0.05, 'n', '#,##0.00 "€"'), (0.71, 'n', '#,##0.00 "€"'), ('Schätzpreis', 's', 'General')),
]

SUMMARY_CELLS = [
    (('Mitglied', 's', 'General'), ('AGS', 's', 'General'), ('Los', 's', 'General'), ('Los-Titel', 's', 'General'), ('Zeilen', 's', 'General'), ('Gesamt netto', 's', 'General'), ('USt', 's', 'General'), ('Gesamt brutto', 's', 'General')),
    (('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (3, 'n', 'General'), (11.77, 'n', '#,##0.00 "€"'), (2.24, 'n', '#,##0.00 "€"'), (14.01, 'n', '#,##0.00 "€"')),
    (('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('2', 's', 'General'), ('Toner 2027', 's', 'General'), (2, 'n', 'General'), (92.56, 'n', '#,##0.00 "€"'), (17.58, 'n', '#,##0.00 "€"'), (110.14, 'n', '#,##0.00 "€"')),
    (('Stadt Ahaus; "Kreis" Borken', 's', 'General'), ('05554004', 's', 'General'), ('3', 's', 'General'), ('Lehrmaterial 2027', 's', 'General'), (1, 'n', 'General'), (4.98, 'n', '#,##0.00 "€"'), (0.35, 'n', '#,##0.00 "€"'), (5.33, 'n', '#,##0.00 "€"')),
    (('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('1', 's', 'General'), ('Papier 2027', 's', 'General'), (2, 'n', 'General'), (429.99, 'n', '#,##0.00 "€"'), (81.7, 'n', '#,##0.00 "€"'), (511.69, 'n', '#,##0.00 "€"')),
    (('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('2', 's', 'General'), ('Toner 2027', 's', 'General'), (1, 'n', 'General'), (0.02, 'n', '#,##0.00 "€"'), (0, 'n', '#,##0.00 "€"'), (0.02, 'n', '#,##0.00 "€"')),
    (('Stadt Bocholt (Müller & Söhne)', 's', 'General'), ('05554008', 's', 'General'), ('3', 's', 'General'), ('Lehrmaterial 2027', 's', 'General'), (1, 'n', 'General'), (0.66, 'n', '#,##0.00 "€"'), (0.05, 'n', '#,##0.00 "€"'), (0.71, 'n', '#,##0.00 "€"')),
    (None, None, None, None, None, None, None, None),
    (('Summe', 's', 'General'), None, None, None, (10, 'n', 'General'), (539.98, 'n', '#,##0.00 "€"'), (101.92, 'n', '#,##0.00 "€"'), (641.9, 'n', '#,##0.00 "€"')),
]

# Updated deliberately for R22 (issue 10, item 5): the Info sheet got the reconciliation per lot
# (annual rows, annual value, term months, annual × years, § 3 VgV value, rounding difference, cause).
INFO_CELLS = [
    (('Kostenaufteilung aus einkauf', 's', 'General'), None, None, None, None, None, None, None, None, None),
    (('Bedarfsabfrage', 's', 'General'), ('2027', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Titel', 's', 'General'), ('<title>', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Vergabenummer', 's', 'General'), ('–', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Mitglieder', 's', 'General'), ('alle Mitglieder', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Erstellt am (deutsche Zeit)', 's', 'General'), (datetime.datetime(2026, 12, 1, 10, 0), 'd', 'DD.MM.YYYY HH:MM'), None, None, None, None, None, None, None, None),
    (('Preisbasis', 's', 'General'), ('Schätzpreis', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Losplan, Version', 's', 'General'), (1, 'n', '0'), None, None, None, None, None, None, None, None),
    (('Losplan, Fingerabdruck (SHA-256)', 's', 'General'), ('<fingerprint>', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Exportprofil', 's', 'General'), ('Standard (alle Spalten) (standard)', 's', 'General'), None, None, None, None, None, None, None, None),
    (('Zeilen (Detail)', 's', 'General'), (10, 'n', '0'), None, None, None, None, None, None, None, None),
    (('Tabellenblätter (Detail)', 's', 'General'), (1, 'n', '0'), None, None, None, None, None, None, None, None),
    (('Mitglieder mit Zeilen', 's', 'General'), (2, 'n', '0'), None, None, None, None, None, None, None, None),
    (('Lose mit Zeilen', 's', 'General'), (3, 'n', '0'), None, None, None, None, None, None, None, None),
    (None, None, None, None, None, None, None, None, None, None),
    (('Kontrollsummen', 's', 'General'), None, None, None, None, None, None, None, None, None),
    (('Summe Gesamt netto', 's', 'General'), (539.98, 'n', '#,##0.00 "€"'), None, None, None, None, None, None, None, None),
    (('Summe USt', 's', 'General'), (101.92, 'n', '#,##0.00 "€"'), None, None, None, None, None, None, None, None),
    (('Summe Gesamt brutto', 's', 'General'), (641.9, 'n', '#,##0.00 "€"'), None, None, None, None, None, None, None, None),
    (('Jahreswert netto laut Losplan', 's', 'General'), (539.98, 'n', '#,##0.00 "€"'), None, None, None, None, None, None, None, None),
    (('Abweichung zum Losplan', 's', 'General'), (0, 'n', '#,##0.00 "€"'), None, None, None, None, None, None, None, None),
    (None, None, None, None, None, None, None, None, None, None),
    (('Alle Summen sind Summen der auf Cent gerundeten Zeilenwerte; die Summen je Mitglied und Los (Blatt „Summen“) ergeben die Summen der Detailzeilen centgenau.', 's', 'General'), None, None, None, None, None, None, None, None, None),
    (None, None, None, None, None, None, None, None, None, None),
    (('Abstimmung je Los: Jahreswerte und Werte über die Laufzeit', 's', 'General'), None, None, None, None, None, None, None, None, None),
    (('Los', 's', 'General'), ('Los-Titel', 's', 'General'), ('Zeilen', 's', 'General'), ('Zeilen netto (Summe, jährlich)', 's', 'General'), ('Jahreswert laut Losplan', 's', 'General'), ('Abweichung', 's', 'General'), ('Laufzeit (Monate)', 's', 'General'), ('Jahreswert × Laufzeit', 's', 'General'), ('Geschätzter Wert (§ 3 VgV)', 's', 'General'), ('Rundungsdifferenz', 's', 'General')),
    (('1', 's', 'General'), ('Papier 2027', 's', 'General'), (5, 'n', 'General'), (441.76, 'n', '#,##0.00 "€"'), (441.76, 'n', '#,##0.00 "€"'), (0, 'n', '#,##0.00 "€"'), (48, 'n', 'General'), (1767.04, 'n', '#,##0.00 "€"'), (1767, 'n', '#,##0.00 "€"'), (-0.04, 'n', '#,##0.00 "€"')),
    (('2', 's', 'General'), ('Toner 2027', 's', 'General'), (3, 'n', 'General'), (92.58, 'n', '#,##0.00 "€"'), (92.58, 'n', '#,##0.00 "€"'), (0, 'n', '#,##0.00 "€"'), (48, 'n', 'General'), (370.32, 'n', '#,##0.00 "€"'), (370.3, 'n', '#,##0.00 "€"'), (-0.02, 'n', '#,##0.00 "€"')),
    (('3', 's', 'General'), ('Lehrmaterial 2027', 's', 'General'), (2, 'n', 'General'), (5.64, 'n', '#,##0.00 "€"'), (5.64, 'n', '#,##0.00 "€"'), (0, 'n', '#,##0.00 "€"'), (48, 'n', 'General'), (22.56, 'n', '#,##0.00 "€"'), (22.55, 'n', '#,##0.00 "€"'), (-0.01, 'n', '#,##0.00 "€"')),
    (('Summe', 's', 'General'), None, (10, 'n', 'General'), (539.98, 'n', '#,##0.00 "€"'), (539.98, 'n', '#,##0.00 "€"'), (0, 'n', '#,##0.00 "€"'), None, (2159.92, 'n', '#,##0.00 "€"'), (2159.85, 'n', '#,##0.00 "€"'), (-0.07, 'n', '#,##0.00 "€"')),
    (None, None, None, None, None, None, None, None, None, None),
    (('Zeilen netto: Summe der Detailzeilen (je Bedarfsposition Menge × Preis, auf Cent gerundet) – ein Jahresbetrag. Jahreswert laut Losplan: der beim Bilden der Lose gespeicherte Jahreswert des Loses; die Abweichung ist 0,00 €.', 's', 'General'), None, None, None, None, None, None, None, None, None),
    (('Jahreswert × Laufzeit: Jahreswert × Laufzeit in Monaten / 12, einmal auf Cent gerundet (bei ganzen Jahren exakt); die Anteile der Mitglieder im Vergabevermerk ergeben zusammen genau diesen Betrag.', 's', 'General'), None, None, None, None, None, None, None, None, None),
    (('Rundungsdifferenz = geschätzter Wert nach § 3 VgV − Jahreswert × Laufzeit in Jahren. Der Wert nach § 3 VgV wird je Position einmal gerundet (Jahresmenge × Schätzpreis × Laufzeit in Jahren); der Jahreswert ist die Summe der je Bedarfsposition auf Cent gerundeten Zeilen (Menge × Schätzpreis) und wird erst danach mit der Laufzeit multipliziert. Die Anteile der Mitglieder und die Finanzexporte beruhen auf dem Jahreswert.', 's', 'General'), None, None, None, None, None, None, None, None, None),
]
