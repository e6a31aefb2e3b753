"""Reading a filled-in demand workbook back: bytes in, rows and problems out (R13; layout in
excel_layout). The import never trusts the sheet protection: it checks every cell."""
from __future__ import annotations

import io
import logging
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from einkauf.demand.excel_layout import (
    COL,
    EDITABLE,
    HEADERS,
    INFO_LABELS,
    KEY_RE,
    KNOWN_SHEETS,
    LAST_COLUMN,
    LETTER,
    MAX_PROBLEMS,
    SHEET_DEMAND,
    SHEET_INFO,
    TEMPLATE_VERSION,
    SheetLine,
)
from einkauf.demand.upload_checks import DEFAULT_LIMITS, UploadLimits, check_upload, thousands

log = logging.getLogger(__name__)

# --- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One reason an upload is refused, located as precisely as possible."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # column letter

    @property
    def column_label(self) -> str | None:
        if self.column is None:
            return None
        if self.sheet == SHEET_DEMAND:
            for header, letter in LETTER.items():
                if letter == self.column:
                    return f"{self.column} ({header})"
        return self.column

    @property
    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"Blatt „{self.sheet}“")
        if self.row is not None:
            parts.append(f"Zeile {self.row}")
        if self.column is not None:
            parts.append(f"Spalte {self.column_label}")
        return ", ".join(parts)

    def __str__(self) -> str:
        location = self.location
        return f"{location}: {self.message}" if location else self.message


