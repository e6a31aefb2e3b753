"""Reading a supplier's sales report (Umsatzmeldung): bytes in, rows and the detected format or
problems out (issue 15 part 2, R13).

Pure: no Flask, no SQLAlchemy. Two formats:
- xlsx: the raw bytes pass the checks of every upload first (einkauf.demand.upload_checks: size,
  zip directory and bombs, macros, DOCTYPE); openpyxl then reads the first sheet read-only with
  formulas kept as formulas (a formula is an error, never evaluated), dimensions reset, up to our
  own row and column caps. Numbers are the cells' numbers.
- CSV: UTF-8 (with or without BOM), else Windows-1252 (bytes Windows-1252 does not define: the
  encoding is not recognised); `;` or `,` as separator, chosen by the header row; decimal comma
  or point, decided from the numbers themselves. A file whose numbers are all whole says which
  mark was assumed (`;` → comma, `,` → point); a file with both decimal comma and decimal point,
  or with a number that reads differently under the two ("1.234"), is refused — nothing is
  guessed silently.

The header row names the columns (German, case-insensitive): Mitglied (AGS or the supplier's
customer number), Artikelnummer, Artikelbezeichnung (optional), Menge, Nettobetrag, Gutschrift
(optional: ja/x/1), Lieferort (optional), Bestelldatum (optional, TT.MM.JJJJ or JJJJ-MM-TT).
Other columns are named back as ignored. A row with the credit-note marker is stored negative
(quantity and net amount), whether the supplier wrote the numbers with a minus or without; a
negative number without the marker is an error. Numbers are read into scaled integers
(quantity in thousandths, money in cents) without a float on the way (R1).

Members and articles are resolved by the service (einkauf.calloffs.reports); this module checks
everything a row can get wrong on its own, and duplicate rows.
"""
from __future__ import annotations

import csv
import io
import logging
import operator
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from einkauf.demand.excel_reader import (
    NOT_DEFUSED,
    Problem,
    ProblemCollector,
    TooManyProblems,
    scan_sheet_xml,
    shown,
    xml_is_defused,
)
from einkauf.demand.upload_checks import OLE2_SIGNATURE, ZIP_SIGNATURE, UploadLimits, check_upload, thousands

log = logging.getLogger(__name__)

# 200,000 rows of a month's report fit far inside these; the web upload is capped lower by the
# request size (MAX_CONTENT_LENGTH), the command line reads files up to max_bytes.
SALES_REPORT_LIMITS = UploadLimits(max_bytes=100 * 1024 * 1024, max_members=50,
                                   max_unpacked_bytes=400 * 1024 * 1024, max_rows=250_000, max_columns=20,
                                   shared_strings_per_row=4, text_bytes_per_row=600,
                                   sheet_bytes_per_row=20 * 60 + 600)
WEB_MAX_BYTES = 19 * 1024 * 1024
WEB_LIMITS = replace(SALES_REPORT_LIMITS, max_bytes=WEB_MAX_BYTES)
MAX_PROBLEMS = 200

MEMBER, ARTICLE, TEXT, QUANTITY, AMOUNT, CREDIT, SITE, ORDERED = (
    "Mitglied", "Artikelnummer", "Artikelbezeichnung", "Menge", "Nettobetrag", "Gutschrift", "Lieferort",
    "Bestelldatum")
COLUMNS = (MEMBER, ARTICLE, TEXT, QUANTITY, AMOUNT, CREDIT, SITE, ORDERED)
REQUIRED = (MEMBER, ARTICLE, QUANTITY, AMOUNT)
# Header spellings (lower case, without spaces, dots and hyphens) → column.
ALIASES = {
    "mitglied": MEMBER, "ags": MEMBER, "kundennummer": MEMBER, "kundennr": MEMBER,
    "artikelnummer": ARTICLE, "artikelnr": ARTICLE,
    "artikelbezeichnung": TEXT, "bezeichnung": TEXT,
    "menge": QUANTITY,
    "nettobetrag": AMOUNT, "betragnetto": AMOUNT, "nettowert": AMOUNT,
    "gutschrift": CREDIT,
    "lieferort": SITE, "lieferstelle": SITE,
    "bestelldatum": ORDERED,
}
MAX_LENGTHS = {MEMBER: 60, ARTICLE: 60, TEXT: 200, SITE: 200}
CREDIT_YES = {"ja", "j", "x", "1", "yes", "y", "wahr", "true"}
CREDIT_NO = {"", "nein", "n", "0", "no", "falsch", "false"}
QUANTITY_PLACES, MONEY_PLACES = 3, 2
MAX_DIGITS = 13  # whole digits of a quantity or an amount (below 10^13; fits 64 bits scaled)

