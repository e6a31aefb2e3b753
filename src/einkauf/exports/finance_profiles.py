"""Column profiles of the finance export: which columns, under which headers, in which order,
with which number and date formats (issue 6, item 4).

ERP imports rarely match our columns. A profile is a TOML file in `instance/export_profiles/`
named `<name>.toml` (lower-case letters, digits, `-` and `_`); the file name is the profile's
name. The built-in profile `standard` is the default column set of README.md. Example:

    title = "SAP FI – Kostenaufteilung"

    [format]
    decimal_separator = ","        # "," or "."
    thousands_separator = ""       # "", ".", ",", " " or "'" (CSV only; Excel formats its numbers itself)
    date = "TT.MM.JJJJ"            # TT, MM and JJJJ once each, separated by ".", "-", "/", " " or nothing

    [csv]
    delimiter = ";"                # ";", ",", "|" or "tab"
    bom = true                     # UTF-8 with byte order mark
    header = true                  # first line with the column headers
    formula_guard = true           # prefix text starting with = + - @ tab CR with ' (OWASP)

    [xlsx]
    money = '#,##0.00 "€"'         # Excel number formats
    quantity = "#,##0.000"
    percent = "0.00"

    [[columns]]
    column = "AGS"                 # a header of README.md ("Finanzexport")
    header = "BUKRS_AGS"           # optional: the header in the file

Every key but `columns` is optional (defaults as above). Pure: tomllib and pathlib only.
Problems raise ProfileInvalid with a German message naming the file and the entry.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from einkauf.errors import ValidationFailed
from einkauf.exports.finance_columns import (ALL_COLUMNS, AWARD_COLUMNS, AWARDED_UNIT_PRICE, COLUMN_BY_HEADER,
                                             DEFAULT_COLUMNS, Column)

PROFILE_FOLDER = "export_profiles"
DEFAULT_PROFILE_NAME = "standard"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}\Z")
MAX_PROFILE_BYTES = 64 * 1024
MAX_HEADER_CHARS = 80
MAX_FORMAT_CHARS = 60
DATE_RE = re.compile(r"^(?:TT|MM|JJJJ|[./ -])+\Z")
DELIMITERS = {";": ";", ",": ",", "|": "|", "tab": "\t", "\t": "\t"}
DECIMAL_SEPARATORS = (",", ".")
THOUSANDS_SEPARATORS = ("", ".", ",", " ", "'")


class ProfileInvalid(ValidationFailed):
    """A profile file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ProfileColumn:
    column: Column
    header: str


@dataclass(frozen=True)
class Profile:
    """How the detail rows are written: columns and formats. The defaults are the standard profile."""

    name: str = DEFAULT_PROFILE_NAME
    title: str = "Standard (alle Spalten)"
    columns: tuple[ProfileColumn, ...] = field(
        default_factory=lambda: tuple(ProfileColumn(c, c.header) for c in DEFAULT_COLUMNS))
    decimal_separator: str = ","
    thousands_separator: str = ""
    date_pattern: str = "TT.MM.JJJJ"
    delimiter: str = ";"
    bom: bool = True
    header_row: bool = True
    formula_guard: bool = True
    money_format: str = '#,##0.00 "€"'
    quantity_format: str = "#,##0.000"
    percent_format: str = "0.00"

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def strftime(self) -> str:
        """The date pattern as a strftime format (TT.MM.JJJJ → %d.%m.%Y)."""
        return self.date_pattern.replace("JJJJ", "%Y").replace("TT", "%d").replace("MM", "%m")

    @property
    def excel_date_format(self) -> str:
        """The date pattern as an Excel number format (TT.MM.JJJJ → DD.MM.YYYY)."""
        return self.date_pattern.replace("JJJJ", "YYYY").replace("TT", "DD")


DEFAULT_PROFILE = Profile()
_UNIT_PRICE = COLUMN_BY_HEADER["Einzelpreis netto"]


def for_price_basis(profile: Profile, price_basis: str) -> Profile:
    """The profile's columns for an export at this price basis. At awarded prices the profile's
    "Einzelpreis netto" is the awarded unit price (under the profile's header), and the columns
    of einkauf.exports.finance_columns.AWARD_COLUMNS (supplier, award status, the estimate beside
    it) follow unless the profile names them itself; at estimated prices the profile unchanged."""
    if price_basis != "awarded":
        return profile
    columns = [ProfileColumn(AWARDED_UNIT_PRICE, spec.header) if spec.column is _UNIT_PRICE else spec
               for spec in profile.columns]
    chosen = {spec.column.header for spec in profile.columns} | {spec.header.casefold() for spec in columns}
    columns += [ProfileColumn(column, column.header) for column in AWARD_COLUMNS
                if column.header not in chosen and column.header.casefold() not in chosen]
    return replace(profile, columns=tuple(columns))


