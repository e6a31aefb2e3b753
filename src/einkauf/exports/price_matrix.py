"""The Preisspiegel workbook (issue 13, item 4): the evaluation of a tender's bids
(einkauf.bids.evaluation.TenderEvaluation) in, .xlsx bytes out. Pure: openpyxl only, no Flask,
no SQLAlchemy; written in openpyxl's write-only mode (rows are streamed).

Sheets:
- "Übersicht": one row per lot (positions, estimated value, bids, valid bids, lowest lot total,
  the first-ranked bidder and its lot total, its deviation from the estimate, an open tie, the
  abnormally low bids) with a total row, and below it the lot totals and ranks of every bidder
  per lot.
- one sheet per lot ("Los <number>"): title, legend, two header rows (the bidder and its status
  above "Einheitspreis" / "Positionssumme"), one row per position (OZ, Bezeichnung, Einheit,
  Menge über die Laufzeit, Schätzpreis, Schätzwert, then per bid unit price and position
  total), then the lot total, rank, deviations, points and flags per bid.

Every amount is a number with a number format (German display in a German Excel), every text
from users (bidder names, position texts, lot titles, reasons) is written as text and never as
a formula (einkauf.exports.cells.put_text, R12). Panes are frozen below the headers and right of
OZ and Bezeichnung, the header row has an autofilter, the lowest unit price per position is
highlighted by conditional formatting (a formula over the compared bids' columns, so that it
agrees with the evaluation and follows a changed cell), outliers are filled and bold (the
evaluation decides them), and the print setup is landscape, one page wide, with the header
rows repeated and "Seite x von y" in the footer.
"""
from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from einkauf.bids.evaluation import LotEvaluation, TenderEvaluation
from einkauf.exports.cells import (
    BOLD,
    FORMULA_TRIGGERS,
    HEADER_FILL,
    MAX_CELL_CHARS,
    PRICE_FORMAT,
    TEXT_FORMAT,
    FixedLookCell,
    excel_text,
    put_text,
)
from einkauf.tenders.rules import PRICE_METHODS

UNIT_PRICE_FORMAT = '#,##0.00## "€"'
QUANTITY_FORMATS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
PERCENT_FORMAT = '0.00" %"'  # deviations are stored in percent (12.34 = 12.34 %), as the evaluation gives them
POINTS_FORMAT = "0.00"
RANK_FORMAT = "0"
LOWEST_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
LOWEST_FONT = Font(color="006100")
OUTLIER_FILL = PatternFill("solid", fgColor="FCD5B4")
TITLE_FONT = Font(bold=True, size=13)
CENTRE_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="center")
HEADER_ROW_BIDDERS, HEADER_ROW = 3, 4
FIRST_ROW = HEADER_ROW + 1
FIXED_COLUMNS = ("OZ", "Bezeichnung", "Einheit", "Menge (Laufzeit)", "Schätzpreis", "Schätzwert")
FIRST_BID_COLUMN = len(FIXED_COLUMNS) + 1
SUMMARY_HEADERS = ("Los", "Bezeichnung", "Positionen", "Geschätzter Wert", "Angebote", "Wertbare Angebote",
                   "Niedrigste Losgesamtsumme", "Erstplatziertes Angebot", "Losgesamtsumme Erstplatzierter",
                   "Abweichung vom Schätzwert", "Gleichstand offen", "Ungewöhnlich niedrige Angebote")
SUMMARY_WIDTHS = (8, 40, 11, 17, 10, 11, 18, 30, 18, 14, 11, 14)


