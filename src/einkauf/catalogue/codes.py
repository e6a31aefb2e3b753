"""Pure rules for catalogue codes: CPV and unit code formats, and reading the official lists.

No SQLAlchemy or Flask here: these functions take and return plain data, so they are tested
without a database. A CPV code is *valid* only if it is in the official list (the check digit
cannot be computed reliably for CPV 2008); this module only checks the *format*.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

# ASCII digits only: Python's \d would also accept Arabic-Indic and other Unicode digits.
CPV_PATTERN = re.compile(r"^[0-9]{8}-[0-9]$")
CPV_WITHOUT_CHECK_DIGIT = re.compile(r"^[0-9]{8}$")
UNIT_CODE_PATTERN = re.compile(r"^[A-Z0-9]{2,3}$")

CPV_LABEL_MAX = 400  # cpv_codes.label
UNIT_LABEL_MAX = 100  # units.label
UNIT_SYMBOL_MAX = 20  # units.symbol
MAX_ROWS = 100_000  # far above the 9,454 CPV codes and ~2,100 Rec 20 units
MAX_SHOWN_INPUT = 40

# UN/ECE Rec 20 status column: empty = valid; change markers (added, changed name,
# changed characteristics, reinstated) are valid codes too. "D" deprecated, "X" deleted.
REC20_VALID_STATUSES = frozenset({"", "+", "#", "¦", "|", "="})


def shown(text: str) -> str:
    """User input as quoted in a message: trimmed, control characters dropped, shortened."""
    cleaned = "".join(ch for ch in str(text) if ch.isprintable()).strip()
    if len(cleaned) > MAX_SHOWN_INPUT:
        cleaned = cleaned[: MAX_SHOWN_INPUT - 1] + "…"
    return cleaned


def is_cpv_format(code: str) -> bool:
    """True for the written form of a CPV code with check digit, e.g. '30192000-1'."""
    return bool(CPV_PATTERN.match(code))


@dataclass(frozen=True)
class CpvInput:
    """A CPV code as typed: either complete ('30192000-1') or without check digit ('30192000')."""

    digits: str
    check_digit: str | None

    @property
    def code(self) -> str | None:
        return f"{self.digits}-{self.check_digit}" if self.check_digit is not None else None


def parse_cpv_input(text: str | None) -> CpvInput | None:
    """Read a CPV code typed by a user; surrounding whitespace is ignored.

    Returns None when the text is neither 'dddddddd-d' nor 'dddddddd' (ASCII digits).
    """
    raw = (text or "").strip()
    if CPV_PATTERN.match(raw):
        return CpvInput(raw[:8], raw[9])
    if CPV_WITHOUT_CHECK_DIGIT.match(raw):
        return CpvInput(raw, None)
    return None


def weighted_check_digit(digits: str) -> int:
    """The check digit the weighted formula would give (weights 3,7,1,…).

    For information only: it matches about 94 % of the official CPV 2008 codes, so a code is
    never accepted or refused because of it — the official list decides.
    """
    if not CPV_WITHOUT_CHECK_DIGIT.match(digits):
        raise ValueError("eight ASCII digits expected")
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10


# --- reading the official lists --------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """A problem in one line of an imported file (1-based physical line number)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Zeile {self.line}: {self.message}"


class ListFileError(ValueError):
    """The file could not be read at all (encoding, header, size)."""


def _read_text(source: bytes | str | IO) -> str:
    if isinstance(source, str):
        return source
    data = source if isinstance(source, bytes) else source.read()
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ListFileError(f"Zeile {line}: Die Datei ist nicht UTF-8-kodiert.") from exc


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each CSV record; the line number is where the record starts."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ListFileError(f"Zeile {reader.line_num}: Die CSV-Datei ist fehlerhaft ({exc}).") from exc


def _printable(text: str) -> bool:
    """No control characters (category Cc) other than tabs and line breaks, which become spaces."""
    return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text)


def _clean_label(text: str) -> str:
    """Trim and collapse runs of whitespace (the Rec 20 list has no-break spaces inside names)."""
    return " ".join(text.replace("\u00a0", " ").split())


