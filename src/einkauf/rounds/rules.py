"""Pure input rules of members, delivery sites and rounds (no Flask, no SQLAlchemy).

Each check returns a German problem text, or None when the value is acceptable, so that
forms and services share one wording.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from einkauf.texts import N_

# ASCII classes on purpose: `\d` would also accept full-width or Arabic-Indic digits.
_AGS_RE = re.compile(r"[0-9]{8}")
_POSTCODE_RE = re.compile(r"[0-9]{5}")
_ROUND_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,20}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK_RE = re.compile(r"[\t\r\n]")

# Marked for the catalogue: the forms show them translated (services keep the German text).
AGS_PROBLEM = N_("Der AGS (Amtlicher Gemeindeschlüssel) besteht aus genau 8 Ziffern 0–9, z. B. 05913000.")
POSTCODE_PROBLEM = N_("Die Postleitzahl besteht aus genau 5 Ziffern 0–9.")
ROUND_CODE_PROBLEM = N_("Das Kürzel besteht aus 1 bis 20 Zeichen: Buchstaben A–Z und a–z ohne Umlaute, "
                        "Ziffern, Bindestrich und Unterstrich (z. B. 2027).")

MAX_MEMBER_NAME = 200
MAX_REGION = 100
MAX_SITE_NAME = 200
MAX_STREET = 200
MAX_CITY = 100
MAX_ROUND_TITLE = 200

MIN_TERM_MONTHS, MAX_TERM_MONTHS = 1, 120
MIN_EXTENSION_MONTHS, MAX_EXTENSION_MONTHS = 0, 120
MAX_BUFFER_PCT = Decimal(100)
# Dates outside this window are typing mistakes, and years near 1 or 9999 overflow when
# converted between time zones.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2199, 12, 31)

ROUND_STATUS_LABELS = {"draft": "Entwurf", "open": "geöffnet", "closed": "geschlossen"}


def clean_line(value: str | None) -> str:
    """Single-line text as einkauf.forms.clean_text makes it: NFC, control characters removed,
    tabs and line breaks turned into blanks, surrounding blanks trimmed."""
    value = unicodedata.normalize("NFC", value or "")
    return _LINE_BREAK_RE.sub(" ", _CONTROL_RE.sub("", value)).strip()


def ags_problem(ags: str) -> str | None:
    return None if _AGS_RE.fullmatch(ags or "") else AGS_PROBLEM


def postcode_problem(postcode: str) -> str | None:
    return None if _POSTCODE_RE.fullmatch(postcode or "") else POSTCODE_PROBLEM


def code_stem(code: str) -> str:
    """The round code as it appears in a Vergabenummer: runs of other characters become one
    hyphen, letters upper case ("2042_b" and "2042-B" both give "2042-B"). Two rounds must not
    share a stem, or their tenders would compete for the same numbers (issue 11)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", code or "").strip("-").upper() or "R"


def round_code_problem(code: str) -> str | None:
    return None if _ROUND_CODE_RE.fullmatch(code or "") else ROUND_CODE_PROBLEM


def text_problem(label: str, value: str, maximum: int, *, required: bool = True) -> str | None:
    """label is the field's name as the form shows it, e.g. 'Name'."""
    if required and not value:
        return f"Bitte füllen Sie das Feld „{label}“ aus."
    if len(value) > maximum:
        return f"„{label}“ darf höchstens {maximum} Zeichen lang sein."
    return None


def whole_number_problem(label: str, value: int, minimum: int, maximum: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        return f"„{label}“ muss eine ganze Zahl von {minimum} bis {maximum} sein."
    return None


def buffer_problem(value: Decimal) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return "Der Höchstmengenpuffer muss eine Zahl sein."
    if value < 0 or value > MAX_BUFFER_PCT or value.is_signed():
        return "Der Höchstmengenpuffer muss zwischen 0 und 100 % liegen."
    if value != value.quantize(Decimal("0.01")):
        return "Der Höchstmengenpuffer darf höchstens 2 Nachkommastellen haben."
    return None


def date_problem(label: str, value: date) -> str | None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return f"„{label}“ muss zwischen dem {EARLIEST_DATE:%d.%m.%Y} und dem {LATEST_DATE:%d.%m.%Y} liegen."
    return None


def round_status_label(status: str) -> str:
    return ROUND_STATUS_LABELS.get(getattr(status, "value", status), str(status))