class _Styles:
    """The looks of one sheet: define each once, then ask for a fresh or a reused cell."""

    def __init__(self, ws):
        self.ws = ws
        self._templates: dict[str, Cell] = {}
        self._reused: dict[tuple[str, int], FixedLookCell] = {}

    def define(self, name: str, *, number_format=None, font=None, fill=None, alignment=None) -> None:
        cell = WriteOnlyCell(self.ws)
        if number_format is not None:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        self._templates[name] = cell
        quoted = WriteOnlyCell(self.ws)
        quoted._style = cell._style.__copy__()  # type: ignore[attr-defined]  # openpyxl has no public accessor
        quoted.quotePrefix = True
        self._templates[name + "!q"] = quoted

    def value(self, name: str, value, column: int | None = None) -> FixedLookCell | None:
        """A cell of look `name` holding a number (None → an empty cell). With `column` the
        cell object is reused for that column, row after row."""
        if value is None:
            return None
        cell = self._cell(name, column)
        cell.value = value
        return cell

    def text(self, name: str, value, column: int | None = None) -> FixedLookCell | None:
        """User text as text, never a formula (put_text); the quotePrefix variant where put_text sets it."""
        text = excel_text(value)
        if not text:
            return None
        cell = self._cell(name + ("!q" if text.startswith(FORMULA_TRIGGERS) else ""), column)
        put_text(cell, text)
        return cell

    def _cell(self, name: str, column: int | None) -> FixedLookCell:
        if column is None:
            return FixedLookCell(self.ws, self._templates[name]._style)  # type: ignore[attr-defined]
        cell = self._reused.get((name, column))
        if cell is None:
            cell = self._reused[name, column] = FixedLookCell(self.ws, self._templates[name]._style)  # type: ignore[attr-defined]
        return cell


def _places(quantity: Decimal) -> int:
    """Decimal places a quantity needs (0 to 3), for its number format."""
    exponent = quantity.normalize().as_tuple().exponent
    return min(3, max(0, -exponent)) if isinstance(exponent, int) else 0


def _sheet_titles(evaluation: TenderEvaluation) -> list[str]:
    """One sheet title per lot: "Los <number>" cleaned of the characters Excel forbids in a sheet
    name, at most 31 characters, unique (case-insensitive) with a running suffix."""
    used = {"übersicht"}
    titles = []
    for lot in evaluation.lots:
        base = "".join("_" if ch in '[]:*?/\\' else ch for ch in excel_text(f"Los {lot.lot.number}"))[:31].strip("'")
        title, n = base or "Los", 2
        while title.casefold() in used:
            suffix = f" ({n})"
            title, n = base[:31 - len(suffix)] + suffix, n + 1
        used.add(title.casefold())
        titles.append(title)
    return titles


def _footer_safe(value: object) -> str:
    return excel_text(value).replace("&", "&&")[:100]


def _print_setup(ws, title_rows: str, footer: str) -> None:
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text = footer
    ws.oddFooter.right.text = "Seite &P von &N"


