"""Reading a filled price sheet (Preisblatt) back: bytes in, unit prices or problems out (R13, R15).

Pure: no Flask, no SQLAlchemy. The file must be the price sheet einkauf generated for this tender
(einkauf.exports.price_sheet, layout version 1): its hidden Meta sheet names the format, the
layout version, the Vergabenummer and (since issue 13) the fingerprint of the positions; every
lot sheet holds its positions with the hidden key "<lot>|<product number>" in column L.

The raw bytes pass the same checks as a demand upload first (einkauf.demand.upload_checks:
size, zip directory and bombs, macros, DOCTYPE); openpyxl then reads read-only, formulas kept
as formulas and never evaluated, dimensions reset, up to our own row and column caps. Only the
position totals in column J (and the lot total) are formulas einkauf wrote; a formula anywhere
else is an error. All or nothing: any problem and the caller stores nothing. Every problem
names sheet, row and column, in German — and never repeats a price (a refusal before the
opening must not reveal one).
"""
from __future__ import annotations

import io
import logging
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from einkauf.demand.excel_reader import (
    NOT_DEFUSED,
    UNREADABLE,
    Problem,
    ProblemCollector,
    TooManyProblems,
    clean_cell_text,
    shown,
    xml_is_defused,
)
from einkauf.demand.upload_checks import UploadLimits, check_upload, thousands
from einkauf.exports.price_sheet import (
    COL,
    FORMAT_NAME,
    HEADER_ROW,
    KEY,
    LAYOUT_VERSION,
    LETTER,
    LOT_HEADERS,
    META_FINGERPRINT,
    OFFERED,
    PRICE,
    SHEET_BIDDER,
    SHEET_GUIDE,
    SHEET_META,
    TOTAL,
    sheet_title,
)

log = logging.getLogger(__name__)

MAX_PRICE = Decimal(10) ** 9
PRICE_QUANTUM = Decimal("0.0001")
MAX_PROBLEMS = 500
MAX_OFFERED_CHARS = 500
LAST_COLUMN = len(LOT_HEADERS)

# A price sheet has a dozen texts per position (LV texts, keys) plus the guide: more per row
# than a demand template, and rows up to the largest tender einkauf builds.
PRICE_SHEET_LIMITS = UploadLimits(max_bytes=20 * 1024 * 1024, max_members=200, max_unpacked_bytes=200 * 1024 * 1024,
                                  max_rows=25_000, max_columns=20, shared_strings_per_row=14,
                                  text_bytes_per_row=4_096, sheet_bytes_per_row=20 * 60 + 4_096)


@dataclass(frozen=True)
class ExpectedLot:
    """A lot of the tender as the import expects it: its number and its positions' keys with
    their product numbers and estimated quantities over the term, in document order."""

    number: str
    keys: tuple[str, ...]
    product_numbers: tuple[str, ...]
    estimated_quantities: tuple[Decimal, ...]


@dataclass(frozen=True)
class ExpectedSheet:
    reference: str
    fingerprint: str
    lots: tuple[ExpectedLot, ...]


@dataclass(frozen=True)
class ReadPrice:
    key: str
    unit_price: Decimal
    offered_product: str = ""


