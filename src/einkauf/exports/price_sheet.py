"""Leistungsverzeichnis / Preisblatt (xlsx for bidders): bidders enter one net unit price per
position; the workbook computes position and lot totals. Pure: a TenderDocument in, bytes out.

Sheets, in this order:
- "Hinweise": how to fill in the sheet, in German;
- "Bieter": the bidder's details (column B unlocked; hidden column C holds a field key);
- one sheet per lot, "Los <number>" (sanitised, ≤ 31 characters, unique);
- "Meta" (hidden): format name, layout version, Vergabenummer, and per lot the sheet name and
  its rows — what a later price-sheet import needs to find its way.

Layout of a lot sheet (layout version 1; part of the import format, documented in README):
row 1 title, row 2 notes, row 4 the column headers (an Excel table "LV_Los_<n>" with
autofilter), positions from row 5 in OZ order, then one row with the lot total. Columns:
A OZ · B Artikel-Nr. · C Kurztext · D Leistungsbeschreibung · E Einheit · F Jahresmenge ·
G Höchstmenge Laufzeit · H Geschätzte Menge Laufzeit · I Einheitspreis netto (€) (input) ·
J Positionspreis netto (€) = ROUND(H × I; 2), empty while I is empty · K Angebotenes Produkt
(input) · L Schlüssel (hidden) "<lot number>|<product number>".
The key column, not the row, identifies a position: a re-sorted or edited sheet still matches.

Protection: every sheet is protected without a password (as the demand template, for the same
reasons); only the input cells are unlocked; the workbook structure is locked (no sheets
added, renamed, deleted or unhidden). User text is always written as text, never as a formula
(R12): see einkauf.cells.put_text. No reference prices or estimated values (R7).

Written in openpyxl's write-only mode (streamed rows; one cell object per column and look,
reused row after row, with its style id looked up once): 10,000 positions take a little under
twice as long as writing the bare values (bench/bench_documents.py).
"""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from einkauf.cells import (FixedLookCell, BOLD, FORMULA_TRIGGERS, HEADER_FILL, INPUT_FILL, MAX_CELL_CHARS, PRICE_FORMAT,
                                   TEXT_FORMAT, UNLOCKED, WRAP, protect_sheet, put_text)
from einkauf.exports.tender_data import TenderDocument, TenderLot
from einkauf.exports.text import clean_text, cut_text
from einkauf.formatting import format_date_de
from einkauf.berlin import format_berlin

LAYOUT_VERSION = "1"
FORMAT_NAME = "einkauf-preisblatt"
SHEET_GUIDE = "Hinweise"
SHEET_BIDDER = "Bieter"
SHEET_META = "Meta"
RESERVED_SHEETS = (SHEET_GUIDE, SHEET_BIDDER, SHEET_META)
HEADER_ROW = 4
FIRST_ROW = 5

# (header, width); the order is the column order A, B, C, … and part of the import format.
LOT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("OZ", 10),
    ("Artikel-Nr.", 14),
    ("Kurztext", 34),
    ("Leistungsbeschreibung (Mindestanforderungen)", 60),
    ("Einheit", 14),
    ("Jahresmenge", 13),
    ("Höchstmenge Laufzeit", 14),
    ("Geschätzte Menge Laufzeit", 14),
    ("Einheitspreis netto (€)", 16),
    ("Positionspreis netto (€)", 18),
    ("Angebotenes Produkt (Hersteller, Typ)", 30),
    ("Schlüssel", 18),
)
LOT_HEADERS = tuple(h for h, _w in LOT_COLUMNS)
COL = {h: i + 1 for i, h in enumerate(LOT_HEADERS)}
LETTER = {h: get_column_letter(i) for h, i in COL.items()}
PRICE = "Einheitspreis netto (€)"
TOTAL = "Positionspreis netto (€)"
ESTIMATED = "Geschätzte Menge Laufzeit"
OFFERED = "Angebotenes Produkt (Hersteller, Typ)"
KEY = "Schlüssel"

# Bidder details: (label, field key); the key sits in hidden column C for the import.
BIDDER_FIELDS: tuple[tuple[str, str], ...] = (
    ("Firma (vollständiger Name)", "name"),
    ("Rechtsform", "legal_form"),
    ("Straße und Hausnummer", "street"),
    ("Postleitzahl", "postcode"),
    ("Ort", "city"),
    ("Land", "country"),
    ("Ansprechperson", "contact_name"),
    ("Telefon", "phone"),
    ("E-Mail", "email"),
    ("Umsatzsteuer-Identifikationsnummer", "vat_id"),
    ("Handelsregister (Gericht und Nummer)", "register"),
    ("Bietergemeinschaft (ja/nein; wenn ja: Mitglieder)", "consortium"),
)
BIDDER_FIRST_ROW = 3

