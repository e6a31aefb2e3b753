"""The finance export (Kostenaufteilung): every member's share per lot position, delivery site, cost
centre and budget account, as an Excel workbook or a CSV file for ERP imports (issue 6, R1, R12).

Pure generators: rows in (FinanceRow tuples, streamed — never a list of a million rows), bytes
out to a binary stream; no Flask, no SQLAlchemy. `einkauf.exports.finance_service` runs the
row query and calls them; views and the CLI only send or save the result.

Workbook (openpyxl write-only, so memory stays flat):
- "Kostenaufteilung": the detail rows as an Excel table (header frozen, autofilter), codes as
  text, amounts as numbers with a euro format. A sheet holds 1,048,576 rows; further rows
  continue on "Kostenaufteilung 2", "Kostenaufteilung 3", … each with its header and table —
  nothing is ever cut off.
- "Summen": one row per member × lot (in the order the rows arrive) with the sums of the
  detail rows in cents, so they equal the detail sums exactly; then a total row.
- "Info": round, tender reference, generated at, price basis, profile, row count and control
  totals for reconciliation.

CSV: the profile's delimiter (default ";"), decimal comma, UTF-8 with BOM, CRLF, quoting per
RFC 4180 (csv.QUOTE_MINIMAL with doubled quotes), dates as TT.MM.JJJJ, the same columns. The
CSV writer reads the rows in a compact form (FinanceLines: member, site and position by key,
their texts prepared once per key) and writes exactly the bytes csv.writer writes for the full
rows; `write_finance_csv` takes FinanceRow tuples and keys them by their own values.
"""
from __future__ import annotations

import csv
import io
import itertools
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from einkauf.exports.cells import FORMULA_TRIGGERS, TextCells, excel_text, text_cell
from einkauf.exports.finance_columns import FIELD_INDEX, PLACES, Kind
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, Profile
from einkauf.lots.rules import ROUNDING_CAUSE
from einkauf.rounds.timing import BERLIN

EXCEL_MAX_ROWS = 1_048_576
DETAIL_SHEET = "Kostenaufteilung"
SUMMARY_SHEET = "Summen"
INFO_SHEET = "Info"
PRICE_BASIS_LABELS = {"estimated": "Schätzpreis", "awarded": "Zuschlagspreis"}

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
TOP = Alignment(vertical="top")
TABLE_STYLE = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True, showColumnStripes=False,
                             showFirstColumn=False, showLastColumn=False)
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
INTEGER_FORMAT = "0"

SUMMARY_HEADERS = ("Mitglied", "AGS", "Los", "Los-Titel", "Zeilen", "Gesamt netto", "USt", "Gesamt brutto")


@dataclass(frozen=True)
class LotValues:
    """One lot of the reconciliation (R22), from einkauf.lots.rules.lot_money: the annual value
    (the lot's, or in one member's export that member's annual share), the term in months,
    the annual value over the term (annual × years; a member's term share), and the lot's
    estimated value of § 3 VgV — None in one member's export, which reconciles that member's
    share only."""

    number: str
    title: str
    annual_value: Decimal
    term_months_total: int
    annual_term_value: Decimal
    term_value: Decimal | None = None

    @property
    def rounding_difference(self) -> Decimal | None:
        return None if self.term_value is None else self.term_value - self.annual_term_value


@dataclass(frozen=True)
class ExportInfo:
    """What the export is of; printed on the Info sheet (and used for the Belegdatum column)."""

    round_code: str
    round_title: str
    generated_at: datetime  # aware
    price_basis: str = "estimated"
    reference: str = ""
    member_label: str = "alle Mitglieder"
    plan_version: int | None = None
    plan_fingerprint: str = ""
    # The plan's annual net total for the same selection, to reconcile against (R1); None if unknown.
    plan_net_total: Decimal | None = None
    # Per lot: annual and term values for the reconciliation of the rows (R22); () if unknown.
    lots: tuple[LotValues, ...] = ()

    @property
    def generated_on(self) -> date:
        return self.generated_at.astimezone(BERLIN).date()

    @property
    def price_basis_label(self) -> str:
        return PRICE_BASIS_LABELS.get(self.price_basis, self.price_basis)