ENCODING_LABELS = {"utf-8-sig": "UTF-8 mit BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252"}
DELIMITER_LABELS = {";": "Semikolon", ",": "Komma"}
DECIMAL_LABELS = {",": "Dezimalkomma", ".": "Dezimalpunkt"}


class ReportRow(NamedTuple):
    """One row as read: the member as written, numbers as scaled integers (signed)."""

    row: int
    member: str
    article: str
    text: str
    quantity_milli: int
    amount_cents: int
    credit: bool
    site: str
    ordered: date | None


@dataclass
class ReportFormat:
    """What was detected (and is shown to the user and stored with the report)."""

    file_format: str = ""  # "xlsx" or "csv"
    encoding: str = ""  # csv: "utf-8-sig", "utf-8" or "cp1252"
    delimiter: str = ""  # csv: ";" or ","
    decimal_mark: str = ""  # csv: "," or "." ("" for xlsx: numbers are cells' numbers)
    decimal_assumed: bool = False  # only whole numbers: the mark was assumed from the separator
    ignored_columns: tuple[str, ...] = ()

    def describe(self) -> str:
        """The format in German words, e.g. „CSV, UTF-8, Semikolon, Dezimalkomma“."""
        if self.file_format == "xlsx":
            text = "Excel-Arbeitsmappe (.xlsx)"
        else:
            mark = DECIMAL_LABELS.get(self.decimal_mark, "–")
            if self.decimal_assumed:
                mark += " (angenommen: alle Zahlen sind ganze Zahlen)"
            text = (f"CSV, {ENCODING_LABELS.get(self.encoding, self.encoding)}, "
                    f"Trennzeichen {DELIMITER_LABELS.get(self.delimiter, self.delimiter)}, {mark}")
        if self.ignored_columns:
            text += "; nicht ausgewertete Spalten: " + ", ".join(f"„{c}“" for c in self.ignored_columns)
        return text


def stored_format_text(file_format: str, encoding: str, delimiter: str, decimal_mark: str) -> str:
    """The format of a stored report in German words (as ReportFormat.describe, without the notes)."""
    return ReportFormat(file_format=file_format, encoding=encoding, delimiter=delimiter,
                        decimal_mark=decimal_mark).describe()


@dataclass
class ReportResult:
    format: ReportFormat = field(default_factory=ReportFormat)
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


UNREADABLE = ("Die Datei konnte nicht gelesen werden: sie ist beschädigt oder keine gültige Excel-Arbeitsmappe "
              "(.xlsx) bzw. CSV-Datei.")


def read_sales_report(data: bytes, limits: UploadLimits = SALES_REPORT_LIMITS) -> ReportResult:
    """Read a sales report (xlsx or CSV, told apart by its bytes); never raises for a bad file.
    All or nothing: with any problem, no rows are returned."""
    result = ReportResult()
    if not data:
        result.problems = [Problem("Die Datei ist leer (0 Byte).")]
        return result
    if len(data) > limits.max_bytes:
        from einkauf.demand.upload_checks import file_too_large

        result.problems = [Problem(file_too_large(len(data), limits.max_bytes))]
        return result
    if data.startswith(ZIP_SIGNATURE):
        _read_xlsx(data, limits, result)
    elif data.startswith(OLE2_SIGNATURE):
        result.problems = [Problem("Die Datei ist im alten Excel-Format (.xls) gespeichert oder verschlüsselt. Bitte "
                                   "als „Excel-Arbeitsmappe (*.xlsx)“ oder als CSV speichern.")]
    else:
        _read_csv(data, limits, result)
    if result.problems:
        result.rows = []
    return result


# --- columns and rows, shared by both formats ---------------------------------------------------------