def _fail(source: str, message: str) -> NoReturn:
    raise ProfileInvalid(f"Exportprofil {source}: {message}")


def _text(data: dict, key: str, default: str, source: str, where: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        _fail(source, f"„{where}{key}“ muss ein Text sein.")
    if any(ord(ch) < 32 and ch != "\t" for ch in value):
        _fail(source, f"„{where}{key}“ enthält Steuerzeichen.")
    return value


def _flag(data: dict, key: str, default: bool, source: str, where: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        _fail(source, f"„{where}{key}“ muss true oder false sein.")
    return value


def _section(data: dict, key: str, allowed: set[str], source: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        _fail(source, f"[{key}] muss ein Abschnitt sein.")
    unknown = sorted(set(value) - allowed)
    if unknown:
        _fail(source, f"unbekannte Angabe „{unknown[0]}“ in [{key}] (erlaubt: {', '.join(sorted(allowed))}).")
    return value


def _excel_format(section: dict, key: str, default: str, source: str) -> str:
    value = _text(section, key, default, source, "xlsx.")
    if not value.strip() or len(value) > MAX_FORMAT_CHARS or "\t" in value:
        _fail(source, f"„xlsx.{key}“ muss ein Excel-Zahlenformat mit höchstens {MAX_FORMAT_CHARS} Zeichen sein.")
    return value


def parse_profile(text: str, name: str, *, source: str | None = None) -> Profile:
    """A profile from the text of its TOML file; `name` is its file name without `.toml`."""
    source = source or f"„{name}“"
    if not NAME_RE.match(name):
        _fail(source, "der Name darf nur Kleinbuchstaben, Ziffern, „-“ und „_“ enthalten (höchstens 40 Zeichen).")
    if name == DEFAULT_PROFILE_NAME:
        _fail(source, f"der Name „{DEFAULT_PROFILE_NAME}“ ist für das eingebaute Profil reserviert.")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _fail(source, f"keine gültige TOML-Datei ({exc}).")
    unknown = sorted(set(data) - {"title", "format", "csv", "xlsx", "columns"})
    if unknown:
        _fail(source, f"unbekannte Angabe „{unknown[0]}“ (erlaubt: title, [format], [csv], [xlsx], [[columns]]).")
    title = _text(data, "title", name, source, "").strip() or name
    if len(title) > 100:
        _fail(source, "„title“ darf höchstens 100 Zeichen lang sein.")

    fmt = _section(data, "format", {"decimal_separator", "thousands_separator", "date"}, source)
    decimal = _text(fmt, "decimal_separator", ",", source, "format.")
    if decimal not in DECIMAL_SEPARATORS:
        _fail(source, "„format.decimal_separator“ muss „,“ oder „.“ sein.")
    thousands = _text(fmt, "thousands_separator", "", source, "format.")
    if thousands not in THOUSANDS_SEPARATORS:
        _fail(source, "„format.thousands_separator“ muss leer oder eines von „.“, „,“, „ “, „'“ sein.")
    if thousands == decimal:
        _fail(source, "Tausender- und Dezimaltrennzeichen müssen verschieden sein.")
    date_pattern = _text(fmt, "date", "TT.MM.JJJJ", source, "format.")
    if not DATE_RE.match(date_pattern) or any(date_pattern.count(t) != 1 for t in ("TT", "MM", "JJJJ")):
        _fail(source, "„format.date“ muss TT, MM und JJJJ je einmal enthalten, getrennt durch „.“, „-“, „/“, "
                      "Leerzeichen oder nichts (z. B. TT.MM.JJJJ oder JJJJ-MM-TT).")

    csv_section = _section(data, "csv", {"delimiter", "bom", "header", "formula_guard"}, source)
    delimiter_name = _text(csv_section, "delimiter", ";", source, "csv.")
    if delimiter_name not in DELIMITERS:
        _fail(source, "„csv.delimiter“ muss „;“, „,“, „|“ oder „tab“ sein.")
    delimiter = DELIMITERS[delimiter_name]
    if delimiter in (decimal, thousands):
        _fail(source, "das Trennzeichen der CSV-Spalten darf nicht zugleich Dezimal- oder Tausendertrennzeichen sein.")

    xlsx = _section(data, "xlsx", {"money", "quantity", "percent"}, source)

    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        _fail(source, "[[columns]] fehlt: mindestens eine Spalte angeben.")
    columns: list[ProfileColumn] = []
    seen_sources: set[str] = set()
    seen_headers: set[str] = set()
    for number, entry in enumerate(raw_columns, start=1):
        where = f"Spalte {number}: "
        if not isinstance(entry, dict):
            _fail(source, f"{where}jeder Eintrag in [[columns]] braucht „column“.")
        extra = sorted(set(entry) - {"column", "header"})
        if extra:
            _fail(source, f"{where}unbekannte Angabe „{extra[0]}“ (erlaubt: column, header).")
        column_name = _text(entry, "column", "", source, "columns.")
        column = COLUMN_BY_HEADER.get(column_name)
        if column is None:
            known = ", ".join(c.header for c in ALL_COLUMNS)
            _fail(source, f"{where}unbekannte Spalte „{column_name[:80]}“ (bekannt: {known}).")
        if column.header in seen_sources:
            _fail(source, f"{where}die Spalte „{column.header}“ kommt doppelt vor.")
        seen_sources.add(column.header)
        header = _text(entry, "header", column.header, source, "columns.").strip()
        if not header or len(header) > MAX_HEADER_CHARS or "\t" in header:
            _fail(source, f"{where}die Überschrift muss 1 bis {MAX_HEADER_CHARS} Zeichen ohne Tabulator haben.")
        if header.casefold() in seen_headers:
            # Excel table columns are unique regardless of case.
            _fail(source, f"{where}die Überschrift „{header}“ kommt doppelt vor.")
        seen_headers.add(header.casefold())
        columns.append(ProfileColumn(column, header))

    return Profile(
        name=name, title=title, columns=tuple(columns), decimal_separator=decimal, thousands_separator=thousands,
        date_pattern=date_pattern, delimiter=delimiter, bom=_flag(csv_section, "bom", True, source, "csv."),
        header_row=_flag(csv_section, "header", True, source, "csv."),
        formula_guard=_flag(csv_section, "formula_guard", True, source, "csv."),
        money_format=_excel_format(xlsx, "money", DEFAULT_PROFILE.money_format, source),
        quantity_format=_excel_format(xlsx, "quantity", DEFAULT_PROFILE.quantity_format, source),
        percent_format=_excel_format(xlsx, "percent", DEFAULT_PROFILE.percent_format, source),
    )


def load_profile_file(path: Path) -> Profile:
    """A profile from a TOML file (its name is the file name without .toml)."""
    source = f"„{path.name}“"
    try:
        if path.stat().st_size > MAX_PROFILE_BYTES:
            _fail(source, f"die Datei ist größer als {MAX_PROFILE_BYTES // 1024} KiB.")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(source, "die Datei ist nicht in UTF-8 gespeichert.")
    except OSError as exc:
        _fail(source, f"die Datei kann nicht gelesen werden ({exc.strerror}).")
    return parse_profile(text, path.stem, source=source)


def profile_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / PROFILE_FOLDER


def list_profiles(instance_path: str | Path) -> tuple[list[Profile], list[str]]:
    """The standard profile and every usable profile file, by name; and a message per unusable file."""
    profiles = [DEFAULT_PROFILE]
    problems: list[str] = []
    folder = profile_folder(instance_path)
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            if not NAME_RE.match(path.stem) or path.stem == DEFAULT_PROFILE_NAME or not path.is_file():
                problems.append(f"Exportprofil „{path.name}“: der Dateiname ist nicht erlaubt "
                                "(Kleinbuchstaben, Ziffern, „-“, „_“; nicht „standard“).")
                continue
            try:
                profiles.append(load_profile_file(path))
            except ProfileInvalid as exc:
                problems.append(exc.message)
    return profiles, problems


def get_profile(instance_path: str | Path, name: str | None) -> Profile:
    """The profile of that name: `standard` (also for an empty name) or a file of the profile folder.

    The name is checked against the allowed pattern before it comes near the file system, so it
    can never name a path outside the folder.
    """
    if not name or name == DEFAULT_PROFILE_NAME:
        return DEFAULT_PROFILE
    if not NAME_RE.match(name):
        raise ProfileInvalid(f"Exportprofil „{name[:40]}“: unzulässiger Name.")
    path = profile_folder(instance_path) / f"{name}.toml"
    if not path.is_file():
        raise ProfileInvalid(f"Exportprofil „{name}“ gibt es nicht (gesucht: {path}).")
    return load_profile_file(path)