@dataclass
class UploadResult:
    rows: list[SheetLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class TooManyProblems(Exception):
    """Raised by ProblemCollector.add once the limit is reached: the check stops there."""


class ProblemCollector:
    """The problems of an uploaded workbook (demand template, bid price sheet), each with sheet,
    row and column; raises TooManyProblems at `limit` so that a hostile file cannot flood the page."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.problems: list[Problem] = []
        self.limit = limit

    def add(self, message: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(message, sheet, row, column))
        if len(self.problems) >= self.limit:
            raise TooManyProblems


UNREADABLE = ("Die Datei konnte nicht gelesen werden: sie ist beschädigt oder keine gültige Excel-Arbeitsmappe "
              "(.xlsx). Bitte laden Sie die Vorlage erneut herunter, übertragen Sie Ihre Eingaben und speichern "
              "Sie als „Excel-Arbeitsmappe (*.xlsx)“.")


NOT_DEFUSED = ("Das Hochladen von Excel-Dateien ist auf diesem Server derzeit nicht möglich (sichere XML-Verarbeitung "
               "fehlt). Bitte wenden Sie sich an die Administration.")


def xml_is_defused() -> bool:
    """Whether openpyxl parses worksheets and shared strings with defusedxml.

    openpyxl picks defusedxml at import time, only when it is installed and the environment
    variable OPENPYXL_DEFUSEDXML is not "False"; without it, entity-expansion bombs expand.
    The functions it actually bound are checked, not just the flag.
    """
    from openpyxl.reader import strings
    from openpyxl.worksheet import _reader

    return all(getattr(module.iterparse, "__module__", "").startswith("defusedxml")
               for module in (_reader, strings))


def _reason(exc: BaseException) -> str:
    """An exception in one line for the log (type and the start of its message)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def read_upload(data: bytes, *, round_code: str, member_ags: str,
                limits: UploadLimits = DEFAULT_LIMITS) -> UploadResult:
    """Read a filled template: every filled row, or every problem found (never raises).

    The raw bytes are checked first (size, zip directory, macros, DOCTYPE); then openpyxl
    reads the file read-only with formulas kept as formulas (never evaluated) and with the
    dimensions reset, up to our own row and column caps. A file of another round or
    another member is refused as a whole.
    """
    result = UploadResult()
    if not xml_is_defused():
        log.error("openpyxl parses without defusedxml; uploads are refused")
        result.problems = [Problem(NOT_DEFUSED)]
        return result
    raw_problems = check_upload(data, limits)
    if raw_problems:
        result.problems = [Problem(p) for p in raw_problems]
        return result
    collector = ProblemCollector()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:
        # An expected outcome for a broken file: no traceback; the refusal is logged at INFO by the caller.
        log.debug("uploaded workbook could not be opened: %s", _reason(exc))
        result.problems = [Problem(UNREADABLE)]
        return result
    try:
        result.rows = _read_workbook(workbook, data, collector, round_code=round_code, member_ags=member_ags,
                                     limits=limits)
    except TooManyProblems:
        collector.problems.append(Problem(f"Die Prüfung wurde nach {MAX_PROBLEMS} Fehlern abgebrochen; bitte "
                                          "beheben Sie diese und laden Sie die Datei erneut hoch."))
    except Exception as exc:
        # Whatever a hostile or broken file makes the parser do, the user gets a message (and the log one line).
        log.debug("uploaded workbook could not be read: %s", _reason(exc))
        collector.problems.append(Problem(UNREADABLE))
    finally:
        try:
            workbook.close()
        except Exception:  # pragma: no cover - closing a read-only archive does not fail in practice
            pass
    result.problems = collector.problems
    # Rows read beside row-level problems stay, so the caller can report their errors as well;
    # after a problem with the file, sheet or header row nothing of it is trusted.
    if any(problem.row is None or problem.row <= 1 or problem.sheet != SHEET_DEMAND for problem in result.problems):
        result.rows = []
    return result


def _read_workbook(workbook, data: bytes, collector: ProblemCollector, *, round_code: str, member_ags: str,
                   limits: UploadLimits) -> list[SheetLine]:
    sheets = {ws.title: ws for ws in workbook.worksheets}
    for name, ws in sheets.items():
        if name not in KNOWN_SHEETS:
            hidden = getattr(ws, "sheet_state", "visible") != "visible"
            collector.add(f"Das {'ausgeblendete ' if hidden else ''}Blatt „{shown(name)}“ gehört nicht zur "
                          "Vorlage. Bitte entfernen Sie es oder verwenden Sie die Vorlage aus einkauf.",
                          sheet=shown(name))
    for name in (SHEET_INFO, SHEET_DEMAND):
        if name not in sheets:
            collector.add(f"Das Blatt „{name}“ fehlt. Bitte laden Sie die Vorlage in einkauf herunter und füllen "
                          "Sie diese aus.")
        elif getattr(sheets[name], "sheet_state", "visible") != "visible":
            collector.add(f"Das Blatt „{name}“ ist ausgeblendet. Bitte blenden Sie es wieder ein.", sheet=name)
    if collector.problems:
        return []
    if not _check_info(sheets[SHEET_INFO], collector, round_code=round_code, member_ags=member_ags):
        return []
    demand = sheets[SHEET_DEMAND]
    scan = _scan_sheet(data, getattr(demand, "_worksheet_path", None))
    _report_scan(scan, collector, limits)
    if scan.last_row > limits.max_rows:
        return []
    return _read_demand(demand, collector, limits)


def _check_info(ws, collector: ProblemCollector, *, round_code: str, member_ags: str) -> bool:
    ws.reset_dimensions()
    found: dict[str, tuple[int, Any]] = {}
    for index, cells in enumerate(ws.iter_rows(min_row=1, max_row=30, min_col=1, max_col=2), start=1):
        if len(cells) < 2:
            continue
        label, value = cells[0], cells[1]
        if getattr(value, "data_type", None) == "f" or getattr(label, "data_type", None) == "f":
            collector.add("Formeln sind im Blatt „Info“ nicht erlaubt.", sheet=SHEET_INFO, row=index)
            return False
        if isinstance(label.value, str) and label.value.strip() in INFO_LABELS:
            found[label.value.strip()] = (index, value.value)

    def text_of(label: str) -> tuple[int | None, str]:
        row, value = found.get(label, (None, None))
        if isinstance(value, bool) or value is None:
            return row, ""
        if isinstance(value, int):
            return row, f"{value:08d}" if label == "AGS" else str(value)
        return row, str(value).strip()

    row, version = text_of("Vorlagenversion")
    if version != TEMPLATE_VERSION:
        collector.add("Die Datei ist keine Bedarfsvorlage dieser einkauf-Version (Blatt „Info“ fehlt oder wurde "
                      "verändert). Bitte laden Sie die Vorlage erneut herunter.", sheet=SHEET_INFO, row=row,
                      column="B" if row else None)
        return False
    row, code = text_of("Bedarfsabfrage")
    if code != round_code:
        collector.add(f"Die Datei gehört zur Bedarfsabfrage „{shown(code)}“, nicht zu „{round_code}“. Bitte laden "
                      "Sie die Vorlage dieser Bedarfsabfrage herunter.", sheet=SHEET_INFO, row=row,
                      column="B" if row else None)
        return False
    row, ags = text_of("AGS")
    if ags != member_ags:
        collector.add(f"Die Datei gehört zu einem anderen Mitglied (AGS {shown(ags) or '–'}). Sie können nur den "
                      f"Bedarf Ihres eigenen Mitglieds (AGS {member_ags}) hochladen.", sheet=SHEET_INFO, row=row,
                      column="B" if row else None)
        return False
    return True


def _read_demand(ws, collector: ProblemCollector, limits: UploadLimits) -> list[SheetLine]:
    # A forged or stale <dimension> would hide rows or blow the sheet up; ignore it.
    ws.reset_dimensions()
    max_columns = max(limits.max_columns, LAST_COLUMN)
    rows_iter = ws.iter_rows(min_row=1, max_row=limits.max_rows, min_col=1, max_col=max_columns)
    header = next(rows_iter, None)
    if header is None or all(_is_empty(c) for c in header):
        collector.add("Das Blatt „Bedarf“ ist leer: die Überschriften in Zeile 1 fehlen.", sheet=SHEET_DEMAND, row=1)
        return []
    header_ok = True
    for index, expected in enumerate(HEADERS, start=1):
        cell = header[index - 1] if index - 1 < len(header) else None
        value = cell.value if cell is not None else None
        found = value.strip() if isinstance(value, str) else value
        if found != expected:
            header_ok = False
            text = "leer" if found in (None, "") else f"„{shown(found)}“"
            collector.add(f"Überschrift „{expected}“ erwartet, gefunden: {text}. Bitte Spalten nicht verschieben, "
                          "umbenennen oder löschen.", sheet=SHEET_DEMAND, row=1, column=get_column_letter(index))
    for index in range(LAST_COLUMN + 1, len(header) + 1):
        if not _is_empty(header[index - 1]):
            header_ok = False
            collector.add("Zusätzliche Spalten sind nicht erlaubt.", sheet=SHEET_DEMAND, row=1,
                          column=get_column_letter(index))
    if not header_ok:
        return []

    rows: list[SheetLine] = []
    keys: dict[str, int] = {}
    for row_number, cells in enumerate(rows_iter, start=2):
        parsed = _read_row(row_number, cells, keys, collector)
        if parsed is not None:
            rows.append(parsed)
    return rows


def _is_empty(cell) -> bool:
    value = getattr(cell, "value", None)
    return value is None or (isinstance(value, str) and not value.strip())


def _read_row(row: int, cells: Sequence, keys: dict[str, int], collector: ProblemCollector) -> SheetLine | None:
    def at(header: str):
        index = COL[header] - 1
        return cells[index] if index < len(cells) else None

    before = len(collector.problems)
    for index, cell in enumerate(cells, start=1):
        if getattr(cell, "data_type", None) == "f":
            collector.add("Formeln sind nicht erlaubt – bitte tragen Sie Werte ein (in Excel: Kopieren und "
                          "„Inhalte einfügen › Werte“).", sheet=SHEET_DEMAND, row=row, column=get_column_letter(index))
        elif index > LAST_COLUMN and not _is_empty(cell):
            collector.add("Inhalte außerhalb der Spalten der Vorlage sind nicht erlaubt.", sheet=SHEET_DEMAND,
                          row=row, column=get_column_letter(index))
    if len(collector.problems) > before:
        return None

    editable_empty = all(_is_empty(at(h)) for h in EDITABLE)
    key_value = getattr(at("Schlüssel"), "value", None)
    key = key_value.strip() if isinstance(key_value, str) else ("" if key_value is None else str(key_value))
    if not key:
        if not editable_empty:
            collector.add("Die Zeile hat keinen Schlüssel (ausgeblendete Spalte K). Bitte fügen Sie keine Zeilen "
                          "ein, sondern nutzen Sie die „Zusätzlichen Positionen“ am Ende des Blatts.",
                          sheet=SHEET_DEMAND, row=row, column=LETTER["Schlüssel"])
        return None
    match = KEY_RE.match(key)
    if match is None:
        collector.add(f"Unbekannter Schlüssel „{shown(key)}“ – die ausgeblendete Spalte K darf nicht geändert "
                      "werden.", sheet=SHEET_DEMAND, row=row, column=LETTER["Schlüssel"])
        return None
    if key in keys:
        collector.add(f"Der Schlüssel „{key}“ kommt doppelt vor (auch in Zeile {keys[key]}). Bitte kopieren Sie "
                      "keine Zeilen; nutzen Sie die „Zusätzlichen Positionen“.", sheet=SHEET_DEMAND, row=row,
                      column=LETTER["Schlüssel"])
        return None
    keys[key] = row

    number_cell = at("Artikel-Nr.")
    number, problem = _text_of(number_cell)
    if problem:
        collector.add(problem, sheet=SHEET_DEMAND, row=row, column=LETTER["Artikel-Nr."])
        return None
    key_number = match.group("number")
    if key_number is not None and number != key_number:
        collector.add(f"Die Artikel-Nr. wurde geändert („{shown(number)}“ statt „{key_number}“). Bitte ändern Sie "
                      "die Katalogspalten nicht.", sheet=SHEET_DEMAND, row=row, column=LETTER["Artikel-Nr."])
        return None
    if editable_empty:
        return None

    quantity_cell = at("Menge")
    try:
        quantity = quantity_from_cell(quantity_cell.value if quantity_cell is not None else None,
                                      getattr(quantity_cell, "data_type", None))
    except ValueError as exc:
        collector.add(str(exc), sheet=SHEET_DEMAND, row=row, column=LETTER["Menge"])
        return None
    texts: dict[str, str] = {}
    failed = False
    for header in ("Lieferstelle", "Kostenstelle", "Sachkonto", "Bemerkung"):
        value, problem = _text_of(at(header))
        if problem:
            collector.add(problem, sheet=SHEET_DEMAND, row=row, column=LETTER[header])
            failed = True
        texts[header] = value
    if failed or quantity is None:
        return None  # an empty quantity means "no line", whatever else the row holds
    if not number:
        collector.add("Bitte geben Sie die Artikel-Nr. an (oder leeren Sie die Menge).", sheet=SHEET_DEMAND, row=row,
                      column=LETTER["Artikel-Nr."])
        return None
    return SheetLine(row=row, key=key, product_number=number, quantity=quantity,
                     delivery_site=texts["Lieferstelle"], cost_centre=texts["Kostenstelle"],
                     budget_account=texts["Sachkonto"], note=texts["Bemerkung"])


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT_READ = 2000  # longer than any field accepts; the services name the exact limits


def clean_cell_text(value: str) -> str:
    """NFC, control characters (also tabs and line breaks) as spaces, trimmed."""
    text = unicodedata.normalize("NFC", value[:MAX_TEXT_READ])
    return _CONTROL_RE.sub(" ", text).strip()


def _text_of(cell) -> tuple[str, str | None]:
    """The text of a cell, or a problem. Numbers typed into a text column become their digits."""
    if cell is None:
        return "", None
    value = cell.value
    data_type = getattr(cell, "data_type", None)
    if value is None:
        return "", None
    if data_type == "e":
        return "", f"Die Zelle enthält einen Fehlerwert ({shown(value)})."
    if isinstance(value, bool):
        return "", "Bitte Text eingeben, nicht WAHR oder FALSCH."
    if isinstance(value, (datetime, date, time, timedelta)):
        return "", "Bitte Text eingeben; Excel hat die Eingabe als Datum oder Uhrzeit gespeichert."
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if not math.isfinite(value):
            return "", "Die Zelle enthält keinen gültigen Wert."
        return (str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)), None
    if isinstance(value, str):
        return clean_cell_text(value), None
    return "", "Die Zelle enthält keinen lesbaren Wert."