def _header_key(value: Any) -> str:
    text = unicodedata.normalize("NFC", str(value)).strip().lower() if value is not None else ""
    return re.sub(r"[\s.\-_]", "", text)


class _Layout:
    """The column index of each known column, from the header row."""

    def __init__(self, header: Sequence[Any], collector: ProblemCollector, sheet: str | None,
                 letters: bool) -> None:
        self.index: dict[str, int] = {}
        self.ignored: list[str] = []
        self.letters = letters
        self.sheet = sheet
        for position, value in enumerate(header):
            key = _header_key(value)
            if not key:
                continue
            column = ALIASES.get(key)
            if column is None:
                self.ignored.append(shown(value))
            elif column in self.index:
                collector.add(f"Die Spalte „{column}“ kommt doppelt vor.", sheet=sheet, row=1,
                              column=self.label(position))
            else:
                self.index[column] = position
        missing = [c for c in REQUIRED if c not in self.index]
        if missing:
            collector.add("Die Kopfzeile nennt die Pflichtspalte(n) " + ", ".join(f"„{c}“" for c in missing)
                          + " nicht. Erwartet werden die Spalten " + ", ".join(f"„{c}“" for c in COLUMNS)
                          + " (Artikelbezeichnung, Gutschrift, Lieferort und Bestelldatum optional).",
                          sheet=sheet, row=1)

    def label(self, position: int) -> str:
        if self.letters:
            from openpyxl.utils import get_column_letter

            return get_column_letter(position + 1)
        return str(position + 1)

    def column(self, name: str) -> str:
        position = self.index[name]
        return f"{self.label(position)} ({name})"


def _clean(value: str) -> str:
    text = unicodedata.normalize("NFC", value[:2000]) if not value.isascii() else value
    return re.sub(r"[\x00-\x1f\x7f]", " ", text).strip()


_PLAIN_NUMBER = {",": re.compile(r"[0-9]+(,[0-9]+)?"), ".": re.compile(r"[0-9]+(\.[0-9]+)?")}
_GROUPED_WHOLE = {",": re.compile(r"[0-9]{1,3}(\.[0-9]{3})+"), ".": re.compile(r"[0-9]{1,3}(,[0-9]{3})+")}


def _scaled_text(raw: str, places: int, mark: str) -> int:
    """A number written as text with the given decimal mark (groups of the other mark allowed)
    as an integer of 10^-places units; ValueError (German) otherwise."""
    text = raw.strip()
    if " " in text or "\u00a0" in text or "\u202f" in text:
        text = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    negative = text.startswith("-")
    if negative or text.startswith("+"):
        text = text[1:]
    other = "." if mark == "," else ","
    if other in text:
        if not _GROUPED_WHOLE[mark].fullmatch(text.split(mark, 1)[0]):
            raise ValueError("bad")
        text = text.replace(other, "")
    if not _PLAIN_NUMBER[mark].fullmatch(text):
        raise ValueError("bad")
    whole, _, fraction = text.partition(mark)
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise ValueError("huge")
    if len(fraction) > places:
        raise ValueError("places")
    value = int(whole) * 10**places + (int(fraction.ljust(places, "0")) if fraction else 0)
    return -value if negative else value


def _scaled_cell(value: Any, places: int) -> int:
    """A cell's number (int, float, Decimal) as an integer of 10^-places units."""
    if isinstance(value, bool):
        raise ValueError("bool")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("bad")
        number = Decimal(repr(value))
        quantum = Decimal(1).scaleb(-places)
        if abs(number) < 10**MAX_DIGITS and number != number.quantize(quantum):
            # Excel keeps 15 significant digits: a pasted calculation may carry binary noise.
            rounded = Decimal(format(value, ".15g"))
            if rounded == rounded.quantize(quantum):
                number = rounded
    elif isinstance(value, Decimal):
        number = value
    else:
        raise ValueError("type")
    if not number.is_finite():
        raise ValueError("bad")
    if abs(number) >= 10**MAX_DIGITS:
        raise ValueError("huge")
    try:
        scaled = number.scaleb(places)
        if scaled != scaled.to_integral_value():
            raise ValueError("places")
    except InvalidOperation as exc:  # pragma: no cover - finite numbers below 10^13 scale exactly
        raise ValueError("bad") from exc
    return int(scaled)