@dataclass
class PriceSheetResult:
    """Prices by lot number (only lots with at least one price), or the problems."""

    prices: dict[str, list[ReadPrice]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def price_count(self) -> int:
        return sum(len(v) for v in self.prices.values())


def read_price_sheet(data: bytes, expected: ExpectedSheet,
                     limits: UploadLimits = PRICE_SHEET_LIMITS) -> PriceSheetResult:
    """Read a filled price sheet for the expected tender; never raises for a bad file."""
    result = PriceSheetResult()
    if not xml_is_defused():
        result.problems = [Problem(NOT_DEFUSED)]
        return result
    raw = check_upload(data, limits)
    if raw:
        result.problems = [Problem(p.replace("Vorlage", "Preisblatt")) for p in raw]
        return result
    collector = ProblemCollector(MAX_PROBLEMS)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:
        log.debug("price sheet could not be opened: %s", type(exc).__name__)
        result.problems = [Problem(UNREADABLE)]
        return result
    try:
        prices = _read(workbook, data, expected, collector, limits)
    except TooManyProblems:
        prices = {}
        collector.problems.append(Problem(f"Die Prüfung wurde nach {MAX_PROBLEMS} Fehlern abgebrochen."))
    except Exception as exc:
        log.debug("price sheet could not be read: %s", type(exc).__name__)
        prices = {}
        collector.problems.append(Problem(UNREADABLE))
    finally:
        try:
            workbook.close()
        except Exception:  # pragma: no cover
            pass
    result.problems = collector.problems
    result.prices = {} if collector.problems else prices
    return result


def expected_sheet_names(lot_numbers: Sequence[str]) -> list[str]:
    """The lot sheets' names as the generator gives them, in lot order."""
    used = {SHEET_GUIDE, SHEET_BIDDER, SHEET_META}
    return [sheet_title(number, used) for number in lot_numbers]


def _read(workbook, data: bytes, expected: ExpectedSheet, collector: ProblemCollector,
          limits: UploadLimits) -> dict[str, list[ReadPrice]]:
    sheets = {ws.title: ws for ws in workbook.worksheets}
    lot_sheets = dict(zip(expected_sheet_names([lot.number for lot in expected.lots]), expected.lots, strict=False))
    known = {SHEET_GUIDE, SHEET_BIDDER, SHEET_META, *lot_sheets}
    if SHEET_META not in sheets:
        collector.add("Das Blatt „Meta“ fehlt: die Datei ist kein Preisblatt aus einkauf. Bitte verwenden Sie das "
                      "Preisblatt, das einkauf für dieses Vergabeverfahren erzeugt hat.")
        return {}
    if not _check_meta(sheets[SHEET_META], expected, collector):
        return {}
    for name, ws in sheets.items():
        if name not in known:
            hidden = getattr(ws, "sheet_state", "visible") != "visible"
            collector.add(f"Das {'ausgeblendete ' if hidden else ''}Blatt „{shown(name)}“ gehört nicht zum "
                          "Preisblatt. Bitte entfernen Sie es.", sheet=shown(name))
    for name in lot_sheets:
        if name not in sheets:
            collector.add(f"Das Blatt „{name}“ fehlt. Blätter dürfen nicht umbenannt oder gelöscht werden.")
        elif getattr(sheets[name], "sheet_state", "visible") != "visible":
            collector.add(f"Das Blatt „{name}“ ist ausgeblendet. Bitte blenden Sie es wieder ein.", sheet=name)
    if collector.problems:
        return {}
    prices: dict[str, list[ReadPrice]] = {}
    for name, lot in lot_sheets.items():
        ws = sheets[name]
        scan = _scan(data, getattr(ws, "_worksheet_path", None))
        _report_scan(name, scan, collector, limits)
        if scan.last_row > limits.max_rows:
            continue
        read = _read_lot(name, ws, lot, collector, limits)
        if read:
            prices[lot.number] = read
    return prices


META_LABELS = ("Format", "Layout-Version", "Vergabenummer", META_FINGERPRINT)


def _check_meta(ws, expected: ExpectedSheet, collector: ProblemCollector) -> bool:
    ws.reset_dimensions()
    found: dict[str, tuple[int, Any]] = {}
    for index, cells in enumerate(ws.iter_rows(min_row=1, max_row=12, min_col=1, max_col=2), start=1):
        if len(cells) < 2:
            continue
        label, value = cells
        if getattr(label, "data_type", None) == "f" or getattr(value, "data_type", None) == "f":
            collector.add("Formeln sind im Blatt „Meta“ nicht erlaubt.", sheet=SHEET_META, row=index)
            return False
        if isinstance(label.value, str) and label.value.strip() in META_LABELS:
            found.setdefault(label.value.strip(), (index, value.value))

    def text(label: str) -> tuple[int | None, str]:
        row, value = found.get(label, (None, None))
        return row, "" if value is None else str(value).strip()

    row, name = text("Format")
    version_row, version = text("Layout-Version")
    if name != FORMAT_NAME or version != LAYOUT_VERSION:
        collector.add("Die Datei ist kein Preisblatt dieser einkauf-Version (Blatt „Meta“ fehlt, wurde verändert "
                      "oder stammt aus einem anderen Programm). Bitte verwenden Sie das Preisblatt, das einkauf für "
                      "dieses Vergabeverfahren erzeugt hat.", sheet=SHEET_META, row=row or version_row,
                      column="B" if (row or version_row) else None)
        return False
    row, reference = text("Vergabenummer")
    if reference != expected.reference:
        collector.add(f"Das Preisblatt gehört zum Vergabeverfahren „{shown(reference) or '–'}“, nicht zu "
                      f"„{expected.reference}“. Es wurde nichts übernommen.", sheet=SHEET_META, row=row,
                      column="B" if row else None)
        return False
    row, fingerprint = text(META_FINGERPRINT)
    # Sheets generated before issue 13 carry no fingerprint; their keys and quantities are
    # still checked row by row below.
    if row is not None and fingerprint != expected.fingerprint:
        collector.add(f"Das Preisblatt gehört zu einer anderen Fassung des Leistungsverzeichnisses von "
                      f"{expected.reference} (Positionen oder Mengen weichen ab). Bitte verwenden Sie das "
                      "Preisblatt der aktuellen Fassung; es wurde nichts übernommen.", sheet=SHEET_META, row=row,
                      column="B")
        return False
    return True


def _read_lot(name: str, ws, lot: ExpectedLot, collector: ProblemCollector, limits: UploadLimits) -> list[ReadPrice]:
    ws.reset_dimensions()
    max_columns = max(limits.max_columns, LAST_COLUMN)
    rows = ws.iter_rows(min_row=1, max_row=limits.max_rows, min_col=1, max_col=max_columns)
    expected_keys = dict(zip(lot.keys, zip(lot.product_numbers, lot.estimated_quantities, strict=False), strict=False))
    seen: dict[str, int] = {}
    prices: list[ReadPrice] = []
    before = len(collector.problems)
    for row_number, cells in enumerate(rows, start=1):
        if row_number < HEADER_ROW:
            _no_formulas(name, row_number, cells, collector, allowed=())
            continue
        if row_number == HEADER_ROW:
            _check_header(name, cells, collector)
            continue
        _read_position(name, row_number, cells, lot, expected_keys, seen, prices, collector)
    if len(collector.problems) > before:
        return []
    missing = [key for key in lot.keys if key not in seen]
    for key in missing[:20]:
        collector.add(f"Die Position „{key.split('|', 1)[1]}“ fehlt im Blatt. Bitte keine Zeilen löschen; "
                      "verwenden Sie das unveränderte Preisblatt.", sheet=name, column=LETTER[KEY])
    if len(missing) > 20:
        collector.add(f"… und {thousands(len(missing) - 20)} weitere fehlende Positionen.", sheet=name)
    return [] if missing else prices


def _no_formulas(name: str, row: int, cells: Sequence, collector: ProblemCollector, allowed: Iterable[int]) -> bool:
    ok = True
    allowed = set(allowed)
    for index, cell in enumerate(cells, start=1):
        if getattr(cell, "data_type", None) == "f" and index not in allowed:
            collector.add("Formeln sind hier nicht erlaubt – bitte tragen Sie Werte ein.", sheet=name, row=row,
                          column=get_column_letter(index))
            ok = False
    return ok


def _check_header(name: str, cells: Sequence, collector: ProblemCollector) -> None:
    for index, header in enumerate(LOT_HEADERS, start=1):
        value = cells[index - 1].value if index - 1 < len(cells) else None
        found = value.strip() if isinstance(value, str) else value
        if found != header:
            collector.add(
                f"Überschrift „{header}“ erwartet, gefunden: {'leer' if not found else '„' + shown(found) + '“'}."
                " Bitte Spalten nicht verschieben, umbenennen oder löschen.",
                sheet=name,
                row=HEADER_ROW,
                column=get_column_letter(index),
            )
    for index in range(LAST_COLUMN + 1, len(cells) + 1):
        if not _empty(cells[index - 1]):
            collector.add("Zusätzliche Spalten sind nicht erlaubt.", sheet=name, row=HEADER_ROW,
                          column=get_column_letter(index))


def _empty(cell) -> bool:
    value = getattr(cell, "value", None)
    return value is None or (isinstance(value, str) and not value.strip())


def _read_position(name: str, row: int, cells: Sequence, lot: ExpectedLot, expected_keys: dict,
                   seen: dict[str, int], prices: list[ReadPrice], collector: ProblemCollector) -> None:
    def at(header: str):
        index = COL[header] - 1
        return cells[index] if index < len(cells) else None

    # Column J holds einkauf's own position total; a formula as unit price gets its own message below.
    if not _no_formulas(name, row, cells, collector, allowed=(COL[TOTAL], COL[PRICE])):
        return
    for index in range(LAST_COLUMN + 1, len(cells) + 1):
        if not _empty(cells[index - 1]):
            collector.add("Inhalte außerhalb der Spalten des Preisblatts sind nicht erlaubt.", sheet=name, row=row,
                          column=get_column_letter(index))
            return
    key_cell = at(KEY)
    key_value = getattr(key_cell, "value", None)
    key = key_value.strip() if isinstance(key_value, str) else ("" if key_value is None else str(key_value))
    price_cell, offered_cell = at(PRICE), at(OFFERED)
    if not key:
        # The total row and empty rows carry no key; a price or product there has no position.
        price_value = getattr(price_cell, "value", None)
        if getattr(price_cell, "data_type", None) == "f":
            collector.add("Formeln sind hier nicht erlaubt – bitte tragen Sie Werte ein.", sheet=name, row=row,
                          column=LETTER[PRICE])
        elif (price_value is not None and not isinstance(price_value, str)) or not _empty(offered_cell):
            collector.add("Diese Zeile hat keinen Schlüssel (ausgeblendete Spalte L) und gehört zu keiner Position. "
                          "Bitte keine Zeilen einfügen.", sheet=name, row=row, column=LETTER[KEY])
        return
    if key not in expected_keys:
        collector.add(f"Unbekannter Schlüssel „{shown(key)}“ – die ausgeblendete Spalte L darf nicht geändert werden.",
                      sheet=name, row=row, column=LETTER[KEY])
        return
    if key in seen:
        collector.add(f"Der Schlüssel „{shown(key)}“ kommt doppelt vor (auch in Zeile {seen[key]}). Bitte keine "
                      "Zeilen kopieren.", sheet=name, row=row, column=LETTER[KEY])
        return
    seen[key] = row
    product_number, quantity = expected_keys[key]
    number = getattr(at("Artikel-Nr."), "value", None)
    if (str(number).strip() if number is not None else "") != product_number:
        collector.add(f"Die Artikel-Nr. wurde geändert (erwartet „{product_number}“). Das Leistungsverzeichnis darf "
                      "nicht verändert werden.", sheet=name, row=row, column=LETTER["Artikel-Nr."])
        return
    qty_value = getattr(at("Geschätzte Menge Laufzeit"), "value", None)
    if not _same_quantity(qty_value, quantity):
        collector.add("Die geschätzte Menge wurde geändert. Das Leistungsverzeichnis darf nicht verändert werden.",
                      sheet=name, row=row, column=LETTER["Geschätzte Menge Laufzeit"])
        return
    offered, problem = _offered_text(offered_cell)
    if problem:
        collector.add(problem, sheet=name, row=row, column=LETTER[OFFERED])
        return
    try:
        price = price_from_cell(getattr(price_cell, "value", None), getattr(price_cell, "data_type", None))
    except ValueError as exc:
        collector.add(str(exc), sheet=name, row=row, column=LETTER[PRICE])
        return
    if price is None:
        if offered:
            collector.add("Ein angebotenes Produkt ohne Einheitspreis: bitte den Preis eintragen oder das Produkt "
                          "löschen.", sheet=name, row=row, column=LETTER[PRICE])
        return
    prices.append(ReadPrice(key=key, unit_price=price, offered_product=offered))


def _same_quantity(value: Any, expected: Decimal) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, Decimal)):
        return Decimal(value) == expected
    if isinstance(value, float) and math.isfinite(value):
        return abs(Decimal(repr(value)) - expected) < Decimal("0.0005")
    return False


