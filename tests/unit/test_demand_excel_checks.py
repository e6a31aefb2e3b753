"""Checks on the raw bytes of an upload, before any XML parser sees them (R13, SECURITY.md).

Every file here is generated at run time with zipfile/openpyxl; no binary fixtures."""
from __future__ import annotations

import io
import warnings
import zipfile

import pytest
from openpyxl import Workbook

from einkauf.demand.upload_checks import UploadLimits, check_upload, file_too_large, megabytes


def xlsx() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "Hallo"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None,
          drop: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = (replace or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_plain_workbook_passes_every_check():
    assert check_upload(xlsx()) == []


def test_an_empty_file_is_refused_as_empty():
    assert "leer" in only(check_upload(b""))


def test_a_file_over_the_size_limit_is_refused_before_anything_else():
    message = only(check_upload(b"x" * 3 * 1024 * 1024, UploadLimits(max_bytes=2 * 1024 * 1024)))
    assert message == "Die Datei ist 3,0 MB groß; erlaubt sind höchstens 2 MB."


def test_the_size_message_states_the_real_size_or_that_it_is_unknown():
    assert (
        file_too_large(10 * 1024 * 1024, 5 * 1024 * 1024) == "Die Datei ist 10,0 MB groß; erlaubt sind höchstens 5 MB."
    )
    assert (
        file_too_large(5 * 1024 * 1024 + 1, 5 * 1024 * 1024)
        == "Die Datei ist 5,0 MB groß; erlaubt sind höchstens 5 MB."
    )
    assert file_too_large(None, 5 * 1024 * 1024) == ("Die Datei ist größer als erlaubt (höchstens 5 MB); ihre genaue "
                                                     "Größe ist nicht bekannt.")


def test_the_default_size_limit_is_five_megabytes():
    assert "5 MB" in only(check_upload(b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024)))


def test_an_old_xls_file_is_refused_with_a_hint_to_save_as_xlsx():
    message = only(check_upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500))
    assert ".xls" in message and "xlsx" in message


def test_a_text_file_renamed_to_xlsx_is_not_a_workbook():
    assert "keine Excel-Arbeitsmappe" in only(check_upload(b"Artikel;Menge\nBM-1;5\n"))


def test_a_truncated_workbook_is_damaged():
    data = xlsx()
    assert "beschädigt" in only(check_upload(data[: len(data) // 2]))


def test_too_many_zip_members_are_refused_from_the_directory():
    data = rezip(xlsx(), add={f"xl/media/bild{i}.png": b"x" for i in range(60)})
    assert "Bestandteilen" in only(check_upload(data))


def test_the_declared_unpacked_size_is_capped():
    data = rezip(xlsx(), add={"xl/media/gross.bin": b"\0" * 300_000})
    message = only(check_upload(data, UploadLimits(max_unpacked_bytes=200_000, ratio_floor_bytes=10**9)))
    assert "entpackt" in message


def test_a_member_compressed_more_than_100_to_1_is_refused():
    data = rezip(xlsx(), add={"xl/worksheets/sheet9.xml": b"0" * (2 * 1024 * 1024)})
    assert "100:1" in only(check_upload(data))


def test_small_parts_may_compress_well_below_the_ratio_floor():
    data = rezip(xlsx(), add={"docProps/custom.xml": b"<a/>" + b" " * 50_000})
    assert check_upload(data) == []


@pytest.mark.parametrize("name", ["xl/vbaProject.bin", "XL/VBAPROJECT.BIN", "xl/macrosheets/sheet1.xml"])
def test_macro_parts_are_refused(name):
    assert "Makros" in only(check_upload(rezip(xlsx(), add={name: b"Attribute VB_Name"})))


def test_a_macro_enabled_content_type_is_refused():
    data = xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        types = z.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    message = only(check_upload(rezip(data, replace={"[Content_Types].xml": types})))
    assert "Makros" in message and ".xlsm" in message


def test_a_binary_xlsb_workbook_is_refused():
    assert ".xlsb" in only(check_upload(rezip(xlsx(), add={"xl/workbook.bin": b"\0\1"})))


def test_a_zip_without_content_types_is_not_a_workbook():
    message = only(check_upload(rezip(xlsx(), drop=("[Content_Types].xml",))))
    assert "[Content_Types].xml" in message


def test_a_zip_of_something_else_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("_rels/.rels", b"<Relationships/>")
        z.writestr("word/document.xml", b"<w:document/>")
    assert "keine Excel-Arbeitsmappe" in only(check_upload(out.getvalue()))


def mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' flag of a member in its local header and in the central directory."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    raw[info.header_offset + 6] |= 0x1
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        length = int.from_bytes(raw[central + 28:central + 30], "little")
        if raw[central + 46:central + 46 + length] == name.encode():
            raw[central + 8] |= 0x1
            break
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def test_encrypted_members_are_refused():
    data = mark_encrypted(rezip(xlsx(), add={"xl/extra.xml": b"<a/>"}), "xl/extra.xml")
    assert "verschlüsselt" in only(check_upload(data))


def test_duplicate_member_names_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we create on purpose
        data = rezip(xlsx(), add={"xl/styles.xml": b"<styleSheet/>"})
    assert "doppelt" in only(check_upload(data))


def test_a_member_with_a_wrong_checksum_is_damaged():
    data = bytearray(rezip(xlsx(), add={"xl/zz.xml": b"<a>" + b"Inhalt " * 200 + b"</a>"}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/zz.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    assert "beschädigt" in only(check_upload(bytes(data)))


def test_a_doctype_in_any_part_is_refused_early():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b"<worksheet>&lol2;</worksheet>")
    message = only(check_upload(rezip(xlsx(), replace={"xl/worksheets/sheet1.xml": bomb})))
    assert "DOCTYPE" in message


def test_megabytes_are_written_the_german_way():
    assert megabytes(5 * 1024 * 1024) == "5 MB"
    assert megabytes(int(1.5 * 1024 * 1024)) == "1,5 MB"
