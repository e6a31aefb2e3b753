"""The finance export as CSV for ERP imports, and the reconciliation per lot as CSV (R22; see
einkauf.exports.finance)."""
from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any, BinaryIO, Callable, Hashable, Iterable, Iterator, Mapping, Sequence

from einkauf.cells import FORMULA_TRIGGERS
from einkauf.exports.finance import (AWARDED_RECONCILIATION_HEADERS, RECONCILIATION_HEADERS, ExportInfo, ExportTotals,
                                     LotValues, _euro, fiscal_year)
from einkauf.exports.finance_columns import FIELD_INDEX, PLACES, Kind
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, Profile

# --- CSV -------------------------------------------------------------------------------------

# The compact form the CSV writer reads (FinanceLines): a line names its member, delivery site
# and lot position by a key and carries only its own values; the texts of members, sites and
# positions are looked up, guarded, formatted and quoted once per key instead of once per row.
MEMBER_FIELDS = ("member_name", "ags")
SITE_FIELDS = ("delivery_site",)
POSITION_FIELDS = ("lot_number", "lot_title", "position", "product_number", "short_text", "cpv_code", "unit",
                   "unit_price_cents", "vat_rate_hundredths", "unit_code", "supplier", "award_status",
                   "awarded_unit_price")
EXPORT_FIELDS = ("fiscal_year", "reference", "price_basis", "round_code")
# The values of a line after its three keys, in this order.
LINE_FIELDS = ("cost_centre", "budget_account", "quantity_thousandths", "net_cents", "vat_cents", "gross_cents",
               "estimated_net_cents")
_LINE_SLOT = {name: 3 + i for i, name in enumerate(LINE_FIELDS)}  # str.format argument of each line value
_ENTITY_FIELDS = ((0, MEMBER_FIELDS), (1, SITE_FIELDS), (2, POSITION_FIELDS))
_BATCH_LINES = 2000  # lines joined into one write
_REMEMBERED_TEXTS = 100_000  # distinct cost centres and budget accounts whose CSV text is kept


@dataclass(frozen=True)
class FinanceLines:
    """The detail rows of one export in compact form.

    `lines` yields (member key, site key, position key, *LINE_FIELDS) in export order (at
    estimated prices the last, estimated_net_cents, may be left out: it is net_cents); the
    mappings give each key's values in the order of MEMBER_FIELDS, SITE_FIELDS and
    POSITION_FIELDS; `export` holds the values of EXPORT_FIELDS, the same for every row.
    `unpriced`: net, VAT and gross of a line may be None (at awarded prices, a lot not awarded).
    """

    lines: Iterable[Sequence[Any]]
    members: Mapping[Any, Sequence[Any]]
    sites: Mapping[Any, Sequence[Any]]
    positions: Mapping[Any, Sequence[Any]]
    export: Sequence[Any]
    unpriced: bool = False


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

    return FinanceLines(lines(), _KeyIsValue(), _KeyIsValue(), _KeyIsValue(), constants, unpriced=True)


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


def _nullable(fmt: Callable[[int], str]) -> Callable[[int | None], str]:
    return lambda value: "" if value is None else fmt(value)


def _unused(_extra: Any, _net: Any) -> str:
    return ""


def _estimate(money: Callable[[int], str]) -> Callable[[Sequence[int], int], str]:
    """The row's estimated net: the line's last value at awarded prices; at estimated prices
    the line has none and its net is the estimate."""
    return lambda extra, net: money(extra[0] if extra else net)


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
        if value is None:  # not priced: an empty field
            return self.quoted("")
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
            pieces.append("{%d}" % _LINE_SLOT[column.field])
        else:
            entity, names = next((e, names) for e, names in _ENTITY_FIELDS if column.field in names)
            member = (names.index(column.field), column.kind)
            if entity == previous_entity:
                runs[entity][-1].append(member)
            else:
                pieces.append("{%d[%d]}" % (entity, len(runs[entity])))
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
        amount = _nullable(money) if data.unpriced else money
        estimate = (_estimate(money) if any(c.column.field == "estimated_net_cents" for c in profile.columns)
                    else _unused)
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
        count = net_sum = vat_sum = gross_sum = unpriced = 0

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
        for member, site, position, cost_centre, budget_account, quantity_value, net, vat, gross, *extra in data.lines:
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
                        quantity(quantity_value), amount(net), amount(vat), amount(gross), estimate(extra, net)))
            if lot is not group_lot or member != group_member:
                close_group()
                group_member, group_lot = member, lot
                count = net_sum = vat_sum = gross_sum = 0
            count += 1
            if net is None:  # a lot not awarded: counted, not priced
                unpriced += 1
            else:
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
    totals.unpriced_rows = unpriced
    for rows, net, vat, gross in by_member_lot.values():
        totals.rows += rows
        totals.net_cents += net
        totals.vat_cents += vat
        totals.gross_cents += gross
    return totals