NUMBER_MESSAGES = {
    "places": "{what}: höchstens {places} Nachkommastellen.",
    "huge": "{what}: die Zahl ist unrealistisch groß.",
}


def _number_problem(reason: str, what: str, places: int, raw: Any) -> str:
    template = NUMBER_MESSAGES.get(reason)
    if template:
        return template.format(what=what, places=places)
    if reason == "text":
        return f"{what}: „{shown(raw)}“ ist als Text eingetragen. Bitte als Zahl eintragen."
    if reason == "date":
        return f"{what}: die Zelle ist als Datum formatiert. Bitte als Zahl eintragen."
    return f"{what}: „{shown(raw)}“ ist keine Zahl."


_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_DE_DATE = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")


def parse_order_date(raw: str) -> date:
    """TT.MM.JJJJ or JJJJ-MM-TT; ValueError otherwise."""
    text = raw.strip()
    match = _DE_DATE.match(text)
    if match:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    match = _ISO_DATE.match(text[:10] if len(text) == 19 and text[10] in " T" else text)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise ValueError("date")


class _RowReader:
    """Checks the cells of one row (as text or cell values) and collects the rows."""

    def __init__(self, layout: _Layout, collector: ProblemCollector, mark: str | None) -> None:
        self.layout = layout
        self.collector = collector
        self.mark = mark  # None: cells' numbers (xlsx)
        self.rows: list[ReportRow] = []
        self.seen: dict[tuple, int] = {}
        self.mark_source: tuple[int, str, str] | None = None
        index = layout.index
        self.at = [index.get(c) for c in COLUMNS]
        # The fast path: the eight columns in one itemgetter (a missing optional column reads the
        # None appended to every row), texts, credit markers and dates cleaned once per distinct value.
        self.width = max(i for i in self.at if i is not None) + 1
        self.getter = operator.itemgetter(*[i if i is not None else self.width for i in self.at])
        self.texts: dict[Any, str] = {}
        self.credits: dict[Any, bool] = {None: False, "": False}
        self.dates: dict[Any, date | None] = {None: None, "": None}
        places = {QUANTITY_PLACES: "{1,3}", MONEY_PLACES: "{1,2}"}
        self.plain = {p: re.compile(rf"(-?)([0-9]{{1,{MAX_DIGITS}}})(?:\{mark}([0-9]{q}))?\Z")
                      for p, q in places.items()} if mark is not None else {}

    def _fast_text(self, value: Any, limit: int | None) -> str | None:
        text = self.texts.get(value)
        if text is None:
            if isinstance(value, str) and value.startswith("=") and self.mark is None:
                return None
            text = _text(value)
            if len(self.texts) < 200_000:
                self.texts[value] = text
        if limit is not None and len(text) > limit:
            return None
        return text

    def _fast_number(self, value: Any, places: int) -> int | None:
        if self.mark is not None:
            if type(value) is not str:
                return None
            match = self.plain[places].match(value)
            if match is None:
                return None
            sign, whole, fraction = match.groups()
            number = int(whole) * 10**places + (int(fraction.ljust(places, "0")) if fraction else 0)
            return -number if sign else number
        if type(value) is int:
            return value * 10**places if abs(value) < 10**MAX_DIGITS else None
        if type(value) is float:
            try:
                return _scaled_cell(value, places)
            except ValueError:
                return None
        return None

    def add(self, row: int, cells: Sequence[Any]) -> None:
        """Read one row: the fast path for a good row, else the full check that names every problem."""
        padded = [*cells, None] if len(cells) >= self.width else [*cells, *([None] * (self.width + 1 - len(cells)))]
        member, article, text, quantity, amount, credit_raw, site, ordered_raw = self.getter(padded)
        if not (member or article or quantity or amount):
            return self._add_checked(row, cells)
        member = self._fast_text(member, 60)
        article = self._fast_text(article, 60)
        text = self._fast_text(text, 200)
        site = self._fast_text(site, 200)
        credit = self.credits.get(credit_raw)
        if credit is None and isinstance(credit_raw, (str, int)) and not isinstance(credit_raw, bool):
            lowered = _text(credit_raw).lower()
            if lowered in CREDIT_YES or lowered in CREDIT_NO:
                credit = self.credits[credit_raw] = lowered in CREDIT_YES
        ordered = self.dates.get(ordered_raw, False) if not isinstance(ordered_raw, (list, dict)) else False
        if ordered is False:
            try:
                ordered = ordered_raw.date() if isinstance(ordered_raw, datetime) else (
                    ordered_raw if isinstance(ordered_raw, date) else parse_order_date(ordered_raw))
                if len(self.dates) < 10_000:
                    self.dates[ordered_raw] = ordered
            except (ValueError, AttributeError, TypeError):
                ordered = False
        q = self._fast_number(quantity, QUANTITY_PLACES)
        a = self._fast_number(amount, MONEY_PLACES)
        if (not member or not article or text is None or site is None or credit is None or ordered is False
                or q is None or a is None or (not credit and (q < 0 or a < 0))):
            return self._add_checked(row, cells)
        if credit:
            q, a = -abs(q), -abs(a)
        key = (member, article, q, a, credit, site, ordered)
        if key in self.seen:
            return self._add_checked(row, cells)
        self.seen[key] = row
        self.rows.append(ReportRow(row, member, article, text, q, a, credit, site,
                                   ordered if isinstance(ordered, date) else None))
        return None

    def _add_checked(self, row: int, cells: Sequence[Any]) -> None:
        values = [cells[i] if i is not None and i < len(cells) else None for i in self.at]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            return
        collector, layout, sheet = self.collector, self.layout, self.layout.sheet
        before = len(collector.problems)
        texts: dict[str, str] = {}
        for name, value in zip(COLUMNS, values, strict=True):
            if name in (QUANTITY, AMOUNT, ORDERED):
                continue
            if isinstance(value, str) and value.startswith("=") and self.mark is None:
                collector.add("Formeln sind nicht erlaubt – bitte Werte eintragen.", sheet=sheet, row=row,
                              column=layout.column(name))
                continue
            text = _text(value)
            limit = MAX_LENGTHS.get(name)
            if limit is not None and len(text) > limit:
                collector.add(f"Höchstens {limit} Zeichen.", sheet=sheet, row=row, column=layout.column(name))
            texts[name] = text
        for name in (MEMBER, ARTICLE):
            if name in texts and not texts[name]:
                collector.add(f"Bitte „{name}“ angeben.", sheet=sheet, row=row, column=layout.column(name))
        quantity = self._number(row, values[3], QUANTITY, QUANTITY_PLACES)
        amount = self._number(row, values[4], AMOUNT, MONEY_PLACES)
        credit_text = texts.get(CREDIT, "").lower()
        credit = credit_text in CREDIT_YES
        if not credit and credit_text not in CREDIT_NO:
            collector.add(f"Gutschrift: „{shown(texts[CREDIT])}“ ist kein Kennzeichen; bitte „ja“, „x“ oder „1“ "
                          "für eine Gutschrift, sonst leer lassen.", sheet=sheet, row=row, column=layout.column(CREDIT))
        ordered = self._date(row, values[7]) if values[7] not in (None, "") else None
        if len(collector.problems) > before or quantity is None or amount is None:
            return
        if credit:
            quantity, amount = -abs(quantity), -abs(amount)
        elif quantity < 0 or amount < 0:
            negative = QUANTITY if quantity < 0 else AMOUNT
            collector.add(f"{negative} ist negativ, aber die Zeile ist nicht als Gutschrift gekennzeichnet "
                          "(Spalte „Gutschrift“: ja).", sheet=sheet, row=row, column=layout.column(negative))
            return
        member = texts[MEMBER]
        key = (member, texts[ARTICLE], quantity, amount, credit, texts.get(SITE, ""), ordered)
        first = self.seen.get(key)
        if first is not None:
            collector.add(f"Die Zeile ist doppelt (gleich Zeile {first}). Bitte jede Lieferung nur einmal melden; "
                          "mehrere gleiche Lieferungen bitte zusammenfassen oder mit Bestelldatum bzw. Lieferort "
                          "unterscheiden.", sheet=sheet, row=row)
            return
        self.seen[key] = row
        self.rows.append(ReportRow(row, member, texts[ARTICLE], texts.get(TEXT, ""), quantity, amount, credit,
                                   texts.get(SITE, ""), ordered))

    def _number(self, row: int, value: Any, name: str, places: int) -> int | None:
        layout, sheet = self.layout, self.layout.sheet
        if value is None or (isinstance(value, str) and not value.strip()):
            self.collector.add(f"Bitte „{name}“ angeben.", sheet=sheet, row=row, column=layout.column(name))
            return None
        try:
            if self.mark is not None:
                return _scaled_text(value, places, self.mark)
            if isinstance(value, str):
                raise ValueError("formula" if value.startswith("=") else "text")
            if isinstance(value, (datetime, date)):
                raise ValueError("date")
            return _scaled_cell(value, places)
        except ValueError as exc:
            reason = str(exc)
            message = ("Formeln sind nicht erlaubt – bitte Werte eintragen." if reason == "formula"
                       else _number_problem(reason, name, places, value))
            evidence = decimal_evidence(value) if self.mark is not None and isinstance(value, str) else None
            if evidence in (",", ".") and evidence != self.mark and self.mark_source is not None:
                first_row, first_name, first_value = self.mark_source
                message = (f"Die Zahlen verwenden widersprüchliche Dezimalzeichen: „{shown(first_value)}“ (Zeile "
                           f"{first_row}, {first_name}) und „{shown(value)}“ (Zeile {row}, {name}). Bitte einheitlich "
                           "Dezimalkomma oder Dezimalpunkt verwenden.")
            self.collector.add(message, sheet=sheet, row=row, column=layout.column(name))
            return None

    def _date(self, row: int, value: Any) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            if not isinstance(value, str):
                raise ValueError("type")
            return parse_order_date(value)
        except ValueError:
            self.collector.add(f"Bestelldatum: „{shown(value)}“ ist kein Datum; bitte TT.MM.JJJJ oder JJJJ-MM-TT.",
                               sheet=self.layout.sheet, row=row, column=self.layout.column(ORDERED))
            return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return _clean(str(value))