UNIT_PRICE_FORMAT = '#,##0.00## "€"'
QUANTITY_FORMATS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
MAX_UNIT_PRICE = "1000000000"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_TABLE_NAME_FORBIDDEN = re.compile(r"[^A-Za-z0-9_]")
TITLE_FONT = Font(bold=True, size=13)
NOTE_FONT = Font(italic=True, color="555555")
TOP = Alignment(vertical="top")


def sheet_title(lot_number: str, used: set[str]) -> str:
    """The sheet name of a lot: "Los <number>", without []:*?/\\, at most 31 characters, no
    apostrophe at either end, unique among `used` (compared case-insensitively, as Excel
    does; a clash gets " (2)", " (3)", …). Adds the name to `used`."""
    base = _SHEET_FORBIDDEN.sub("", f"Los {clean_text(lot_number, multiline=False)}").strip().strip("'").strip()
    base = base[:31] or "Los"
    name, n = base, 1
    taken = {u.casefold() for u in used}
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
    used.add(name)
    return name


def table_name(lot_number: str, used: set[str]) -> str:
    """The Excel table name of a lot's positions, e.g. "LV_Los_3_2" (letters, digits, _)."""
    base = "LV_Los_" + _TABLE_NAME_FORBIDDEN.sub("_", clean_text(lot_number, multiline=False))[:40]
    name, n = base, 1
    while name.casefold() in {u.casefold() for u in used}:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def _text(value: object) -> str:
    """User text as a cell holds it: cleaned, cut to Excel's 32,767 characters with "…"."""
    return cut_text(clean_text(value), MAX_CELL_CHARS)


class _Cells:
    """Cells of a write-only worksheet in a few named looks, defined once per sheet."""

    def __init__(self, ws):
        self.ws = ws
        self._looks: dict[tuple[str, bool], StyleArray] = {}

    def define(self, kind: str, *, font=None, fill=None, alignment=None, number_format=None, unlocked=False):
        cell = WriteOnlyCell(self.ws)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        if unlocked:
            cell.protection = UNLOCKED
        # StyleableObject._style is the cell's style array (openpyxl has no public accessor)
        quoted = Cell(self.ws, style_array=cell._style)  # type: ignore[call-arg,attr-defined]  # a copy
        quoted.quotePrefix = True  # what put_text sets for text that Excel would read as a formula
        self._looks[kind, False] = cell._style  # type: ignore[attr-defined]
        self._looks[kind, True] = quoted._style  # type: ignore[attr-defined]

    def new(self, kind: str, quoted: bool = False) -> FixedLookCell:
        return FixedLookCell(self.ws, self._looks[kind, quoted])

    def text(self, kind: str, value: object) -> FixedLookCell:
        return _put_text(self.new, kind, value)

    def value(self, kind: str, value) -> FixedLookCell:
        cell = self.new(kind)
        cell.value = value
        return cell


class _Column:
    """The cells of one column of streamed rows: one cell per look, reused row after row
    (ws.append writes a row before it returns), instead of a new cell per row."""

    def __init__(self, cells: _Cells):
        self._cells = cells
        self._reused: dict[tuple[str, bool], FixedLookCell] = {}

    def _cell(self, kind: str, quoted: bool = False) -> FixedLookCell:
        cell = self._reused.get((kind, quoted))
        if cell is None:
            cell = self._reused[kind, quoted] = self._cells.new(kind, quoted)
        return cell

    def text(self, kind: str, value: object) -> FixedLookCell:
        return _put_text(self._cell, kind, value)

    def value(self, kind: str, value) -> FixedLookCell:
        cell = self._cell(kind)
        cell.value = value
        return cell


def _put_text(cell_of, kind: str, value: object) -> FixedLookCell:
    """User text (cleaned and cut) in a cell of `kind`, always as text (R12, put_text); the
    cell is the quotePrefix variant of the look exactly where put_text would set it."""
    text = _text(value)
    quoted = text.startswith(FORMULA_TRIGGERS)
    cell = cell_of(kind, quoted)
    if text:
        put_text(cell, text)
        # a reused cell keeps its style id: put_text must not have changed its look
        assert bool(cell.quotePrefix) is quoted, "put_text and the price sheet disagree on quotePrefix"
    else:
        cell.value = None
    return cell