# --- the reconciliation as CSV (R22) -------------------------------------------------------------

# The CSV of the detail rows stays a plain table for ERP imports (header row, then rows, nothing
# else). Its reconciliation per lot is a file of its own with the columns of the Info sheet's
# table and the cause of a rounding difference in words.
RECONCILIATION_CSV_HEADERS = RECONCILIATION_HEADERS + ("Ursache",)
ROUNDING_CAUSE_SHORT = ("Rundung: § 3 VgV rundet je Position einmal (Jahresmenge × Schätzpreis × Jahre), die "
                        "Jahreszeilen werden je Bedarfsposition gerundet und danach mit der Laufzeit multipliziert")
AWARD_ROUNDING_CAUSE_SHORT = ("Rundung: die Zuschlagssumme rundet je Position einmal (geschätzte Menge über die "
                              "Laufzeit × Zuschlagspreis), die Jahreszeilen werden je Bedarfsposition gerundet und "
                              "danach mit der Laufzeit multipliziert")


def write_reconciliation_csv(lots: Sequence[LotValues], by_lot: Mapping[str, tuple[int, int]], stream: BinaryIO,
                             profile: Profile = DEFAULT_PROFILE, *, awarded: bool = False) -> None:
    """Write the reconciliation per lot (RECONCILIATION_CSV_HEADERS) and a total row as CSV in the
    profile's delimiter, decimal separator, BOM and formula guard. `by_lot`: lot number →
    (rows, Σ net cents) of the export's detail rows. The stream is left open."""
    money = _scaled_formatter(2, profile.decimal_separator, profile.thousands_separator)
    headers = (AWARDED_RECONCILIATION_HEADERS if awarded else RECONCILIATION_HEADERS) + ("Ursache",)
    cause = AWARD_ROUNDING_CAUSE_SHORT if awarded else ROUNDING_CAUSE_SHORT

    def amount(value: Decimal | None) -> str:
        return "" if value is None else money(int(value.scaleb(2)))

    def text(value: str) -> str:
        return _guarded(value) if profile.formula_guard else value

    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig" if profile.bom else "utf-8", newline="")
    try:
        writer = csv.writer(wrapper, **_dialect(profile))
        writer.writerow(headers)
        member_export = any(lot.term_value is None for lot in lots)
        rows_total, cents_total = 0, 0
        annual = annual_term = term = difference = Decimal("0.00")
        for lot in lots:
            rows, cents = by_lot.get(lot.number, (0, 0))
            row_sum = _euro(cents)
            writer.writerow([text(lot.number), text(lot.title), rows, amount(row_sum), amount(lot.annual_value),
                             amount(row_sum - lot.annual_value), lot.term_months_total,
                             amount(lot.annual_term_value), amount(lot.term_value), amount(lot.rounding_difference),
                             cause if lot.rounding_difference else ""])
            rows_total += rows
            cents_total += cents
            annual += lot.annual_value
            annual_term += lot.annual_term_value
            term += lot.term_value or 0
            difference += lot.rounding_difference or 0
        writer.writerow(["Summe", "", rows_total, amount(_euro(cents_total)), amount(annual),
                         amount(_euro(cents_total) - annual), "", amount(annual_term),
                         "" if member_export else amount(term), "" if member_export else amount(difference),
                         cause if difference and not member_export else ""])
        wrapper.flush()
    finally:
        wrapper.detach()
