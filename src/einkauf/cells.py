"""Text-safe spreadsheet cells, shared by every openpyxl export and template (R12).

openpyxl reads any string that starts with "=" as a formula and the seven error literals
("#N/A", …) as error cells, and it refuses control characters and strings longer than
32,767 characters. User text must never become a formula (OWASP CSV injection, ASVS 5.0
1.2.10), and an odd character must not crash an export: text is cleaned, then written with
data type "s"; text that Excel would re-read as a formula when the cell is edited also gets
the quotePrefix style. The text itself stays unchanged, so a round trip gives it back.

Pure: openpyxl only, no Flask, no SQLAlchemy.
"""
from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection

MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
# Text that Excel (or a later edit of the cell) would read as a formula or a DDE call.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def excel_text(value: Any) -> str:
    """A value as Excel can store it: illegal control characters removed, at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return text[:MAX_CELL_CHARS]


def needs_forced_text(text: str) -> bool:
    """Whether openpyxl or Excel would read this (already cleaned) text as something other than text."""
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES


def put_text(cell, value: Any) -> None:
    """Write user text into a cell of a normal worksheet as text, never as a formula (R12).

    openpyxl turns any string starting with "=" into a formula; data_type "s" keeps it a
    string, and the quotePrefix style keeps Excel from re-reading it as a formula when the
    cell is edited — the text itself stays unchanged, so a round trip gives it back as it was.
    """
    text = excel_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def text_cell(ws, value: Any) -> WriteOnlyCell:
    """A cell of a write-only worksheet holding `value` as text (cleaned, never a formula)."""
    cell = WriteOnlyCell(ws)
    put_text(cell, value)
    return cell


class TextCells:
    """Text values for the rows of a write-only worksheet, cleaned once per distinct text.

    Exports repeat the same few thousand texts (member, site and product names) a million
    times; cleaning each once and remembering the result keeps the per-cell cost at a dict
    look-up. `value(text)` returns what to put into the appended row: the cleaned string
    (openpyxl writes it as a string cell), or a forced text cell where a plain string would
    turn into a formula or an error value.
    """

    MAX_REMEMBERED = 200_000  # distinct texts; beyond that, clean without remembering

    def __init__(self, ws) -> None:
        self.ws = ws
        self._plain: dict[str, str] = {}
        self._forced: set[str] = set()

    def value(self, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        plain = self._plain.get(raw)
        if plain is not None:
            return plain
        if raw in self._forced:
            return text_cell(self.ws, raw)
        text = excel_text(raw)
        if needs_forced_text(text):
            if len(self._forced) < self.MAX_REMEMBERED:
                self._forced.add(raw)
            return text_cell(self.ws, text)
        if len(self._plain) < self.MAX_REMEMBERED:
            self._plain[raw] = text
        return text or None


# Shared look of the templates and sheets einkauf hands out.
PRICE_FORMAT = '#,##0.00 "€"'
TEXT_FORMAT = "@"
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
UNLOCKED = Protection(locked=False)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def protect_sheet(ws) -> None:
    """Sheet protection without a password : locked cells cannot be
    typed over; filtering, column widths and selecting stay possible."""
    ws.protection.sheet = True
    ws.protection.autoFilter = False  # False = allowed: filtering stays possible
    ws.protection.formatColumns = False  # column widths may be changed
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