def _quantity_places(value) -> int:
    for places in (0, 1, 2):
        if value == value.quantize(type(value)(1).scaleb(-places)):
            return places
    return 3


def _write_lot(wb: Workbook, title: str, table: str, tender: TenderDocument, lot: TenderLot) -> tuple[int, int]:
    """One lot's sheet; returns (last position row, total row)."""
    ws = wb.create_sheet(title)
    ws.sheet_state = "visible"
    for index, (_header, width) in enumerate(LOT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.column_dimensions[LETTER[KEY]].hidden = True
    ws.freeze_panes = f"C{FIRST_ROW}"
    # In write-only mode the sheet properties are written with the first row: set them first.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    cells = _Cells(ws)
    cells.define("title", font=TITLE_FONT)
    cells.define("note", font=NOTE_FONT)
    cells.define("header", font=BOLD, fill=HEADER_FILL, alignment=WRAP)
    cells.define("code", number_format=TEXT_FORMAT, alignment=TOP)
    cells.define("wrap", alignment=WRAP)
    cells.define("top", alignment=TOP)
    for places, number_format in QUANTITY_FORMATS.items():
        cells.define(f"qty{places}", number_format=number_format, alignment=TOP)
    cells.define("price", number_format=UNIT_PRICE_FORMAT, fill=INPUT_FILL, unlocked=True, alignment=TOP)
    cells.define("offered", number_format=TEXT_FORMAT, fill=INPUT_FILL, unlocked=True, alignment=WRAP)
    cells.define("total", number_format=PRICE_FORMAT, alignment=TOP)
    cells.define("sum_label", font=BOLD)
    cells.define("sum", font=BOLD, number_format=PRICE_FORMAT)

    ws.append([cells.text("title", f"Los {lot.number} – {lot.title}")])
    ws.append([cells.text("note", f"Vergabenummer {tender.reference} · Preise netto in Euro ohne Umsatzsteuer · "
                                  "Mengen über die gesamte Laufzeit einschließlich aller Verlängerungsoptionen · "
                                  "Eingaben nur in den gelb hinterlegten Spalten")])
    ws.append([])
    ws.append([cells.text("header", header) for header in LOT_HEADERS])

    h, i, j = LETTER[ESTIMATED], LETTER[PRICE], LETTER[TOTAL]
    oz, number, short, spec, unit, annual, maximum, estimated, total, key = (_Column(cells) for _n in range(10))
    price, offered = cells.value("price", None), cells.value("offered", None)  # empty input cells, every row
    row = HEADER_ROW
    for position in lot.positions:
        row += 1
        ws.append([
            oz.text("code", position.oz),
            number.text("code", position.product_number),
            short.text("wrap", position.short_text),
            spec.text("wrap", position.specification),
            unit.text("top", position.unit),
            annual.value(f"qty{_quantity_places(position.annual_quantity)}", position.annual_quantity),
            maximum.value(f"qty{_quantity_places(position.maximum_quantity)}", position.maximum_quantity),
            estimated.value(f"qty{_quantity_places(position.estimated_quantity)}", position.estimated_quantity),
            price,
            total.value("total", f'=IF({i}{row}="","",ROUND({h}{row}*{i}{row},2))'),
            offered,
            key.text("code", lot.position_key(position)),
        ])
    last = max(row, FIRST_ROW)
    if row == HEADER_ROW:  # a lot without positions still gets one (empty) table row
        ws.append([])
        row = FIRST_ROW
    total_row = row + 1
    sum_cells: list[FixedLookCell | None] = [None] * len(LOT_COLUMNS)
    sum_cells[COL[PRICE] - 1] = cells.text("sum_label", f"Summe Los {lot.number} netto")
    sum_cells[COL[TOTAL] - 1] = cells.value("sum", f"=SUM({j}{FIRST_ROW}:{j}{last})")
    ws.append(sum_cells)

    prices = DataValidation(type="decimal", operator="between", formula1="0", formula2=MAX_UNIT_PRICE,
                            allow_blank=True, showErrorMessage=True, errorTitle="Einheitspreis",
                            error="Bitte einen Nettopreis in Euro ab 0 eingeben (z. B. 2,35), keine Formel und "
                                  "keinen Text.",
                            showInputMessage=True, promptTitle="Einheitspreis netto",
                            prompt="Preis je Einheit der Spalte E in Euro, ohne Umsatzsteuer.")
    prices.add(f"{i}{FIRST_ROW}:{i}{last}")
    ws.data_validations.append(prices)
    offered_length = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True,
                                    showErrorMessage=True, errorTitle="Zu lang", error="Höchstens 500 Zeichen.")
    offered_length.add(f"{LETTER[OFFERED]}{FIRST_ROW}:{LETTER[OFFERED]}{last}")
    ws.data_validations.append(offered_length)
    lv = Table(displayName=table, ref=f"A{HEADER_ROW}:{get_column_letter(len(LOT_COLUMNS))}{max(row, FIRST_ROW)}")
    # write-only mode cannot read the header cells back: name the table columns here
    lv.tableColumns = [TableColumn(id=n, name=header) for n, header in enumerate(LOT_HEADERS, start=1)]
    lv.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    lv.autoFilter = AutoFilter(ref=lv.ref)  # filter buttons in the header (R12); allowed under protection
    # Worksheet.add_table warns unconditionally in write-only mode ("add table columns
    # manually" — done above); the name is unique by construction (table_name).
    ws._tables.add(lv)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.oddFooter.left.text = f"Preisblatt {_header_safe(tender.reference)} – Los {_header_safe(lot.number)}"
    ws.oddFooter.right.text = "Seite &P von &N"
    protect_sheet(ws)
    return last, total_row