def shown(value: Any, limit: int = 40) -> str:
    text = "".join(ch for ch in str(value) if ch.isprintable()).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- quantities ------------------------------------------------------------------------------

QUANTITY_PLACES = 3
_QUANTUM = Decimal("0.001")
_HUGE = Decimal("1e15")
_GERMAN_GROUPED = re.compile(r"^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$")
_PLAIN = re.compile(r"^[0-9]+([.,][0-9]+)?$")


def parse_german_quantity(text: str) -> Decimal:
    """Read a quantity typed as text the way German users write it.

    "1.234,5" (dot groups thousands, comma decimal), "1234,5", and "1234.5" (a single dot
    that is not a thousands group is a decimal point) — the same rule as the web forms.
    ASCII digits only; no signs, exponents, NaN or infinities.
    """
    raw = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if raw.startswith("="):
        raise ValueError("Formeln sind nicht erlaubt – bitte tragen Sie die Menge als Zahl ein.")
    if raw.startswith("-"):
        raise ValueError("Die Menge darf nicht negativ sein.")
    if _GERMAN_GROUPED.match(raw):
        normalised = raw.replace(".", "").replace(",", ".")
    elif _PLAIN.match(raw):
        normalised = raw.replace(",", ".")
    else:
        raise ValueError(f"„{shown(raw)}“ ist keine Menge. Bitte eine Zahl wie 12 oder 2,5 eintragen.")
    if len(normalised) > 30:
        raise ValueError("Die Menge ist unrealistisch groß.")
    return Decimal(normalised)