# --- xlsx -----------------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, limits: UploadLimits, result: ReportResult) -> None:
    from openpyxl import load_workbook

    result.format = ReportFormat(file_format="xlsx")
    if not xml_is_defused():
        result.problems = [Problem(NOT_DEFUSED)]
        return
    raw = check_upload(data, limits)
    if raw:
        result.problems = [Problem(p.replace("diese Vorlage", "eine Umsatzmeldung")
                                   .replace("dieser Vorlage", "einer Umsatzmeldung")
                                   .replace("der Vorlage", "einer Umsatzmeldung")) for p in raw]
        return
    collector = ProblemCollector(MAX_PROBLEMS)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:
        log.debug("sales report could not be opened: %s", type(exc).__name__)
        result.problems = [Problem(UNREADABLE)]
        return
    try:
        ws = workbook.worksheets[0] if workbook.worksheets else None
        if ws is None:
            collector.add("Die Arbeitsmappe enthält kein Tabellenblatt.")
        else:
            sheet = shown(ws.title)
            ws.reset_dimensions()  # a forged <dimension> must neither hide rows nor inflate the sheet
            last_row = _last_row(data, getattr(ws, "_worksheet_path", None))
            if last_row > limits.max_rows:
                collector.add(f"Die Datei hat mehr als {thousands(limits.max_rows)} Zeilen (das Blatt reicht bis Zeile "
                              f"{thousands(last_row)}); mehr werden nicht gelesen. Bitte die Meldung aufteilen.",
                              sheet=sheet, row=limits.max_rows + 1)
            else:
                rows = ws.iter_rows(min_row=1, max_row=limits.max_rows + 1, max_col=limits.max_columns,
                                    values_only=True)
                _read_rows(rows, collector, result, sheet=sheet, letters=True, mark=None, limits=limits)
    except TooManyProblems:
        collector.problems.append(Problem(f"Die Prüfung wurde nach {MAX_PROBLEMS} Fehlern abgebrochen."))
    except Exception as exc:
        log.debug("sales report could not be read: %s", type(exc).__name__)
        collector.problems.append(Problem(UNREADABLE))
    finally:
        try:
            workbook.close()
        except Exception:  # pragma: no cover
            pass
    result.problems = collector.problems