def _header_safe(value: object) -> str:
    """Text for an Excel print header/footer: "&" starts a code there, so it is doubled."""
    return cut_text(clean_text(value, multiline=False), 60).replace("&", "&&")


def _write_guide(wb: Workbook, tender: TenderDocument, lot_sheets: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet(SHEET_GUIDE)
    ws.sheet_state = "visible"
    ws.column_dimensions["A"].width = 110
    cells = _Cells(ws)
    cells.define("title", font=TITLE_FONT, alignment=WRAP)
    cells.define("heading", font=BOLD, alignment=WRAP)
    cells.define("text", alignment=WRAP)
    deadline = format_berlin(tender.submission_deadline)
    lines: list[tuple[str, str]] = [
        ("title", f"Preisblatt {tender.reference} – {tender.title}"),
        ("text", f"{tender.cooperative_name} · {tender.procedure} · Angebotsfrist {deadline} (deutsche Zeit) · "
                 f"Stand {format_date_de(tender.frozen_at.date())}"),
        ("text", ""),
        ("heading", "So füllen Sie das Preisblatt aus"),
        ("text", "1. Tragen Sie im Blatt „Bieter“ Ihre Angaben in die gelb hinterlegten Zellen der Spalte B ein."),
        ("text", "2. Tragen Sie in jedem Losblatt, für das Sie ein Angebot abgeben, in der Spalte „Einheitspreis "
                 "netto (€)“ für jede Position den Preis je Einheit (Spalte „Einheit“) in Euro ohne Umsatzsteuer ein, "
                 "z. B. 2,35. Höchstens vier Nachkommastellen; keine Formeln, kein Text, keine negativen Zahlen."),
        ("text", "3. Der Positionspreis (geschätzte Menge über die Laufzeit × Einheitspreis, kaufmännisch auf Cent "
                 "gerundet) und die Summe des Loses werden berechnet. Gewertet wird die Summe des Loses."),
        ("text", "4. In der Spalte „Angebotenes Produkt“ nennen Sie Hersteller und Typ des angebotenen Artikels."),
        ("text", "5. Bieten Sie für ein Los, dann für alle seine Positionen. Lose, für die Sie nicht bieten, lassen "
                 "Sie vollständig leer."),
        ("text", "6. Bitte nicht ändern: Blattnamen, Spalten, Zeilen, die Texte des Leistungsverzeichnisses, die "
                 "ausgeblendete Spalte „Schlüssel“ und das ausgeblendete Blatt „Meta“. Der Blattschutz hat kein "
                 "Kennwort; er schützt nur vor Versehen. Änderungen am Leistungsverzeichnis führen zum Ausschluss."),
        ("text", "7. Speichern Sie die Datei als Excel-Arbeitsmappe (*.xlsx) und reichen Sie sie mit Ihrem Angebot "
                 "über die Vergabeplattform ein."),
        ("text", ""),
        ("heading", "Lose in dieser Datei"),
    ]
    lines += [("text", f"Blatt „{name}“: {label}") for name, label in lot_sheets]
    for kind, text in lines:
        ws.append([cells.text(kind, text)])
    protect_sheet(ws)


def _write_bidder(wb: Workbook) -> None:
    ws = wb.create_sheet(SHEET_BIDDER)
    ws.sheet_state = "visible"
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].hidden = True
    cells = _Cells(ws)
    cells.define("title", font=TITLE_FONT)
    cells.define("label", font=BOLD, alignment=WRAP)
    cells.define("input", number_format=TEXT_FORMAT, fill=INPUT_FILL, unlocked=True, alignment=WRAP)
    cells.define("key", number_format=TEXT_FORMAT)
    ws.append([cells.text("title", "Angaben zum Bieter")])
    ws.append([])
    for label, key in BIDDER_FIELDS:
        ws.append([cells.text("label", label), cells.value("input", None), cells.text("key", key)])
    last = BIDDER_FIRST_ROW + len(BIDDER_FIELDS) - 1
    length = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="300", allow_blank=True,
                            showErrorMessage=True, errorTitle="Zu lang", error="Höchstens 300 Zeichen.")
    length.add(f"B{BIDDER_FIRST_ROW}:B{last}")
    ws.data_validations.append(length)
    protect_sheet(ws)