def decimal_from_float(value: float) -> Decimal:
    """The decimal a user typed, from the binary float Excel stored.

    The shortest repr is what was typed in almost all cases (2.5, 0.001). A pasted result of
    a calculation can carry binary noise (3.3000000000000003); Excel itself keeps only 15
    significant digits, so when the 15-digit form has at most three decimals, that is taken.
    """
    if not math.isfinite(value):
        raise ValueError("Die Menge ist keine gültige Zahl.")
    exact = Decimal(repr(value))
    if _fits_places(exact):
        return exact
    rounded = Decimal(format(value, ".15g"))
    if _fits_places(rounded):
        return rounded
    return exact


def _fits_places(value: Decimal) -> bool:
    if abs(value) >= _HUGE:
        return True  # too large anyway; the size check names the real problem
    return value == value.quantize(_QUANTUM)


def quantity_from_cell(value: Any, data_type: str | None = None) -> Decimal | None:
    """A cell's quantity as an exact Decimal, None if empty; ValueError (German) if unusable."""
    if data_type == "f":
        raise ValueError("Formeln sind nicht erlaubt – bitte tragen Sie die Menge als Zahl ein.")
    if data_type == "e":
        raise ValueError(f"Die Zelle enthält einen Fehlerwert ({shown(value)}) statt einer Menge.")
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("Bitte eine Zahl angeben, nicht WAHR oder FALSCH.")
    if isinstance(value, (datetime, date, time, timedelta)):
        raise ValueError("Die Menge ist als Datum oder Uhrzeit formatiert. Bitte als Zahl eintragen.")
    try:
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = decimal_from_float(value)
        elif isinstance(value, Decimal):
            number = value
        elif isinstance(value, str):
            if not value.strip():
                return None
            number = parse_german_quantity(value)
        else:
            raise ValueError("Die Menge ist keine Zahl.")
    except InvalidOperation as exc:  # pragma: no cover - the patterns admit only valid numbers
        raise ValueError("Die Menge ist keine gültige Zahl.") from exc
    if not number.is_finite():
        raise ValueError("Die Menge ist keine gültige Zahl.")
    if number < 0:
        raise ValueError("Die Menge darf nicht negativ sein.")
    if number >= _HUGE:
        raise ValueError("Die Menge ist unrealistisch groß.")
    if number != number.quantize(_QUANTUM):
        raise ValueError("Bitte höchstens 3 Nachkommastellen angeben.")
    return number + 0 if number else Decimal(0)  # + 0 turns -0 into 0