def _last_row(data: bytes, sheet_path: str | None) -> int:
    """The highest row index present in the sheet's XML (streaming, einkauf.demand.excel_reader)."""
    if not sheet_path:
        return 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = sheet_path.lstrip("/")
        if name not in archive.namelist():
            return 0
        with archive.open(name) as fh:
            return scan_sheet_xml(iter(lambda: fh.read(1 << 20), b"")).last_row


def _read_rows(rows: Iterator[Sequence[Any]], collector: ProblemCollector, result: ReportResult, *,
               sheet: str | None, letters: bool, mark: str | None, limits: UploadLimits,
               mark_source: tuple[int, str, str] | None = None) -> None:
    header = next(rows, None)
    if header is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in header):
        collector.add("Die Kopfzeile (Zeile 1) fehlt.", sheet=sheet, row=1)
        return
    layout = _Layout(header, collector, sheet, letters)
    result.format.ignored_columns = tuple(layout.ignored)
    if collector.problems:
        return
    reader = _RowReader(layout, collector, mark)
    reader.mark_source = mark_source
    for number, cells in enumerate(rows, start=2):
        if number > limits.max_rows:
            if any(c is not None and c != "" for c in cells):
                collector.add(f"Die Datei hat mehr als {thousands(limits.max_rows)} Zeilen; mehr werden nicht "
                              "gelesen. Bitte die Meldung aufteilen.", sheet=sheet, row=number)
            break
        reader.add(number, cells)
    result.rows = reader.rows
    if not reader.rows and not collector.problems:
        collector.add("Die Datei enthält keine Zeilen unter der Kopfzeile.", sheet=sheet, row=2)