@dataclass
class ExportTotals:
    """Control totals of an export, in the stored scaled integers (exact)."""

    rows: int = 0
    net_cents: int = 0
    vat_cents: int = 0
    gross_cents: int = 0
    sheets: int = 0
    # (AGS, member, lot number, lot title) → [rows, net, vat, gross] in the order the rows came.
    by_member_lot: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict)

    @property
    def net(self) -> Decimal:
        return _euro(self.net_cents)

    @property
    def vat(self) -> Decimal:
        return _euro(self.vat_cents)

    @property
    def gross(self) -> Decimal:
        return _euro(self.gross_cents)

    @property
    def members(self) -> int:
        return len({key[0] for key in self.by_member_lot})

    @property
    def lots(self) -> int:
        return len({key[2] for key in self.by_member_lot})

    def add(self, row: Sequence[Any]) -> None:
        net, vat, gross = row[_NET], row[_VAT], row[_GROSS]
        self.rows += 1
        self.net_cents += net
        self.vat_cents += vat
        self.gross_cents += gross
        key = (row[_AGS], row[_MEMBER], row[_LOT], row[_LOT_TITLE])
        sums = self.by_member_lot.get(key)
        if sums is None:
            self.by_member_lot[key] = [1, net, vat, gross]
        else:
            sums[0] += 1
            sums[1] += net
            sums[2] += vat
            sums[3] += gross


_NET, _VAT, _GROSS = FIELD_INDEX["net_cents"], FIELD_INDEX["vat_cents"], FIELD_INDEX["gross_cents"]
_AGS, _MEMBER = FIELD_INDEX["ags"], FIELD_INDEX["member_name"]
_LOT, _LOT_TITLE = FIELD_INDEX["lot_number"], FIELD_INDEX["lot_title"]


def _euro(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def scaled_decimal(value: int, places: int) -> Decimal:
    """An exact Decimal from a stored scaled integer (1234, 2 → Decimal('12.34'))."""
    return Decimal(value).scaleb(-places)


def fiscal_year(round_code: str, deadline: datetime) -> str:
    """The budget year (Haushaltsjahr) of a round's contracts.

    The round code when it is a four-digit year ("2027"); otherwise the year after the year of
    the deadline in German time — demand is collected in the year before it is bought.
    """
    code = (round_code or "").strip()
    if len(code) == 4 and code.isascii() and code.isdigit():
        return code
    return str(deadline.astimezone(BERLIN).year + 1)


def download_name(round_code: str, member_ags: str | None, extension: str, *, reference: str = "") -> str:
    """The file name of a download, set by us (never from user input) and ASCII only:
    Kostenaufteilung_2027.xlsx, Kostenaufteilung_2027_05111000.csv."""
    def safe(text: str) -> str:
        return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in text)[:40]

    parts = ["Kostenaufteilung", safe(reference or round_code)]
    if member_ags:
        parts.append(safe(member_ags))
    return "_".join(parts) + "." + extension


# --- CSV -------------------------------------------------------------------------------------

# The compact form the CSV writer reads (FinanceLines): a line names its member, delivery site
# and lot position by a key and carries only its own values; the texts of members, sites and
# positions are looked up, guarded, formatted and quoted once per key instead of once per row.
MEMBER_FIELDS = ("member_name", "ags")
SITE_FIELDS = ("delivery_site",)
POSITION_FIELDS = ("lot_number", "lot_title", "position", "product_number", "short_text", "cpv_code", "unit",
                   "unit_price_cents", "vat_rate_hundredths", "unit_code")
EXPORT_FIELDS = ("fiscal_year", "reference", "price_basis", "round_code")
# The values of a line after its three keys, in this order.
LINE_FIELDS = ("cost_centre", "budget_account", "quantity_thousandths", "net_cents", "vat_cents", "gross_cents")
_LINE_SLOT = {name: 3 + i for i, name in enumerate(LINE_FIELDS)}  # str.format argument of each line value
_ENTITY_FIELDS = ((0, MEMBER_FIELDS), (1, SITE_FIELDS), (2, POSITION_FIELDS))
_BATCH_LINES = 2000  # lines joined into one write
_REMEMBERED_TEXTS = 100_000  # distinct cost centres and budget accounts whose CSV text is kept


@dataclass(frozen=True)
class FinanceLines:
    """The detail rows of one export in compact form.

    `lines` yields (member key, site key, position key, *LINE_FIELDS) in export order; the
    mappings give each key's values in the order of MEMBER_FIELDS, SITE_FIELDS and
    POSITION_FIELDS; `export` holds the values of EXPORT_FIELDS, the same for every row.
    """

    lines: Iterable[Sequence[Any]]
    members: Mapping[Hashable, Sequence[Any]]
    sites: Mapping[Hashable, Sequence[Any]]
    positions: Mapping[Hashable, Sequence[Any]]
    export: Sequence[Any]