# --- a scan of the raw sheet XML --------------------------------------------------------------

@dataclass
class SheetScan:
    """What openpyxl's read-only mode does not tell: merged ranges and the last row present."""

    merged: list[tuple[str, str]] = field(default_factory=list)
    last_row: int = 0


_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|mergeCell)\b([^<>]{0,1000}?)/?>")
_R_ATTR_RE = re.compile(rb"""\sr\s*=\s*["']([0-9]{1,9})["']""")
_REF_ATTR_RE = re.compile(rb"""\sref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,9})(?::([A-Za-z]{1,3}[0-9]{1,9}))?["']""")
_CELL_RE = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,9})$")
_SCAN_CHUNK = 1 << 20
_SCAN_OVERLAP = 2048  # longer than any tag the pattern accepts


def scan_sheet_xml(chunks: Iterable[bytes]) -> SheetScan:
    """Find <mergeCell ref=…> and the highest row index in a sheet's XML, streaming.

    Rows without an r attribute count on from the previous row, as in openpyxl. Regular
    expressions over the bytes are several times faster than a second XML parse, and the
    result only adds errors: the values themselves come from openpyxl.
    """
    scan = SheetScan()
    current = 0
    buf = b""
    iterator = iter(chunks)
    while True:
        chunk = next(iterator, b"")
        eof = not chunk
        buf += chunk
        limit = len(buf) if eof else len(buf) - _SCAN_OVERLAP
        pos = 0
        for match in _TAG_RE.finditer(buf):
            if match.end() > limit:
                break
            pos = match.end()
            attrs = match.group(2)
            if match.group(1) == b"row":
                r = _R_ATTR_RE.search(b" " + attrs)
                current = int(r.group(1)) if r else current + 1
                scan.last_row = max(scan.last_row, current)
            else:
                ref = _REF_ATTR_RE.search(b" " + attrs)
                if ref:
                    first = ref.group(1).decode()
                    scan.merged.append((first, (ref.group(2) or ref.group(1)).decode()))
        if eof:
            return scan
        buf = buf[max(pos, limit - _SCAN_OVERLAP):]


def _scan_sheet(data: bytes, sheet_path: str | None) -> SheetScan:
    if not sheet_path:
        return SheetScan()
    name = sheet_path.lstrip("/")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if name not in archive.namelist():
            return SheetScan()
        with archive.open(name) as fh:
            return scan_sheet_xml(iter(lambda: fh.read(_SCAN_CHUNK), b""))


def _report_scan(scan: SheetScan, collector: ProblemCollector, limits: UploadLimits) -> None:
    for first, last in scan.merged:
        m = _CELL_RE.match(first)
        row, column = (int(m.group(2)), m.group(1).upper()) if m else (None, None)
        collector.add(f"Verbundene Zellen ({first}:{last}) sind nicht erlaubt. Bitte heben Sie die Verbindung auf.",
                      sheet=SHEET_DEMAND, row=row, column=column)
    if scan.last_row > limits.max_rows:
        collector.add(f"Das Blatt reicht bis Zeile {thousands(scan.last_row)}; gelesen werden höchstens "
                      f"{thousands(limits.max_rows)} Zeilen. Bitte löschen Sie die Zeilen unterhalb der Vorlage.",
                      sheet=SHEET_DEMAND, row=limits.max_rows + 1)