def _offered_text(cell) -> tuple[str, str | None]:
    value = getattr(cell, "value", None)
    if value is None:
        return "", None
    if isinstance(value, (bool, datetime, date, time, timedelta)):
        return "", "Bitte Hersteller und Typ als Text eintragen."
    if getattr(cell, "data_type", None) == "e":
        return "", "Die Zelle enthält einen Fehlerwert."
    text = clean_cell_text(str(value) if not isinstance(value, float) else repr(value))
    if len(text) > MAX_OFFERED_CHARS:
        return "", f"Höchstens {MAX_OFFERED_CHARS} Zeichen."
    return text, None


def price_from_cell(value: Any, data_type: str | None = None) -> Decimal | None:
    """A unit price cell as an exact Decimal (≥ 0, ≤ 10^9, at most 4 places); None if empty;
    ValueError with a German message otherwise (the message never repeats the value)."""
    if data_type == "f":
        raise ValueError("Formeln sind nicht erlaubt – bitte tragen Sie den Einheitspreis als Zahl ein.")
    if data_type == "e":
        raise ValueError("Die Zelle enthält einen Fehlerwert statt eines Einheitspreises.")
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        raise ValueError("Der Einheitspreis ist als Text eingetragen. Bitte eine Zahl eintragen (z. B. 12,50), "
                         "ohne Währungszeichen oder Zusätze.")
    if isinstance(value, bool):
        raise ValueError("Bitte eine Zahl angeben, nicht WAHR oder FALSCH.")
    if isinstance(value, (datetime, date, time, timedelta)):
        raise ValueError("Der Einheitspreis ist als Datum oder Uhrzeit formatiert. Bitte als Zahl eintragen.")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Der Einheitspreis ist keine gültige Zahl.")
        number = Decimal(repr(value))
        if abs(number) <= MAX_PRICE and number != number.quantize(PRICE_QUANTUM):
            # Excel keeps 15 significant digits; a pasted calculation may carry binary noise.
            rounded = Decimal(format(value, ".15g"))
            if rounded == rounded.quantize(PRICE_QUANTUM):
                number = rounded
    elif isinstance(value, Decimal):
        number = value
    else:
        raise ValueError("Der Einheitspreis ist keine Zahl.")
    if not number.is_finite():
        raise ValueError("Der Einheitspreis ist keine gültige Zahl.")
    if number < 0:
        raise ValueError("Der Einheitspreis darf nicht negativ sein.")
    if number > MAX_PRICE:
        raise ValueError("Der Einheitspreis ist unrealistisch hoch (mehr als 1.000.000.000 €).")
    if number != number.quantize(PRICE_QUANTUM):
        raise ValueError("Bitte höchstens 4 Nachkommastellen angeben.")
    return (number + 0).quantize(PRICE_QUANTUM)