class _KeyIsValue(dict):
    """A mapping from values to themselves (the keys of finance_lines are the values)."""

    def __missing__(self, key):
        return key


def finance_lines(rows: Iterable[Sequence[Any]]) -> FinanceLines:
    """FinanceRow tuples in compact form, each member, site and position keyed by its own values.

    Raises ValueError if the export-wide fields (fiscal year, reference, price basis, round)
    differ between rows: one export is of one round or tender.
    """
    rows = iter(rows)
    first = next(rows, None)
    export_values = itemgetter(*(FIELD_INDEX[f] for f in EXPORT_FIELDS))
    constants = export_values(first) if first is not None else ("",) * len(EXPORT_FIELDS)
    member = itemgetter(*(FIELD_INDEX[f] for f in MEMBER_FIELDS))
    position = itemgetter(*(FIELD_INDEX[f] for f in POSITION_FIELDS))
    site, line = FIELD_INDEX["delivery_site"], itemgetter(*(FIELD_INDEX[f] for f in LINE_FIELDS))

    def lines() -> Iterator[tuple]:
        if first is None:
            return
        for row in itertools.chain((first,), rows):
            if export_values(row) != constants:
                raise ValueError("Die Zeilen eines Finanzexports gehören zu einer Bedarfsabfrage "
                                 "(Haushaltsjahr, Vergabenummer, Preisbasis und Code sind in jeder Zeile gleich).")
            yield (member(row), (row[site],), position(row), *line(row))

    return FinanceLines(lines(), _KeyIsValue(), _KeyIsValue(), _KeyIsValue(), constants)


def _scaled_formatter(places: int, decimal: str, thousands: str) -> Callable[[int], str]:
    """Format a stored scaled integer as a decimal string, exactly (123456, 2 → "1234,56")."""
    unit = 10 ** places
    # The decimal part from a table: half the time of padding and slicing the digits (measured).
    fractions = [decimal + str(i).rjust(places, "0") for i in range(unit)]

    def fmt(value: int) -> str:
        if value < 0:
            return "-" + fmt(-value)
        return str(value // unit) + fractions[value % unit]

    if not thousands:
        return fmt

    def grouped(value: int) -> str:
        if value < 0:
            return "-" + grouped(-value)
        whole, fraction = divmod(value, 10 ** places)
        return f"{whole:,}".replace(",", thousands) + decimal + str(fraction).rjust(places, "0")

    return grouped


def _guarded(value: str) -> str:
    """OWASP CSV injection guard: text that a spreadsheet would run as a formula gets a leading '."""
    return "'" + value if value and value.startswith(FORMULA_TRIGGERS) else value


class _CsvFields:
    """The CSV text of single values exactly as csv.writer writes them in a row (RFC 4180 quoting
    of the profile's dialect), with the formula guard and number formats of the profile."""

    def __init__(self, profile: Profile) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, **_dialect(profile))
        self._cut = len(profile.delimiter) + 2  # the empty second field and CRLF
        self._guard = profile.formula_guard
        self.numbers = {kind: _scaled_formatter(places, profile.decimal_separator, profile.thousands_separator)
                        for kind, places in PLACES.items()}

    def quoted(self, value: Any) -> str:
        """One value as csv.writer writes it between delimiters."""
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        # A second, empty field: csv.writer writes a row of one empty field as "" (see _line_writer).
        self._writer.writerow([value, ""])
        return buffer.getvalue()[:-self._cut]

    def text(self, value: Any, kind: Kind) -> str:
        """A value of a column of this kind: guarded if text, formatted if a scaled number."""
        if kind is Kind.TEXT:
            return self.quoted(_guarded(value) if self._guard else value)
        if kind in PLACES:
            return self.quoted(self.numbers[kind](value))
        return self.quoted(value)


def _dialect(profile: Profile) -> dict[str, Any]:
    return {"delimiter": profile.delimiter, "quotechar": '"', "doublequote": True, "quoting": csv.QUOTE_MINIMAL,
            "lineterminator": "\r\n"}


