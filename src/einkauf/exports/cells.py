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
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.styles.cell_style import StyleArray

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


def text_cell(ws, value: Any) -> Cell:
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


class FixedLookCell(Cell):
    """A write-only cell of one fixed look (font, fill, alignment, number format, protection,
    quotePrefix), reused row after row; the look must not change once the cell has been written.

    Measured (10,000 positions): beyond the raw floor, openpyxl spent most of its time per
    styled cell on hashing the cell's style array to find its style id when writing it, and
    in append() on repr() of the cell for a ValueError it raises and catches (a Cell is not a
    plain value). The style id is looked up once here — when the cell is first written, so
    that style ids come out in the same order as before — and repr() is cheap."""

    __slots__ = ("_style_id",)

    def __init__(self, ws, style_array: StyleArray):
        super().__init__(ws, row=1, column=1, style_array=style_array)
        self._style_id: int | None = None

    @property
    def style_id(self) -> int:
        if self._style_id is None:
            # openpyxl's own style registry (private; the reason for this class, see above)
            self._style_id = self.parent.parent._cell_styles.add(self._style)  # type: ignore[union-attr,attr-defined]
        return self._style_id

    def __repr__(self) -> str:
        return "<FixedLookCell>"
