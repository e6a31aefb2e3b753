"""The finance export as an Excel workbook (sheets Kostenaufteilung, Summen, Info; see
einkauf.exports.finance)."""
from __future__ import annotations

import warnings
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any, BinaryIO, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from einkauf.cells import TextCells, excel_text, text_cell
from einkauf.exports.finance import (DETAIL_SHEET, EXCEL_MAX_ROWS, INFO_SHEET, SUMMARY_SHEET, ExportInfo, ExportTotals,
                                     _euro, reconciliation_headers, reconciliation_notes, rows_by_lot)
from einkauf.exports.finance_columns import PLACES, Kind
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, Profile
from einkauf.berlin import BERLIN

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
TOP = Alignment(vertical="top")
TABLE_STYLE = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True, showColumnStripes=False,
                             showFirstColumn=False, showLastColumn=False)
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
INTEGER_FORMAT = "0"
UNIT_PRICE_FORMAT = '#,##0.0000 "€"'

SUMMARY_HEADERS = ("Mitglied", "AGS", "Los", "Los-Titel", "Zeilen", "Gesamt netto", "USt", "Gesamt brutto")

# --- xlsx ------------------------------------------------------------------------------------

def _text_value(index: int, value: Callable[[Any], Any], row: Sequence[Any]) -> Any:
    return value(row[index])


def _constant(cell: Cell, _row: Sequence[Any]) -> Cell:
    return cell


def _styled_cell(ws, number_format: str) -> Cell:
    cell = WriteOnlyCell(ws)
    cell.number_format = number_format
    return cell