def _line_writer(profile: Profile, info: ExportInfo | None, export: Sequence[Any], fields: _CsvFields):
    """The profile's columns compiled into one str.format template per line, and the runs of
    adjacent columns that each member, site and position fills (pre-formatted once per key).

    The template's arguments: 0 member runs, 1 site runs, 2 position runs (tuples of CSV
    texts), then the CSV texts of the LINE_FIELDS. Export-wide values are part of the template.
    """
    pieces: list[str] = []
    runs: tuple[list[list[tuple[int, Kind]]], ...] = ([], [], [])
    previous_entity = None
    for spec in profile.columns:
        column = spec.column
        entity = None
        if column.kind is Kind.DATE:
            text = fields.quoted(info.generated_on.strftime(profile.strftime) if info is not None else "")
            pieces.append(text.replace("{", "{{").replace("}", "}}"))
        elif column.field in EXPORT_FIELDS:
            text = fields.text(export[EXPORT_FIELDS.index(column.field)], column.kind)
            pieces.append(text.replace("{", "{{").replace("}", "}}"))
        elif column.field in _LINE_SLOT:
            pieces.append(f"{{{_LINE_SLOT[column.field]}}}")
        else:
            entity, names = next((e, names) for e, names in _ENTITY_FIELDS if column.field in names)
            member = (names.index(column.field), column.kind)
            if entity == previous_entity:
                runs[entity][-1].append(member)
            else:
                pieces.append(f"{{{entity}[{len(runs[entity])}]}}")
                runs[entity].append([member])
        previous_entity = entity
    template = profile.delimiter.join(pieces) + "\r\n"
    line: Callable[..., str] = template.format
    if len(profile.columns) == 1:
        # csv.writer writes a row of one empty field as "" (an empty line would be no row at all).
        def one_field_line(*args: Any, fmt: Callable[..., str] = template.format) -> str:
            text = fmt(*args)
            return text if text != "\r\n" else '""\r\n'

        line = one_field_line

    def entity_runs(entity: int) -> Callable[[Sequence[Any]], tuple[str, ...]]:
        delimiter, text = profile.delimiter, fields.text
        return lambda values: tuple(delimiter.join(text(values[i], kind) for i, kind in run) for run in runs[entity])

    return line, entity_runs(0), entity_runs(1), entity_runs(2)


def write_finance_csv(rows: Iterable[Sequence[Any]], stream: BinaryIO, profile: Profile = DEFAULT_PROFILE,
                      info: ExportInfo | None = None) -> ExportTotals:
    """Write the detail rows (FinanceRow tuples) as CSV to a binary stream; return the control totals.

    RFC 4180: fields with the delimiter, a quote, CR or LF are quoted, quotes doubled, lines end
    with CRLF. UTF-8 with BOM unless the profile says otherwise. The stream is left open.
    """
    return write_finance_csv_lines(finance_lines(rows), stream, profile, info)