def _write_summary(wb: Workbook, evaluation: TenderEvaluation, reference: str, title: str,
                   generated_at: datetime | None) -> None:
    ws = wb.create_sheet("Übersicht")
    # write-only: the sheet view and properties are written with the first row, so they come first
    ws.freeze_panes = "C4"
    _print_setup(ws, "3:3", f"Preisspiegel {_footer_safe(reference)} – Übersicht")
    s = _Styles(ws)
    s.define("title", font=TITLE_FONT)
    s.define("text", number_format=TEXT_FORMAT)
    s.define("head", font=BOLD, fill=HEADER_FILL, alignment=CENTRE_WRAP, number_format=TEXT_FORMAT)
    s.define("money", number_format=PRICE_FORMAT)
    s.define("int", number_format=RANK_FORMAT)
    s.define("pct", number_format=PERCENT_FORMAT)
    s.define("sum", number_format=PRICE_FORMAT, font=BOLD)
    s.define("bold", font=BOLD, number_format=TEXT_FORMAT)
    for i, width in enumerate(SUMMARY_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    method = PRICE_METHODS[evaluation.scoring.price_method]
    criteria = "; ".join(f"{name} {weight:f} %" for name, weight in evaluation.scoring.criteria)
    heading = " – ".join(part for part in ("Preisspiegel", reference, title) if part)
    ws.append([s.text("title", heading)])
    info = f"Zuschlagskriterien: {criteria}"
    if not evaluation.scoring.price_only:
        info += f"; Preisumrechnung: {method}"
    if generated_at is not None:
        info += f"; erstellt am {generated_at:%d.%m.%Y %H:%M}"
    ws.append([s.text("text", info)])
    ws.append([s.text("head", header) for header in SUMMARY_HEADERS])
    for row in evaluation.summary:
        ws.append([s.text("text", row.number), s.text("text", row.title), s.value("int", row.positions),
                   s.value("money", row.estimated_value), s.value("int", row.bids), s.value("int", row.valid_bids),
                   s.value("money", row.lowest_total), s.text("text", row.first_bidder or ""),
                   s.value("money", row.first_total), s.value("pct", row.deviation_from_estimate),
                   s.text("text", "ja" if row.first_place_tied else "nein"), s.value("int", row.abnormally_low)])
    last = 3 + len(evaluation.summary)
    ws.auto_filter.ref = f"A3:{get_column_letter(len(SUMMARY_HEADERS))}{max(last, 4)}"
    ws.append([s.text("bold", "Summe"), None, None, s.value("sum", evaluation.estimated_total), None, None, None,
               None, s.value("sum", evaluation.first_total)])

    # Lot totals and ranks per bidder (a bidder = a bid id; named as in its first lot).
    bidders: dict[object, str] = {}
    for lot in evaluation.lots:
        for bid in lot.bids:
            bidders.setdefault(bid.bid_id, bid.bidder)
    order = sorted(bidders, key=lambda b: (bidders[b].casefold(), bidders[b], str(b)))
    if order:
        ws.append([])
        ws.append([s.text("bold", "Losgesamtsummen und Rang je Bieter")])
        ws.append([s.text("head", "Los"), s.text("head", "Bezeichnung"),
                   *[cell for b in order for cell in (s.text("head", bidders[b]), s.text("head", "Rang"))]])
        for lot in evaluation.lots:
            by_id = {bid.bid_id: bid for bid in lot.bids}
            cells = [s.text("text", lot.lot.number), s.text("text", lot.lot.title)]
            for b in order:
                offered = by_id.get(b)
                cells.append(s.value("money", offered.total) if offered is not None else None)
                cells.append(s.value("int", offered.rank) if offered is not None else None)
            ws.append(cells)


def _write_lot(wb: Workbook, sheet_title: str, lot: LotEvaluation, reference: str, outlier_pct: Decimal) -> None:
    ws = wb.create_sheet(sheet_title)
    # write-only: the sheet view and properties are written with the first row, so they come first
    ws.freeze_panes = f"C{FIRST_ROW}"
    _print_setup(ws, f"{HEADER_ROW_BIDDERS}:{HEADER_ROW}",
                 f"Preisspiegel {_footer_safe(reference)} – Los {_footer_safe(lot.lot.number)}")
    s = _Styles(ws)
    s.define("title", font=TITLE_FONT)
    s.define("text", number_format=TEXT_FORMAT)
    s.define("head", font=BOLD, fill=HEADER_FILL, alignment=CENTRE_WRAP, number_format=TEXT_FORMAT)
    s.define("wrap", number_format=TEXT_FORMAT, alignment=Alignment(vertical="top"))
    for places, number_format in QUANTITY_FORMATS.items():
        s.define(f"qty{places}", number_format=number_format)
    s.define("unit", number_format=UNIT_PRICE_FORMAT)
    s.define("outlier", number_format=UNIT_PRICE_FORMAT, fill=OUTLIER_FILL, font=BOLD)
    s.define("money", number_format=PRICE_FORMAT)
    s.define("sum", number_format=PRICE_FORMAT, font=BOLD)
    s.define("pct", number_format=PERCENT_FORMAT)
    s.define("points", number_format=POINTS_FORMAT)
    s.define("int", number_format=RANK_FORMAT, font=BOLD)
    s.define("bold", font=BOLD, number_format=TEXT_FORMAT)
    bids = lot.bids
    last_column = len(FIXED_COLUMNS) + 2 * len(bids)
    for i, width in enumerate((9, 45, 9, 14, 13, 15), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for c in range(FIRST_BID_COLUMN, last_column + 1):
        ws.column_dimensions[get_column_letter(c)].width = 15

    ws.append([s.text("title", f"Preisspiegel Los {lot.lot.number}: {lot.lot.title}")])
    ws.append([s.text("text", "Grün: niedrigster Einheitspreis der Position unter den nicht ausgeschlossenen "
                              f"Angeboten. Orange und fett: Ausreißer, mindestens {outlier_pct:f} % über dem Median "
                              "der Einheitspreise der Position.")])
    ws.append([None] * len(FIXED_COLUMNS) + [cell for bid in bids for cell in
                                               (s.text("head", bid.bidder), s.text("head", bid.status))])
    ws.append([s.text("head", h) for h in FIXED_COLUMNS]
              + [s.text("head", h) for _ in bids for h in ("Einheitspreis", "Positionssumme")])

    for row in lot.rows:
        p = row.position
        cells = [s.text("text", p.oz, 1), s.text("wrap", p.label, 2), s.text("text", p.unit, 3),
                 s.value(f"qty{_places(p.quantity)}", p.quantity, 4), s.value("unit", p.estimated_price, 5),
                 s.value("money", row.estimated_total, 6)]
        column = FIRST_BID_COLUMN
        for cell in row.cells:
            cells.append(s.value("outlier" if cell.outlier else "unit", cell.unit_price, column))
            cells.append(s.value("money", cell.total, column + 1))
            column += 2
        ws.append(cells)
    last_row = HEADER_ROW + len(lot.rows)

    def footer(label: str, values, look: str) -> None:
        cells = [None, s.text("bold", label), None, None, None, None]
        for value in values:
            cells.extend([None, s.value(look, value) if not isinstance(value, str) else s.text("text", value)])
        ws.append(cells)

    ws.append([])
    ws.append([None, s.text("bold", "Losgesamtsumme"), None, None, None, s.value("sum", lot.estimated_value),
               *[c for bid in bids for c in (None, s.value("sum", bid.total))]])
    footer("Rang", [bid.rank for bid in bids], "int")
    footer("Abweichung vom niedrigsten Angebot", [bid.deviation_from_lowest for bid in bids], "pct")
    footer("Abweichung vom Schätzwert", [bid.deviation_from_estimate for bid in bids], "pct")
    if any(bid.score is not None for bid in bids):
        footer("Preispunkte", [bid.price_points for bid in bids], "points")
        for name in dict.fromkeys(n for bid in bids for n, _ in bid.quality_points):
            footer(f"Punkte {name}", [dict(bid.quality_points).get(name) for bid in bids], "points")
        footer("Punkte gesamt", [bid.score for bid in bids], "points")
    footer("Fehlende Preise", [len(bid.missing) if bid.missing else 0 for bid in bids], "int")
    footer("Ungewöhnlich niedrig", ["; ".join(bid.abnormal_reasons) or "nein" for bid in bids], "text")
    if lot.unresolved_ties:
        names = {bid.bid_id: bid.bidder for bid in bids}
        for tie in lot.unresolved_ties:
            ws.append([None, s.text("bold", "Gleichstand, Losentscheid noch nicht erfasst: "
                                    + ", ".join(names[b] for b in tie))])
    for problem in lot.problems:
        ws.append([None, s.text("bold", problem)])

    filter_end = get_column_letter(max(last_column, len(FIXED_COLUMNS)))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{filter_end}{max(last_row, FIRST_ROW)}"
    compared = [FIRST_BID_COLUMN + 2 * i for i, bid in enumerate(bids) if bid.compared]
    if compared and lot.rows:
        letters = [get_column_letter(c) for c in compared]
        minimum = ",".join(f"${letter}{FIRST_ROW}" for letter in letters)
        for letter in letters:
            ws.conditional_formatting.add(
                f"{letter}{FIRST_ROW}:{letter}{last_row}",
                FormulaRule(formula=[f"AND(ISNUMBER({letter}{FIRST_ROW}),{letter}{FIRST_ROW}=MIN({minimum}))"],
                            fill=LOWEST_FILL, font=LOWEST_FONT, stopIfTrue=False))


def build_price_matrix(evaluation: TenderEvaluation, *, reference: str = "", title: str = "",
                       generated_at: datetime | None = None) -> bytes:
    """The Preisspiegel workbook of an evaluated tender (see the module docstring) as .xlsx bytes.

    reference / title: the Vergabenummer and the tender's title for the headings and footers;
    generated_at: a naive local (Berlin) time printed on the summary sheet, or nothing."""
    wb = Workbook(write_only=True)
    _write_summary(wb, evaluation, reference, title, generated_at)
    outlier_pct = (evaluation.scoring.outlier_share * 100).normalize()
    for sheet_title, lot in zip(_sheet_titles(evaluation), evaluation.lots, strict=False):
        _write_lot(wb, sheet_title, lot, reference, outlier_pct)
    wb.properties.title = excel_text(f"Preisspiegel {reference}".strip())[:MAX_CELL_CHARS]
    wb.properties.creator = "einkauf"
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()