# --- CSV -------------------------------------------------------------------------------------------------

def decode_csv(data: bytes) -> tuple[str, str]:
    """The text and its encoding: "utf-8-sig", "utf-8" or "cp1252"; ValueError (German) otherwise."""
    if b"\x00" in data[:65536]:
        raise ValueError("Die Datei ist weder eine Excel-Arbeitsmappe (.xlsx) noch eine Textdatei (CSV) in UTF-8 "
                         "oder Windows-1252 (sie enthält Nullbytes, z. B. UTF-16).")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ValueError("Die Datei beginnt mit einer UTF-8-Kennung (BOM), enthält aber ungültige UTF-8-Zeichen "
                             f"(Byte {exc.start + 4}). Bitte erneut als „CSV UTF-8“ speichern.") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ValueError("Die Zeichenkodierung der CSV-Datei ist weder UTF-8 noch Windows-1252 (Byte "
                         f"{exc.start + 1}). Bitte als „CSV UTF-8“ oder „CSV (Trennzeichen-getrennt)“ "
                         "speichern.") from exc


def _delimiter(header_line: str) -> str | None:
    """The separator under which the header row names the required columns."""
    for delimiter in (";", ","):
        names = {ALIASES.get(_header_key(part.strip().strip('"'))) for part in header_line.split(delimiter)}
        if all(column in names for column in REQUIRED):
            return delimiter
    return None


_COMMA_ONLY = re.compile(r"^[+-]?[0-9]+,[0-9]{1,2}$|^[+-]?[0-9]+,[0-9]{4,}$")
_POINT_ONLY = re.compile(r"^[+-]?[0-9]+\.[0-9]{1,2}$|^[+-]?[0-9]+\.[0-9]{4,}$")
_GERMAN_FULL = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$|^[+-]?[0-9]{4,},[0-9]+$|^[+-]?0,[0-9]+$")
_ENGLISH_FULL = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$|^[+-]?[0-9]{4,}\.[0-9]+$|^[+-]?0\.[0-9]+$")
_GROUPS_POINT = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{3}){2,}$")
_GROUPS_COMMA = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3}){2,}$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}$")