class _DetailSheets:
    """The detail rows on as many sheets as they need, each with header, table and frozen pane."""

    def __init__(self, wb: Workbook, profile: Profile, info: ExportInfo | None, rows_per_sheet: int) -> None:
        self.wb = wb
        self.profile = profile
        self.info = info
        self.rows_per_sheet = rows_per_sheet
        self.headers = [_table_header(h) for h in profile.headers]
        self.sheets: list[tuple[Any, int]] = []  # (worksheet, data rows)
        self.ws: Any = None  # the current write-only worksheet
        self.count = 0
        self.row_values: Callable[[Sequence[Any]], list] = lambda row: []

    def _new_sheet(self) -> None:
        if self.ws is not None:
            self.sheets.append((self.ws, self.count))
        number = len(self.sheets) + 1
        title = DETAIL_SHEET if number == 1 else f"{DETAIL_SHEET} {number}"
        ws = self.wb.create_sheet(title)
        ws.freeze_panes = "A2"
        for index, spec in enumerate(self.profile.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = max(spec.column.width, min(len(spec.header) + 2, 40))
        ws.append([_header_cell(ws, h) for h in self.headers])
        self.ws = ws
        self.count = 0
        self.row_values = self._compile(ws)

    def _compile(self, ws) -> Callable[[Sequence[Any]], list]:
        """One function per column turning a row into what openpyxl appends.

        Text goes through a per-sheet TextCells cache; numbers reuse one styled cell per column
        (openpyxl writes a row completely before the next is appended), so a styled value
        costs no more than setting it.
        """
        profile = self.profile
        texts = TextCells(ws)
        getters: list[Callable[[Sequence[Any]], Any]] = []
        for spec in profile.columns:
            column = spec.column
            index = column.index
            if column.kind is Kind.DATE:  # the export's own date, not a row field
                cell = _styled_cell(ws, profile.excel_date_format)
                cell.value = self.info.generated_on if self.info is not None else None
                getters.append(partial(_constant, cell))
                continue
            assert index is not None, column.header  # every other column reads a row field
            if column.kind is Kind.TEXT:
                getters.append(partial(_text_value, index, texts.value))
            elif column.kind is Kind.INTEGER:
                getters.append(itemgetter(index))
            else:
                number_format = {Kind.MONEY: profile.money_format, Kind.QUANTITY: profile.quantity_format,
                                 Kind.PERCENT: profile.percent_format,
                                 Kind.UNIT_PRICE: UNIT_PRICE_FORMAT}[column.kind]
                cell = _styled_cell(ws, number_format)
                places = -PLACES[column.kind]

                def number(row, i=index, cell=cell, places=places):
                    value = row[i]
                    if value is None:  # not priced (a lot not awarded): an empty cell, never 0
                        return None
                    cell.value = Decimal(value).scaleb(places)
                    return cell

                getters.append(number)
        return lambda row: [get(row) for get in getters]

    def append(self, row: Sequence[Any]) -> None:
        if self.ws is None or self.count >= self.rows_per_sheet:
            self._new_sheet()
        self.ws.append(self.row_values(row))
        self.count += 1

    def finish(self) -> int:
        if self.ws is None:
            self._new_sheet()
        self.sheets.append((self.ws, self.count))
        for number, (ws, count) in enumerate(self.sheets, start=1):
            # A table needs one row below its header; an empty export gets an empty one.
            _add_table(ws, f"Kostenaufteilung{number}" if number > 1 else "Kostenaufteilung", self.headers,
                       max(count, 1) + 1)
        return len(self.sheets)


def _table_header(header: str) -> str:
    # Table column names must match their header cells exactly; both get the cleaned text.
    return excel_text(header).strip() or "Spalte"


def _header_cell(ws, header: str) -> Cell:
    cell = text_cell(ws, header)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = TOP
    return cell


def _add_table(ws, name: str, headers: Sequence[str], last_row: int) -> None:
    ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    table = Table(displayName=name, name=name, ref=ref, tableStyleInfo=TABLE_STYLE)
    # Write-only sheets cannot be read back, so the columns are named here (openpyxl would
    # otherwise try to read the header cells); the table brings its own autofilter.
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.autoFilter = AutoFilter(ref=ref)
    with warnings.catch_warnings():
        # openpyxl warns on every table of a write-only sheet; the columns are set above.
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually", UserWarning)
        ws.add_table(table)


def write_finance_xlsx(rows: Iterable[Sequence[Any]], stream: BinaryIO, profile: Profile = DEFAULT_PROFILE,
                       info: ExportInfo | None = None, *, rows_per_sheet: int = EXCEL_MAX_ROWS - 1) -> ExportTotals:
    """Write the detail rows, the member × lot sums and the info sheet as .xlsx to a binary stream.

    `rows_per_sheet` (data rows below the header) exists for tests of the overflow; the default
    fills each sheet to Excel's limit of 1,048,576 rows. Returns the control totals.
    """
    wb = Workbook(write_only=True)
    wb.properties.creator = "einkauf"
    if info is not None:
        wb.properties.title = f"Kostenaufteilung {info.round_code}"[:200]
    detail = _DetailSheets(wb, profile, info, rows_per_sheet)
    totals = ExportTotals()
    add = totals.add
    append = detail.append
    for row in rows:
        add(row)
        append(row)
    totals.sheets = detail.finish()
    _write_summary(wb, profile, totals, rows_per_sheet)
    _write_info(wb, profile, info, totals)
    wb.save(stream)
    return totals


def _write_summary(wb: Workbook, profile: Profile, totals: ExportTotals, rows_per_sheet: int) -> None:
    items = list(totals.by_member_lot.items())
    chunks = [items[i:i + rows_per_sheet] for i in range(0, len(items), rows_per_sheet)] or [[]]
    widths = (28, 11, 7, 26, 9, 16, 14, 16)
    for number, chunk in enumerate(chunks, start=1):
        ws = wb.create_sheet(SUMMARY_SHEET if number == 1 else f"{SUMMARY_SHEET} {number}")
        ws.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.append([_header_cell(ws, h) for h in SUMMARY_HEADERS])
        money = [_styled_cell(ws, profile.money_format) for _ in range(3)]
        for (ags, member, lot, title), (count, net, vat, gross) in chunk:
            for cell, cents in zip(money, (net, vat, gross)):
                cell.value = _euro(cents)
            ws.append([text_cell(ws, member), text_cell(ws, ags), text_cell(ws, lot), text_cell(ws, title), count,
                       *money])
        last = max(len(chunk), 1) + 1
        _add_table(ws, SUMMARY_SHEET if number == 1 else f"{SUMMARY_SHEET}{number}", SUMMARY_HEADERS, last)
        if number == len(chunks):
            ws.append([])
            label = _header_cell(ws, "Summe")
            sums = [_styled_cell(ws, profile.money_format) for _ in range(3)]
            for cell, cents in zip(sums, (totals.net_cents, totals.vat_cents, totals.gross_cents)):
                cell.value = _euro(cents)
                cell.font = HEADER_FONT
            ws.append([label, None, None, None, totals.rows, *sums])


def _write_info(wb: Workbook, profile: Profile, info: ExportInfo | None, totals: ExportTotals) -> None:
    ws = wb.create_sheet(INFO_SHEET)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60

    def line(label: str, value: Any = None, number_format: str | None = None) -> None:
        if isinstance(value, str):
            cell = text_cell(ws, value)
        else:
            cell = WriteOnlyCell(ws, value)
            if number_format:
                cell.number_format = number_format
        ws.append([_header_cell(ws, label), cell])

    ws.append([_header_cell(ws, "Kostenaufteilung aus einkauf")])
    if info is not None:
        line("Bedarfsabfrage", info.round_code)
        line("Titel", info.round_title)
        line("Vergabenummer", info.reference or "–")
        line("Mitglieder", info.member_label)
        line("Erstellt am (deutsche Zeit)", info.generated_at.astimezone(BERLIN).replace(tzinfo=None),
             DATETIME_FORMAT)
        line("Preisbasis", info.price_basis_label)
        if info.plan_version is not None:
            line("Losplan, Version", info.plan_version, INTEGER_FORMAT)
        if info.plan_fingerprint:
            line("Losplan, Fingerabdruck (SHA-256)", info.plan_fingerprint)
    line("Exportprofil", f"{profile.title} ({profile.name})")
    line("Zeilen (Detail)", totals.rows, INTEGER_FORMAT)
    line("Tabellenblätter (Detail)", totals.sheets, INTEGER_FORMAT)
    line("Mitglieder mit Zeilen", totals.members, INTEGER_FORMAT)
    line("Lose mit Zeilen", totals.lots, INTEGER_FORMAT)
    ws.append([])
    ws.append([_header_cell(ws, "Kontrollsummen")])
    line("Summe Gesamt netto", _euro(totals.net_cents), profile.money_format)
    line("Summe USt", _euro(totals.vat_cents), profile.money_format)
    line("Summe Gesamt brutto", _euro(totals.gross_cents), profile.money_format)
    if info is not None and info.plan_net_total is not None:
        awarded = info.price_basis == "awarded"
        line("Jahreswert netto zu Zuschlagspreisen (Verträge)" if awarded else "Jahreswert netto laut Losplan",
             Decimal(info.plan_net_total), profile.money_format)
        line("Abweichung zu den Verträgen" if awarded else "Abweichung zum Losplan",
             totals.net - Decimal(info.plan_net_total), profile.money_format)
    if info is not None and info.price_basis == "awarded":
        line("Zeilen ohne Zuschlagspreis", totals.unpriced_rows, INTEGER_FORMAT)
    ws.append([])
    ws.append([text_cell(ws, "Alle Summen sind Summen der auf Cent gerundeten Zeilenwerte; die Summen je Mitglied "
                             "und Los (Blatt „Summen“) ergeben die Summen der Detailzeilen centgenau.")])
    if info is not None and info.lots:
        _write_reconciliation(ws, profile, info, totals)


def _write_reconciliation(ws, profile: Profile, info: ExportInfo, totals: ExportTotals) -> None:
    """Per lot: the rows' sum against the plan's annual value, that value over the term, the
    estimated value of § 3 VgV and the rounding difference with its cause (R22)."""
    ws.append([])
    member_export = any(lot.term_value is None for lot in info.lots)
    ws.append([_header_cell(ws, "Abstimmung je Los: Jahreswerte und Werte über die Laufzeit")])
    ws.append([_header_cell(ws, h) for h in reconciliation_headers(info.price_basis)])
    by_lot = rows_by_lot(totals)

    def money(value: Decimal | None) -> Cell | None:
        if value is None:
            return None
        cell = WriteOnlyCell(ws)
        cell.value = value
        cell.number_format = profile.money_format
        return cell

    row_count = 0
    sums = [Decimal("0.00")] * 5
    for lot in info.lots:
        rows, cents = by_lot.get(lot.number, (0, 0))
        row_sum = _euro(cents)
        ws.append([text_cell(ws, lot.number), text_cell(ws, lot.title), rows, money(row_sum), money(lot.annual_value),
                   money(row_sum - lot.annual_value), lot.term_months_total, money(lot.annual_term_value),
                   money(lot.term_value), money(lot.rounding_difference)])
        row_count += rows
        for index, value in enumerate((row_sum, lot.annual_value, lot.annual_term_value,
                                       lot.term_value or 0, lot.rounding_difference or 0)):
            sums[index] += value
    row_sum, annual, annual_term, term, difference = sums
    ws.append([_header_cell(ws, "Summe"), None, row_count, money(row_sum), money(annual), money(row_sum - annual), None,
               money(annual_term), None if member_export else money(term),
               None if member_export else money(difference)])
    ws.append([])
    for note in reconciliation_notes(member_export, info):
        ws.append([text_cell(ws, note)])
