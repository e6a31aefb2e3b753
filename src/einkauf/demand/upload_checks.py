"""Checks on an uploaded workbook's raw bytes, before any XML parser sees them (R13).

Pure: no Flask, no SQLAlchemy, no openpyxl. `check_upload` looks at the file size, the zip
directory (number of members, declared unpacked sizes, compression ratios, encryption,
compression methods), the size of every part against a cap relative to the rows the template
can hold (shared strings, worksheets, styles, others), the content types (macros are
refused), the number of shared strings (counted streaming), the checksum of every member,
and the prolog of every XML part (no DOCTYPE: entity-expansion and external-entity tricks
need one; defusedxml inside openpyxl remains the real guard, this only refuses early). Only when it finds
nothing may openpyxl open the file.

Why the declared sizes can be trusted: Python's zipfile never returns more bytes for a member
than the central directory declares (ZipExtFile stops at `file_size` and then fails the
CRC check), so a member that lies about its size cannot unpack beyond the cap checked here.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

# The part every xlsx workbook declares; the macro-enabled variants carry "macroEnabled".
XLSX_MAIN_CONTENT_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# Markers of macro content in [Content_Types].xml or in part names (VBA projects, Excel 4.0
# macro sheets, macro-enabled workbooks and templates, add-ins). Compared in lower case.
MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"macrosheet")
REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
ZIP_SIGNATURE = b"PK\x03\x04"
PROLOG_BYTES = 4096
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """Limits for an uploaded workbook. The defaults are far above a 25,000-line template
    (about 2 MB packed, 15 MB unpacked) and far below what would hurt the server."""

    max_bytes: int = 5 * 1024 * 1024
    max_members: int = 50
    max_unpacked_bytes: int = 50 * 1024 * 1024
    max_ratio: int = 100
    # Small parts may compress better than max_ratio (a sheet of empty styled cells does);
    # they cannot hurt, so the ratio is checked only for parts larger than this.
    ratio_floor_bytes: int = 1024 * 1024
    max_rows: int = 25_000
    max_columns: int = 30
    # Per-part caps relative to the rows the template can hold (issue 11): openpyxl keeps the
    # shared strings and the styles of a workbook in memory, so those two parts are bounded
    # by what max_rows rows can need, not only by the total above. A row of "Bedarf" has 11
    # text columns and one entry on "Listen"; Anleitung and Info add a few hundred strings.
    shared_strings_per_row: int = 12
    shared_strings_fixed: int = 1_000
    # The texts of one row at their field limits (Kurztext 200, Artikel-Nr. 30, Kostenstelle
    # and Sachkonto 40 each, Bemerkung 500, Schlüssel, Warengruppe and Einheit mostly shared)
    # plus the XML around each string; a test pins this to the models' column lengths.
    text_bytes_per_row: int = 1_024
    shared_strings_fixed_bytes: int = 1024 * 1024
    # A worksheet row: up to max_columns cells of about 60 bytes of XML each, plus the texts of
    # the row when a program writes them inline instead of as shared strings.
    sheet_bytes_per_row: int = 30 * 60 + 1_024
    max_styles_bytes: int = 2 * 1024 * 1024
    # Every other XML part (workbook, relationships, theme, document properties ...).
    max_other_xml_bytes: int = 2 * 1024 * 1024
    # Every other part (images, printer settings); openpyxl's read-only mode never opens them.
    max_other_bytes: int = 8 * 1024 * 1024

    @property
    def max_shared_strings(self) -> int:
        return self.max_rows * self.shared_strings_per_row + self.shared_strings_fixed

    @property
    def max_shared_strings_bytes(self) -> int:
        return self.max_rows * self.text_bytes_per_row + self.shared_strings_fixed_bytes

    @property
    def max_sheet_bytes(self) -> int:
        return self.max_rows * self.sheet_bytes_per_row


DEFAULT_LIMITS = UploadLimits()

CT_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


def megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " MB"


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class _Rejected(Exception):
    pass


def check_upload(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> list[str]:
    """Every reason (German) why the bytes must not be handed to an xlsx parser; [] if none.

    The checks stop at the first class of problem that makes the later ones meaningless
    (an empty file has no zip directory, a zip bomb's content types are not worth reading).
    """
    try:
        _check(data, limits)
    except _Rejected as exc:
        return [str(exc)]
    return []


def _check(data: bytes, limits: UploadLimits) -> None:
    if not data:
        raise _Rejected("Die Datei ist leer (0 Byte). Bitte wählen Sie die ausgefüllte Excel-Vorlage aus.")
    if len(data) > limits.max_bytes:
        raise _Rejected(file_too_large(len(data), limits.max_bytes))
    if data.startswith(OLE2_SIGNATURE):
        raise _Rejected("Die Datei ist im alten Excel-Format (.xls) gespeichert oder mit einem Kennwort "
                        "verschlüsselt. Bitte speichern Sie sie ohne Kennwort als „Excel-Arbeitsmappe (*.xlsx)“.")
    if not data.startswith(ZIP_SIGNATURE):
        raise _Rejected("Die Datei ist keine Excel-Arbeitsmappe (.xlsx). Bitte laden Sie die Vorlage aus einkauf "
                        "herunter, füllen Sie sie aus und speichern Sie sie als „Excel-Arbeitsmappe (*.xlsx)“.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, but also ValueError/OverflowError on forged directories
        raise _Rejected("Die Datei ist beschädigt oder unvollständig und kann nicht als Excel-Arbeitsmappe "
                        "gelesen werden. Bitte speichern Sie sie erneut als .xlsx.") from exc
    with archive:
        members = archive.infolist()
        _check_directory(members, limits)
        names = {m.filename for m in members}
        _check_macros(names)
        for part in REQUIRED_PARTS:
            if part not in names:
                raise _Rejected(f"Der Datei fehlt der Bestandteil „{part}“ – sie ist keine vollständige "
                                "Excel-Arbeitsmappe (.xlsx).")
        try:
            roles = _check_content_types(archive, limits)
            _check_part_sizes(members, roles, limits)
            # Every member is unpacked once (within the caps above) to verify its checksum, so a
            # damaged file is refused as damaged, whichever part the damage is in.
            damaged = archive.testzip()
            if damaged is not None:
                raise _Rejected(f"Die Datei ist beschädigt: der Bestandteil „{damaged[:80]}“ ist fehlerhaft. Bitte "
                                "speichern Sie sie erneut als .xlsx.")
            _check_xml_prologs(archive, members)
            for name in roles.get(CT_SHARED_STRINGS, ()):
                _check_shared_string_count(archive, name, limits)
        except _Rejected:
            raise
        except Exception as exc:  # a member that cannot be decompressed (bad CRC, bad deflate stream, ...)
            raise _Rejected("Die Datei ist beschädigt: ein Bestandteil lässt sich nicht entpacken. Bitte speichern "
                            "Sie sie erneut als .xlsx.") from exc


def _check_directory(members: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    if len(members) > limits.max_members:
        raise _Rejected(f"Die Datei besteht aus {thousands(len(members))} Bestandteilen; eine Excel-Arbeitsmappe "
                        f"aus dieser Vorlage hat weit weniger (erlaubt: {limits.max_members}).")
    seen: set[str] = set()
    total = 0
    for member in members:
        if member.filename in seen:
            raise _Rejected(f"Der Bestandteil „{member.filename[:80]}“ kommt in der Datei doppelt vor.")
        seen.add(member.filename)
        if member.flag_bits & 0x1:
            raise _Rejected("Die Datei enthält verschlüsselte Bestandteile. Bitte speichern Sie sie ohne Kennwort.")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Rejected("Die Datei verwendet ein nicht unterstütztes Kompressionsverfahren. Bitte speichern Sie "
                            "sie in Excel oder LibreOffice erneut als .xlsx.")
        total += member.file_size
        if total > limits.max_unpacked_bytes:
            raise _Rejected(f"Die Datei würde entpackt mehr als {megabytes(limits.max_unpacked_bytes)} belegen; "
                            "das ist für diese Vorlage nicht plausibel.")
        if (member.file_size > limits.ratio_floor_bytes
                and member.file_size > limits.max_ratio * max(member.compress_size, 1)):
            raise _Rejected(f"Der Bestandteil „{member.filename[:80]}“ ist ungewöhnlich stark komprimiert "
                            f"(mehr als {limits.max_ratio}:1); die Datei wird aus Sicherheitsgründen nicht gelesen.")


def _check_macros(names: set[str]) -> None:
    for name in names:
        lowered = name.lower().encode("utf-8", "replace")
        if any(marker in lowered for marker in MACRO_MARKERS):
            raise _Rejected("Die Datei enthält Makros (VBA). Makros sind nicht erlaubt – bitte speichern Sie die "
                            "Datei als „Excel-Arbeitsmappe (*.xlsx)“, nicht als .xlsm.")
        if lowered.endswith(b".bin") and lowered.startswith(b"xl/workbook"):
            raise _Rejected("Die Datei ist eine binäre Excel-Arbeitsmappe (.xlsb). Bitte speichern Sie sie als "
                            "„Excel-Arbeitsmappe (*.xlsx)“.")


def _check_content_types(archive: zipfile.ZipFile, limits: UploadLimits) -> dict[str, list[str]]:
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise _Rejected("Der Bestandteil „[Content_Types].xml“ ist unplausibel groß.")
    content_types = archive.read(info)
    _refuse_doctype(content_types, "[Content_Types].xml")
    lowered = content_types.lower()
    if any(marker in lowered for marker in MACRO_MARKERS):
        raise _Rejected("Die Datei ist eine Arbeitsmappe mit Makros (.xlsm). Makros sind nicht erlaubt – bitte "
                        "speichern Sie die Datei als „Excel-Arbeitsmappe (*.xlsx)“.")
    if XLSX_MAIN_CONTENT_TYPE not in content_types:
        raise _Rejected("Die Datei ist keine Excel-Arbeitsmappe im Format .xlsx. Bitte speichern Sie sie als "
                        "„Excel-Arbeitsmappe (*.xlsx)“.")
    return _part_roles(content_types)


def _part_roles(content_types: bytes) -> dict[str, list[str]]:
    """Content type → member names, from the <Override> entries openpyxl itself follows."""
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(content_types, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception as exc:
        raise _Rejected("Der Bestandteil „[Content_Types].xml“ ist beschädigt. Bitte speichern Sie die Datei "
                        "erneut als .xlsx.") from exc
    roles: dict[str, list[str]] = {}
    for element in root:
        if element.tag.rsplit("}", 1)[-1] != "Override":
            continue
        name = (element.get("PartName") or "").lstrip("/")
        roles.setdefault(element.get("ContentType") or "", []).append(name)
    return roles


def _check_part_sizes(members: list[zipfile.ZipInfo], roles: dict[str, list[str]], limits: UploadLimits) -> None:
    """Caps per part, relative to what a template of max_rows rows can need (issue 11)."""
    by_role = {name: role for role, names in roles.items() for name in names}
    for member in members:
        role = by_role.get(member.filename)
        if role == CT_SHARED_STRINGS:
            cap, what = limits.max_shared_strings_bytes, "die gemeinsamen Texte"
        elif role == CT_WORKSHEET:
            cap, what = limits.max_sheet_bytes, "ein Tabellenblatt"
        elif role == CT_STYLES:
            cap, what = limits.max_styles_bytes, "die Formatvorlagen"
        elif member.filename.lower().endswith((".xml", ".rels", ".vml")):
            cap, what = limits.max_other_xml_bytes, "diesen Bestandteil"
        else:
            cap, what = limits.max_other_bytes, "diesen Bestandteil"
        if member.file_size > cap:
            raise _Rejected(f"Der Bestandteil „{member.filename[:80]}“ würde entpackt {megabytes(member.file_size)} "
                            f"belegen; für {what} sind bei höchstens {thousands(limits.max_rows)} Zeilen der "
                            f"Vorlage {megabytes(cap)} erlaubt. Die Datei wird nicht gelesen.")


# Any element named si, with or without a namespace prefix. Counting tags in the raw bytes
# can only count too many (a "<si>" inside a comment), never too few: every entry starts so.
_SI_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_COUNT_CHUNK = 1 << 20


def _check_shared_string_count(archive: zipfile.ZipFile, name: str, limits: UploadLimits) -> None:
    """Count the entries of the shared strings streaming, before openpyxl loads them all into
    memory (3.6 million tiny entries fit into 50 MB and cost the server over 300 MB)."""
    count = 0
    tail = b""
    with archive.open(name) as stream:
        while True:
            chunk = stream.read(_COUNT_CHUNK)
            if not chunk:
                break
            buf = tail + chunk
            # Keep the last bytes for the next round unless they end a complete match.
            cut = max(len(buf) - 64, 0)
            count += sum(1 for m in _SI_RE.finditer(buf, 0) if m.start() < cut)
            tail = buf[cut:]
            if count > limits.max_shared_strings:
                break
    count += sum(1 for _m in _SI_RE.finditer(tail))
    if count > limits.max_shared_strings:
        raise _Rejected(f"Der Bestandteil „{name[:80]}“ enthält mehr als {thousands(limits.max_shared_strings)} "
                        f"gemeinsame Texte; eine Vorlage mit höchstens {thousands(limits.max_rows)} Zeilen braucht "
                        "weit weniger. Die Datei wird nicht gelesen.")


def _check_xml_prologs(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(member) as fh:
            head = fh.read(PROLOG_BYTES)
        _refuse_doctype(head, member.filename)


def _refuse_doctype(head: bytes, name: str) -> None:
    """No part of an xlsx file has a document type declaration; entity tricks need one."""
    text = head
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    upper = text.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _Rejected(f"Der Bestandteil „{name[:80]}“ enthält eine DOCTYPE-Deklaration; solche Dateien werden "
                        "aus Sicherheitsgründen nicht gelesen.")


def file_too_large(size: int | None, limit: int) -> str:
    """'Die Datei ist 10,0 MB groß; erlaubt sind höchstens 5 MB.' — the file's real size, or
    that it is unknown (a body sent in chunks without a length)."""
    if size is None:
        return f"Die Datei ist größer als erlaubt (höchstens {megabytes(limit)}); ihre genaue Größe ist nicht bekannt."
    exact = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    return f"Die Datei ist {exact} MB groß; erlaubt sind höchstens {megabytes(limit)}."