def decimal_evidence(value: str) -> str | None:
    """"," or "." when the text can only be read with that decimal mark, "?" when it reads
    differently under both ("1.234": 1234 or 1,234), None when it is the same under both."""
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if not text or text.lstrip("+-").isdigit():
        return None
    if _COMMA_ONLY.match(text):  # the usual cases first: 12,50 and 12.50
        return ","
    if _POINT_ONLY.match(text):
        return "."
    if _AMBIGUOUS.match(text):
        return "?"
    if _GROUPS_POINT.match(text):
        return ","
    if _GROUPS_COMMA.match(text):
        return "."
    if _GERMAN_FULL.match(text) or _COMMA_ONLY.match(text):
        return ","
    if _ENGLISH_FULL.match(text) or _POINT_ONLY.match(text):
        return "."
    if "," in text and "." in text:
        return "," if text.rfind(",") > text.rfind(".") else "."
    return None


def _read_csv(data: bytes, limits: UploadLimits, result: ReportResult) -> None:
    collector = ProblemCollector(MAX_PROBLEMS)
    result.format = ReportFormat(file_format="csv")
    try:
        text, encoding = decode_csv(data)
    except ValueError as exc:
        result.problems = [Problem(str(exc))]
        return
    result.format.encoding = encoding
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(first_line)
    if delimiter is None:
        result.problems = [Problem("Die Kopfzeile der CSV-Datei wurde nicht erkannt: erwartet werden die Spalten "
                                   + ", ".join(f"„{c}“" for c in COLUMNS) + ", getrennt durch Semikolon oder "
                                   "Komma (Artikelbezeichnung, Gutschrift, Lieferort und Bestelldatum optional).",
                                   row=1)]
        return
    result.format.delimiter = delimiter
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True))
    except csv.Error as exc:
        result.problems = [Problem(f"Die CSV-Datei ist fehlerhaft (Anführungszeichen): {shown(str(exc), 80)}.")]
        return
    try:
        header = lines[0] if lines else []
        layout = _Layout(header, collector, None, letters=False)
        if not collector.problems:
            mark, assumed, source = _decimal_mark(lines, layout, delimiter, collector)
            if mark is not None:
                result.format.decimal_mark, result.format.decimal_assumed = mark, assumed
                _read_rows(iter(lines), collector, result, sheet=None, letters=False, mark=mark, limits=limits,
                           mark_source=source)
    except TooManyProblems:
        collector.problems.append(Problem(f"Die Prüfung wurde nach {MAX_PROBLEMS} Fehlern abgebrochen."))
    result.problems = collector.problems


def _decimal_mark(lines: list[list[str]], layout: _Layout, delimiter: str,
                  collector: ProblemCollector) -> tuple[str | None, bool, tuple[int, str, str] | None]:
    """The decimal mark of the file's numbers (see the module docstring), whether it was assumed,
    and the number that decided it (row, column, text). The scan stops at the first number that
    decides; a later number that needs the other mark is refused as contradictory by the row check."""
    columns = [(name, layout.index[name]) for name in (QUANTITY, AMOUNT)]
    ambiguous: tuple[int, str, str] | None = None
    for number, cells in enumerate(lines[1:], start=2):
        for name, index in columns:
            if index < len(cells):
                evidence = decimal_evidence(cells[index])
                if evidence in (",", "."):
                    return evidence, False, (number, name, cells[index])
                if evidence == "?" and ambiguous is None:
                    ambiguous = (number, name, cells[index])
    if ambiguous is not None:
        row, name, value = ambiguous
        collector.add(f"Das Dezimalzeichen ist nicht zu erkennen: „{shown(value)}“ ({name}) kann als Dezimalzahl oder "
                      "mit Tausenderpunkt gelesen werden, und keine andere Zahl entscheidet es. Bitte Tausender ohne "
                      "Trennzeichen schreiben oder die Nachkommastellen angeben (z. B. 1234,00).", row=row,
                      column=layout.column(name))
        return None, False, None
    return ("," if delimiter == ";" else "."), True, None


def iter_template_rows(positions: Iterable[tuple[str, str]]) -> Iterator[list[str]]:
    """Header and hint rows of an empty report template: article numbers and texts of the lot."""
    yield list(COLUMNS)
    for number, text in positions:
        yield ["", number, text, "", "", "", "", ""]