META_FINGERPRINT = "Fassung Leistungsverzeichnis"


def positions_fingerprint(positions) -> str:
    """A short SHA-256 over (position key, estimated quantity over the term) in document order:
    equal for every price sheet of the same frozen positions, different for any other version."""
    import hashlib

    digest = hashlib.sha256()
    for key, quantity in positions:
        digest.update(f"{key}\t{Decimal(quantity).quantize(Decimal('0.001'))}\n".encode("utf-8"))
    return digest.hexdigest()[:24]


META_LOT_HEADERS = ("Blatt", "Los", "Positionen", "Erste Zeile", "Letzte Zeile", "Summenzeile", "Tabelle")


def _write_meta(wb: Workbook, tender: TenderDocument, generated_at: datetime,
                lots: list[tuple[str, TenderLot, int, int, str]]) -> None:
    ws = wb.create_sheet(SHEET_META)
    ws.sheet_state = "hidden"
    cells = _Cells(ws)
    cells.define("text", number_format=TEXT_FORMAT)
    cells.define("number")
    rows = [("Format", FORMAT_NAME), ("Layout-Version", LAYOUT_VERSION), ("Vergabenummer", tender.reference),
            ("Titel", tender.title), ("Erstellt am", generated_at.astimezone(UTC).isoformat()),
            ("Kopfzeile", str(HEADER_ROW)), ("Erste Datenzeile", str(FIRST_ROW)),
            ("Spalten", "|".join(LOT_HEADERS))]
    for label, value in rows:
        ws.append([cells.text("text", label), cells.text("text", value)])
    # Row 9 (blank before): the fingerprint of the positions the sheet was made for (issue 13), so
    # that the price-sheet import can refuse a sheet of another version of the tender; the lot
    # table stays where layout version 1 put it.
    ws.append([cells.text("text", META_FINGERPRINT), cells.text("text", positions_fingerprint(
        (lot.position_key(position), position.estimated_quantity) for lot in tender.lots
        for position in lot.positions))])
    ws.append([cells.text("text", h) for h in META_LOT_HEADERS])
    for title, lot, last, total_row, table in lots:
        ws.append([cells.text("text", title), cells.text("text", lot.number),
                   cells.value("number", len(lot.positions)), cells.value("number", FIRST_ROW),
                   cells.value("number", last), cells.value("number", total_row), cells.text("text", table)])
    protect_sheet(ws)


def build_price_sheet(tender: TenderDocument, *, generated_at: datetime | None = None) -> bytes:
    """The Leistungsverzeichnis / Preisblatt of a frozen tender as .xlsx bytes (R7, R12).

    One sheet per lot in lot order; see the module docstring for the layout. `generated_at`
    (aware; default now) is recorded in the Meta sheet and as the workbook's creation time."""
    moment = generated_at or datetime.now(UTC)
    wb = Workbook(write_only=True)
    used = set(RESERVED_SHEETS)
    tables: set[str] = set()
    titles = [(sheet_title(lot.number, used), table_name(lot.number, tables), lot) for lot in tender.lots]
    _write_guide(wb, tender, [(title, f"Los {lot.number} – {clean_text(lot.title, multiline=False)} "
                                      f"({len(lot.positions)} Positionen)") for title, _t, lot in titles])
    _write_bidder(wb)
    written = []
    for title, table, lot in titles:
        last, total_row = _write_lot(wb, title, table, tender, lot)
        written.append((title, lot, last, total_row, table))
    _write_meta(wb, tender, moment, written)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "einkauf"
    wb.properties.title = cut_text(clean_text(f"Preisblatt {tender.reference} – {tender.title}",
                                              multiline=False), 200)
    wb.properties.created = moment.astimezone(UTC).replace(tzinfo=None)
    wb.properties.modified = wb.properties.created
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