def write_finance_csv_lines(data: FinanceLines, stream: BinaryIO, profile: Profile = DEFAULT_PROFILE,
                            info: ExportInfo | None = None) -> ExportTotals:
    """The same from the compact form: the bytes are exactly those csv.writer writes for the rows.

    Per line only the line's own values are formatted (quantity and amounts; cost centre and
    budget account through a cache); everything else is text prepared once per member, site and
    position. The control totals are summed per member × lot while the rows arrive in that order
    (the export's sort), so a row costs a comparison and four additions.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig" if profile.bom else "utf-8", newline="")
    try:
        if profile.header_row:
            csv.writer(text, **_dialect(profile)).writerow(profile.headers)
        fields = _CsvFields(profile)
        line, member_runs, site_runs, position_runs = _line_writer(profile, info, data.export, fields)
        quantity, money = fields.numbers[Kind.QUANTITY], fields.numbers[Kind.MONEY]
        members, sites, positions = data.members, data.sites, data.positions
        member_texts: dict[Hashable, tuple[str, ...]] = {}
        site_texts: dict[Hashable, tuple[str, ...]] = {}
        position_texts: dict[Hashable, tuple[tuple[str, ...], tuple]] = {}
        lot_keys: dict[tuple, tuple] = {}
        code_texts: dict[str, str] = {}
        lot_of = itemgetter(POSITION_FIELDS.index("lot_number"), POSITION_FIELDS.index("lot_title"))
        member_of = itemgetter(MEMBER_FIELDS.index("ags"), MEMBER_FIELDS.index("member_name"))

        def code_text(value: str) -> str:
            quoted = fields.text(value, Kind.TEXT)
            if len(code_texts) < _REMEMBERED_TEXTS:
                code_texts[value] = quoted
            return quoted

        totals = ExportTotals()
        by_member_lot = totals.by_member_lot
        group_member: Any = object()
        group_lot: Any = None
        count = net_sum = vat_sum = gross_sum = 0

        def close_group() -> None:
            if count:
                key = (*member_of(members[group_member]), *group_lot)
                sums = by_member_lot.get(key)
                if sums is None:
                    by_member_lot[key] = [count, net_sum, vat_sum, gross_sum]
                else:
                    for i, value in enumerate((count, net_sum, vat_sum, gross_sum)):
                        sums[i] += value

        batch: list[str] = []
        append = batch.append
        write = text.write
        for member, site, position, cost_centre, budget_account, quantity_value, net, vat, gross in data.lines:
            member_text = member_texts.get(member)
            if member_text is None:
                member_text = member_texts[member] = member_runs(members[member])
            site_text = site_texts.get(site)
            if site_text is None:
                site_text = site_texts[site] = site_runs(sites[site])
            entry = position_texts.get(position)
            if entry is None:
                values = positions[position]
                lot = lot_keys.setdefault(lot_of(values), lot_of(values))
                entry = position_texts[position] = (position_runs(values), lot)
            position_text, lot = entry
            cost_centre_text = code_texts.get(cost_centre) or code_text(cost_centre)
            budget_account_text = code_texts.get(budget_account) or code_text(budget_account)
            append(line(member_text, site_text, position_text, cost_centre_text, budget_account_text,
                        quantity(quantity_value), money(net), money(vat), money(gross)))
            if lot is not group_lot or member != group_member:
                close_group()
                group_member, group_lot = member, lot
                count = net_sum = vat_sum = gross_sum = 0
            count += 1
            net_sum += net
            vat_sum += vat
            gross_sum += gross
            if len(batch) >= _BATCH_LINES:
                write("".join(batch))
                batch.clear()
        close_group()
        write("".join(batch))
        text.flush()
    finally:
        text.detach()
    for rows, net, vat, gross in by_member_lot.values():
        totals.rows += rows
        totals.net_cents += net
        totals.vat_cents += vat
        totals.gross_cents += gross
    return totals


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
                                 Kind.PERCENT: profile.percent_format}[column.kind]
                cell = _styled_cell(ws, number_format)
                places = -PLACES[column.kind]

                def number(row, i=index, cell=cell, places=places):
                    cell.value = Decimal(row[i]).scaleb(places)
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
            for cell, cents in zip(money, (net, vat, gross), strict=False):
                cell.value = _euro(cents)
            ws.append([text_cell(ws, member), text_cell(ws, ags), text_cell(ws, lot), text_cell(ws, title), count,
                       *money])
        last = max(len(chunk), 1) + 1
        _add_table(ws, SUMMARY_SHEET if number == 1 else f"{SUMMARY_SHEET}{number}", SUMMARY_HEADERS, last)
        if number == len(chunks):
            ws.append([])
            label = _header_cell(ws, "Summe")
            sums = [_styled_cell(ws, profile.money_format) for _ in range(3)]
            for cell, cents in zip(sums, (totals.net_cents, totals.vat_cents, totals.gross_cents), strict=False):
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
        line("Jahreswert netto laut Losplan", Decimal(info.plan_net_total), profile.money_format)
        line("Abweichung zum Losplan", totals.net - Decimal(info.plan_net_total), profile.money_format)
    ws.append([])
    ws.append([text_cell(ws, "Alle Summen sind Summen der auf Cent gerundeten Zeilenwerte; die Summen je Mitglied "
                             "und Los (Blatt „Summen“) ergeben die Summen der Detailzeilen centgenau.")])
    if info is not None and info.lots:
        _write_reconciliation(ws, profile, info, totals)


RECONCILIATION_HEADERS = ("Los", "Los-Titel", "Zeilen", "Zeilen netto (Summe, jährlich)", "Jahreswert laut Losplan",
                          "Abweichung", "Laufzeit (Monate)", "Jahreswert × Laufzeit", "Geschätzter Wert (§ 3 VgV)",
                          "Rundungsdifferenz")


def rows_by_lot(totals: ExportTotals) -> dict[str, tuple[int, int]]:
    """Rows and Σ net cents of the export per lot number (summed over its members)."""
    result: dict[str, tuple[int, int]] = {}
    for (_ags, _member, lot, _title), (count, net, _vat, _gross) in totals.by_member_lot.items():
        rows, cents = result.get(lot, (0, 0))
        result[lot] = (rows + count, cents + net)
    return result


def _write_reconciliation(ws, profile: Profile, info: ExportInfo, totals: ExportTotals) -> None:
    """Per lot: the rows' sum against the plan's annual value, that value over the term, the
    estimated value of § 3 VgV and the rounding difference with its cause (R22)."""
    ws.append([])
    member_export = any(lot.term_value is None for lot in info.lots)
    ws.append([_header_cell(ws, "Abstimmung je Los: Jahreswerte und Werte über die Laufzeit")])
    ws.append([_header_cell(ws, h) for h in RECONCILIATION_HEADERS])
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
    for note in reconciliation_notes(member_export):
        ws.append([text_cell(ws, note)])


def reconciliation_notes(member_export: bool) -> list[str]:
    """What the reconciliation columns mean, in German (Info sheet and README, R22)."""
    notes = [
        "Zeilen netto: Summe der Detailzeilen (je Bedarfsposition Menge × Preis, auf Cent gerundet) – ein "
        "Jahresbetrag. Jahreswert laut Losplan: " + ("der Jahresanteil des Mitglieds (Summe seiner Zuordnungen)"
                                                     if member_export else "der beim Bilden der Lose gespeicherte "
                                                     "Jahreswert des Loses") + "; die Abweichung ist 0,00 €.",
        "Jahreswert × Laufzeit: Jahreswert × Laufzeit in Monaten / 12, einmal auf Cent gerundet (bei ganzen Jahren "
        "exakt)" + ("; der Anteil des Mitglieds über die Laufzeit, wie im Vergabevermerk." if member_export
                    else "; die Anteile der Mitglieder im Vergabevermerk ergeben zusammen genau diesen Betrag."),
    ]
    if member_export:
        notes.append("Der geschätzte Wert nach § 3 VgV und die Rundungsdifferenz stehen im Export aller Mitglieder.")
    else:
        notes.append(ROUNDING_CAUSE)
    return notes


# --- the reconciliation as CSV (R22) -------------------------------------------------------------

# The CSV of the detail rows stays a plain table for ERP imports (header row, then rows, nothing
# else). Its reconciliation per lot is a file of its own with the columns of the Info sheet's
# table and the cause of a rounding difference in words.
RECONCILIATION_CSV_HEADERS = (*RECONCILIATION_HEADERS, "Ursache")
ROUNDING_CAUSE_SHORT = ("Rundung: § 3 VgV rundet je Position einmal (Jahresmenge × Schätzpreis × Jahre), die "
                        "Jahreszeilen werden je Bedarfsposition gerundet und danach mit der Laufzeit multipliziert")


def write_reconciliation_csv(lots: Sequence[LotValues], by_lot: Mapping[str, tuple[int, int]], stream: BinaryIO,
                             profile: Profile = DEFAULT_PROFILE) -> None:
    """Write the reconciliation per lot (RECONCILIATION_CSV_HEADERS) and a total row as CSV in the
    profile's delimiter, decimal separator, BOM and formula guard. `by_lot`: lot number →
    (rows, Σ net cents) of the export's detail rows. The stream is left open."""
    money = _scaled_formatter(2, profile.decimal_separator, profile.thousands_separator)

    def amount(value: Decimal | None) -> str:
        return "" if value is None else money(int(value.scaleb(2)))

    def text(value: str) -> str:
        return _guarded(value) if profile.formula_guard else value

    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig" if profile.bom else "utf-8", newline="")
    try:
        writer = csv.writer(wrapper, **_dialect(profile))
        writer.writerow(RECONCILIATION_CSV_HEADERS)
        member_export = any(lot.term_value is None for lot in lots)
        rows_total, cents_total = 0, 0
        annual = annual_term = term = difference = Decimal("0.00")
        for lot in lots:
            rows, cents = by_lot.get(lot.number, (0, 0))
            row_sum = _euro(cents)
            writer.writerow([text(lot.number), text(lot.title), rows, amount(row_sum), amount(lot.annual_value),
                             amount(row_sum - lot.annual_value), lot.term_months_total,
                             amount(lot.annual_term_value), amount(lot.term_value), amount(lot.rounding_difference),
                             ROUNDING_CAUSE_SHORT if lot.rounding_difference else ""])
            rows_total += rows
            cents_total += cents
            annual += lot.annual_value
            annual_term += lot.annual_term_value
            term += lot.term_value or 0
            difference += lot.rounding_difference or 0
        writer.writerow(["Summe", "", rows_total, amount(_euro(cents_total)), amount(annual),
                         amount(_euro(cents_total) - annual), "", amount(annual_term),
                         "" if member_export else amount(term), "" if member_export else amount(difference),
                         ROUNDING_CAUSE_SHORT if difference and not member_export else ""])
        wrapper.flush()
    finally:
        wrapper.detach()