# --- a scan of the raw sheet XML: hidden rows and columns, merged cells, the last row ------------

@dataclass
class _Scan:
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    last_row: int = 0


_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|col|mergeCell)\b([^<>]{0,1000}?)/?>")
_ATTR_RE = {name: re.compile(rb"\s" + name.encode() + rb"""\s*=\s*["']([^"']{0,40})["']""")
            for name in ("r", "hidden", "min", "max", "ref")}
_CHUNK = 1 << 20
_OVERLAP = 2048


def _attr(attrs: bytes, name: str) -> str | None:
    match = _ATTR_RE[name].search(b" " + attrs)
    return match.group(1).decode("ascii", "replace") if match else None


def _scan(data: bytes, sheet_path: str | None) -> _Scan:
    scan = _Scan()
    if not sheet_path:
        return scan
    name = sheet_path.lstrip("/")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if name not in archive.namelist():
            return scan
        with archive.open(name) as fh:
            current = 0
            buf = b""
            while True:
                chunk = fh.read(_CHUNK)
                eof = not chunk
                buf += chunk
                limit = len(buf) if eof else len(buf) - _OVERLAP
                pos = 0
                for match in _TAG_RE.finditer(buf):
                    if match.end() > limit:
                        break
                    pos = match.end()
                    tag, attrs = match.group(1), match.group(2)
                    hidden = _attr(attrs, "hidden") in ("1", "true")
                    if tag == b"row":
                        r = _attr(attrs, "r")
                        current = int(r) if r and r.isdigit() else current + 1
                        scan.last_row = max(scan.last_row, current)
                        if hidden:
                            scan.hidden_rows.append(current)
                    elif tag == b"col":
                        low, high = _attr(attrs, "min"), _attr(attrs, "max")
                        if hidden and low and high and low.isdigit() and high.isdigit():
                            scan.hidden_columns.append((int(low), int(high)))
                    else:
                        ref = _attr(attrs, "ref")
                        if ref:
                            scan.merged.append(ref)
                if eof:
                    break
                buf = buf[max(pos, limit - _OVERLAP):]
    return scan


def _report_scan(name: str, scan: _Scan, collector: ProblemCollector, limits: UploadLimits) -> None:
    for row in scan.hidden_rows[:20]:
        collector.add("Ausgeblendete Zeilen sind nicht erlaubt. Bitte blenden Sie die Zeile wieder ein.", sheet=name,
                      row=row)
    key_column = COL[KEY]
    for low, high in scan.hidden_columns:
        for column in range(low, min(high, LAST_COLUMN + 5) + 1):
            if column != key_column:
                collector.add("Ausgeblendete Spalten sind nicht erlaubt (nur die Schlüsselspalte L ist ausgeblendet).",
                              sheet=name, column=get_column_letter(column))
    for ref in scan.merged[:20]:
        collector.add(f"Verbundene Zellen ({shown(ref)}) sind nicht erlaubt.", sheet=name)
    if scan.last_row > limits.max_rows:
        collector.add(f"Das Blatt reicht bis Zeile {thousands(scan.last_row)}; gelesen werden höchstens "
                      f"{thousands(limits.max_rows)} Zeilen.", sheet=name, row=limits.max_rows + 1)
