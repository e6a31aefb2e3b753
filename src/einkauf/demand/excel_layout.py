"""The Excel round trip of a member's demand: the layout shared by the writer and the reader (R12, R13).

Pure: plain data in, bytes out, and bytes in, rows and problems out — no Flask, no
SQLAlchemy. `excel_writer` builds the template, `excel_reader` reads it back;
`excel_service` loads the data and saves the rows.

The workbook has four sheets:
- "Anleitung": what to fill in, in German;
- "Bedarf": the round's catalogue, one row per existing demand line (one empty row for a
  product without lines), then empty rows for additional lines; columns F–J are unlocked,
  everything else is locked; a hidden column K holds a technical key per row;
- "Info": round, member (AGS and name), deadline, creation time and template version; the
  import refuses a file of another round or another member (the member itself always comes
  from the signed-in user or the command line, never from the file);
- "Listen" (hidden): the member's delivery sites and the product numbers for the
  drop-down lists (inline lists are limited to 255 characters).

Sheet protection has no password on purpose: it guards against slips (typing over an article
number, deleting a column), not against a determined user — sheet passwords are trivially
removed — and a password would only lock out users with a legitimate reason to unprotect.
The import never trusts the protection: it checks every cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

TEMPLATE_VERSION = "1"
SHEET_GUIDE = "Anleitung"
SHEET_DEMAND = "Bedarf"
SHEET_INFO = "Info"
SHEET_LISTS = "Listen"
KNOWN_SHEETS = (SHEET_GUIDE, SHEET_DEMAND, SHEET_INFO, SHEET_LISTS)

# (header, width); the order is the column order A, B, C, … and part of the file format.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("Warengruppe", 28),
    ("Artikel-Nr.", 15),
    ("Kurztext", 48),
    ("Einheit", 14),
    ("Schätzpreis netto (€)", 14),
    ("Menge", 12),
    ("Lieferstelle", 30),
    ("Kostenstelle", 16),
    ("Sachkonto", 14),
    ("Bemerkung", 40),
    ("Schlüssel", 16),
)
HEADERS = tuple(h for h, _w in COLUMNS)
COL = {h: i + 1 for i, h in enumerate(HEADERS)}  # header → 1-based column index
LETTER = {h: get_column_letter(i) for h, i in COL.items()}
EDITABLE = ("Menge", "Lieferstelle", "Kostenstelle", "Sachkonto", "Bemerkung")
LAST_COLUMN = len(COLUMNS)

EXTRA_ROWS = 100
MAX_PROBLEMS = 1000
KEY_RE = re.compile(r"^(?P<number>[A-Za-z0-9][A-Za-z0-9._/-]*)?#(?P<n>[0-9]{1,6})\Z")
INFO_LABELS = ("Bedarfsabfrage", "Titel", "AGS", "Mitglied", "Abgabefrist", "Erstellt am", "Vorlagenversion")


@dataclass(frozen=True)
class SheetLine:
    """A demand line as it stands on the "Bedarf" sheet: the article by its number and the
    delivery site by its name, as a person reads and types them. The writer prefills the
    template with the stored lines; the reader returns each filled row (its quantity set) with
    `row` (the sheet row, 1-based) and `key` (the hidden technical key of column K) so that
    problems point at the cell. Resolving the number and the name against the catalogue and the
    member's sites turns it into a LineInput (einkauf.demand.services)."""

    product_number: str
    quantity: Decimal
    delivery_site: str = ""
    cost_centre: str = ""
    budget_account: str = ""
    note: str = ""
    row: int = 0    # 0: not read from a sheet (a line to write)
    key: str = ""