def read_cpv_csv(source: bytes | str | IO) -> tuple[list[tuple[str, str]], list[RowError]]:
    """Read the official CPV list: UTF-8 CSV with the header 'code,name'.

    Returns the (code, label) rows and the errors, one per bad line. The caller imports
    nothing unless the error list is empty (all or nothing).
    """
    rows: list[tuple[str, str]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    records = _rows(_read_text(source))
    header = next(records, None)
    if header is None:
        raise ListFileError("Zeile 1: Die Datei ist leer.")
    line, fields = header
    if [f.strip().lower() for f in fields] != ["code", "name"]:
        raise ListFileError(f"Zeile {line}: Die Kopfzeile muss „code,name“ lauten.")
    for line, fields in records:
        if not fields or fields == [""]:
            continue  # blank line
        if len(rows) + len(errors) >= MAX_ROWS:
            raise ListFileError(f"Zeile {line}: Die Datei hat mehr als {MAX_ROWS} Zeilen.")
        if len(fields) != 2:
            errors.append(RowError(line, f"2 Spalten (code,name) erwartet, {len(fields)} gefunden."))
            continue
        code, label = fields[0].strip(), fields[1]
        if not _printable(label):
            errors.append(RowError(line, f"Die Bezeichnung zu „{shown(code)}“ enthält Steuerzeichen."))
            continue
        label = _clean_label(label)
        if not is_cpv_format(code):
            errors.append(RowError(line, f"„{shown(code)}“ ist kein CPV-Code im Format 12345678-9."))
        elif code in seen:
            errors.append(RowError(line, f"Der CPV-Code {code} steht bereits in Zeile {seen[code]}."))
        elif not label:
            errors.append(RowError(line, f"Zum CPV-Code {code} fehlt die Bezeichnung."))
        elif len(label) > CPV_LABEL_MAX:
            errors.append(RowError(line, f"Die Bezeichnung zu {code} ist länger als {CPV_LABEL_MAX} Zeichen."))
        else:
            seen[code] = line
            rows.append((code, label))
    return rows, errors


REC20_COLUMNS = ("Status", "CommonCode", "Name")


def read_rec20_csv(source: bytes | str | IO) -> tuple[list[tuple[str, str, str]], list[RowError], int]:
    """Read UN/ECE Recommendation 20 (columns Status, CommonCode, Name, …, Symbol, …).

    Returns (code, English name, symbol) for valid codes, the row errors, and the number of
    deprecated or deleted rows skipped. Symbols longer than the column are left out.
    """
    rows: list[tuple[str, str, str]] = []
    errors: list[RowError] = []
    skipped = 0
    seen: dict[str, int] = {}
    records = _rows(_read_text(source))
    header = next(records, None)
    if header is None:
        raise ListFileError("Zeile 1: Die Datei ist leer.")
    line, names = header
    names = [n.strip() for n in names]
    missing = [c for c in REC20_COLUMNS if c not in names]
    if missing:
        raise ListFileError(f"Zeile {line}: Es fehlen die Spalten {', '.join(missing)}.")
    index = {name: names.index(name) for name in (*REC20_COLUMNS, "Symbol") if name in names}
    for line, fields in records:
        if not fields or fields == [""]:
            continue
        if len(rows) + len(errors) + skipped >= MAX_ROWS:
            raise ListFileError(f"Zeile {line}: Die Datei hat mehr als {MAX_ROWS} Zeilen.")
        if len(fields) != len(names):
            errors.append(RowError(line, f"{len(names)} Spalten erwartet, {len(fields)} gefunden."))
            continue
        status = fields[index["Status"]].strip()
        if status not in REC20_VALID_STATUSES:
            skipped += 1
            continue
        code = fields[index["CommonCode"]].strip()
        name = fields[index["Name"]]
        symbol = _clean_label(fields[index["Symbol"]]) if "Symbol" in index else ""
        if not _printable(name):
            errors.append(RowError(line, f"Die Bezeichnung zu „{shown(code)}“ enthält Steuerzeichen."))
            continue
        name = _clean_label(name)
        if not UNIT_CODE_PATTERN.match(code):
            errors.append(RowError(line, f"„{shown(code)}“ ist kein Einheitencode (2–3 Zeichen A–Z, 0–9)."))
        elif code in seen:
            errors.append(RowError(line, f"Der Einheitencode {code} steht bereits in Zeile {seen[code]}."))
        elif not name:
            errors.append(RowError(line, f"Zum Einheitencode {code} fehlt die Bezeichnung."))
        elif len(name) > UNIT_LABEL_MAX:
            errors.append(RowError(line, f"Die Bezeichnung zu {code} ist länger als {UNIT_LABEL_MAX} Zeichen."))
        else:
            seen[code] = line
            if len(symbol) > UNIT_SYMBOL_MAX or not _printable(symbol):
                symbol = ""
            rows.append((code, name, symbol))
    return rows, errors, skipped
