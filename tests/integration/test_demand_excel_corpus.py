"""A generated corpus of broken and malicious workbooks (R13, SECURITY.md "Excel uploads").

Every file is derived at run time from a valid filled template; nothing binary is committed.
Each one must give a clear German message — never an exception — and import nothing: the
member's lines and the audit log stay as they were.
"""
from __future__ import annotations

import io
import random
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand.excel_service import WorkbookRejected, build_demand_template, import_demand_workbook
from einkauf.demand.models import DemandLine, Submission
from einkauf.demand.services import LineInput, replace_draft_lines

SHEET = "xl/worksheets/sheet2.xml"  # "Bedarf" is the second sheet of the template
GERMAN = re.compile(r"\b(Datei|Blatt|Bitte|bitte|nicht|Zeile|Spalte|Bestandteil)\b")


@pytest.fixture
def world(db, make_member, make_category, make_product, make_round, make_user):
    member = make_member(ags="05913000", name="Dortmund", sites=1)
    category = make_category(name="Büromaterial")
    products = [make_product(category=category, number=f"BM-{i:04d}", price="1.50") for i in range(1, 6)]
    rnd = make_round(code="2027", opened=True)
    officer = make_user("officer", member=member)
    site = member.delivery_sites[0]
    replace_draft_lines(
        db,
        officer,
        rnd,
        member.id,
        [LineInput(products[0].id, site.id, Decimal("3")), LineInput(products[1].id, site.id, Decimal("4"))],
        source="Test",
    )
    template = build_demand_template(db, rnd, member)
    valid = edit(template, lambda wb: [wb["Bedarf"].__setitem__(f"F{row}", row * 10) for row in (4, 5, 6)])
    return {"db": db, "member": member, "round": rnd, "officer": officer, "valid": valid}


def edit(data: bytes, change) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cells(**values):
    def change(wb):
        for ref, value in values.items():
            wb["Bedarf"][ref].value = value

    return change


def rezip(data: bytes, *, replace=None, add=None, drop=(), transform=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = (replace or {}).get(info.filename, src.read(info))
            if transform and info.filename in transform:
                body = transform[info.filename](body)
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def payload_ranges(data: bytes) -> list[range]:
    """Where the compressed bytes of each member lie inside the file."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            header = data[info.header_offset:info.header_offset + 30]
            name_length = int.from_bytes(header[26:28], "little")
            extra_length = int.from_bytes(header[28:30], "little")
            start = info.header_offset + 30 + name_length + extra_length
            ranges.append(range(start, start + info.compress_size))
    return ranges


def random_mutations(data: bytes, count: int = 50, seed: int = 2027) -> list[tuple[str, bytes]]:
    """Flip 1–8 bytes inside the compressed content of random members (seeded, reproducible)."""
    rng = random.Random(seed)
    ranges = [r for r in payload_ranges(data) if len(r) > 2]
    cases = []
    for n in range(count):
        mutated = bytearray(data)
        target = rng.choice(ranges)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.choice(target)] ^= rng.randint(1, 255)
        cases.append((f"mutation-{n:02d}", bytes(mutated)))
    return cases


def moderately_compressible() -> bytes:
    """5 MB that deflate packs about 30:1 – under the ratio cap, so only the total size cap catches 11 of them."""
    rng = random.Random(7)
    block = bytes(rng.getrandbits(8) if i % 80 == 0 else 0 for i in range(1 << 16))
    return block * 80


LAUGHS = (b'<?xml version="1.0"?>%s<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
          b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>'
          b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
          b'<c r="A1" t="inlineStr"><is><t>&h;</t></is></c></row></sheetData></worksheet>')
XXE = (b'<?xml version="1.0"?>%s<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
       b'<c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')


def xlsm_types(body: bytes) -> bytes:
    return body.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")


def error_cell(body: bytes) -> bytes:
    return re.sub(rb'<c r="F4"[^>]*>.*?</c>', b'<c r="F4" t="e"><v>#DIV/0!</v></c>', body, count=1)


def corpus(valid: bytes) -> list[tuple[str, bytes]]:
    def hide_extra(wb):
        wb.create_sheet("Geheim").sheet_state = "hidden"

    def info(label_row: int, value):
        def change(wb):
            wb["Info"][f"B{label_row}"].value = value
        return change

    cases = [
        ("zero bytes", b""),
        ("truncated", valid[: len(valid) // 2]),
        ("last byte missing", valid[:-1]),
        ("plain text renamed", b"Artikel;Menge\nBM-0001;5\n"),
        ("html renamed", b"<html><body><table><tr><td>5</td></tr></table></body></html>"),
        ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)),
        ("too large", b"PK\x03\x04" + bytes(6 * 1024 * 1024)),
        ("zip bomb ratio", rezip(valid, add={"xl/media/leer.bin": bytes(3 * 1024 * 1024)})),
        ("zip bomb total", rezip(valid, add={f"xl/media/bild{i}.bin": moderately_compressible() for i in range(11)})),
        ("many members", rezip(valid, add={f"customXml/item{i}.xml": b"<a/>" for i in range(60)})),
        ("billion laughs", rezip(valid, replace={SHEET: LAUGHS % b""})),
        ("billion laughs behind a long prolog", rezip(valid, replace={SHEET: LAUGHS % (b" " * 9000)})),
        ("external entity", rezip(valid, replace={SHEET: XXE % b""})),
        ("external entity behind a long prolog", rezip(valid, replace={SHEET: XXE % (b"\n" * 9000)})),
        ("vbaProject.bin", rezip(valid, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})),
        ("xlsm content type", rezip(valid, transform={"[Content_Types].xml": xlsm_types})),
        ("no content types", rezip(valid, drop=("[Content_Types].xml",))),
        ("no workbook part", rezip(valid, drop=("xl/workbook.xml",))),
        ("garbage sheet xml", rezip(valid, replace={SHEET: b"<worksheet><sheetData><row r='1'><c"})),
        ("not xml at all", rezip(valid, replace={SHEET: bytes(range(256)) * 10})),
        ("formula in quantity", edit(valid, cells(F4="=2*3"))),
        ("formula in note", edit(valid, cells(J5="=HYPERLINK(\"http://example.org\";\"x\")"))),
        ("error value in quantity", rezip(valid, transform={SHEET: error_cell})),
        ("wrong header", edit(valid, cells(F1="Anzahl"))),
        ("header removed", edit(valid, cells(K1=None))),
        ("extra column", edit(valid, cells(L1="Summe"))),
        ("missing demand sheet", edit(valid, lambda wb: wb.remove(wb["Bedarf"]))),
        ("missing info sheet", edit(valid, lambda wb: wb.remove(wb["Info"]))),
        ("hidden extra sheet", edit(valid, hide_extra)),
        ("demand sheet hidden", edit(valid, lambda wb: setattr(wb["Bedarf"], "sheet_state", "hidden"))),
        ("another member", edit(valid, info(4, "05914000"))),
        ("another round", edit(valid, info(2, "2026"))),
        ("another template version", edit(valid, info(8, "0"))),
        ("merged cells", edit(valid, lambda wb: wb["Bedarf"].merge_cells("F4:G4"))),
        ("duplicate key", edit(valid, cells(K5="BM-0001#1"))),
        ("row without key", edit(valid, cells(K4=None))),
        ("forged key", edit(valid, cells(K4="'; DROP TABLE demand_lines; --"))),
        ("article number changed", edit(valid, cells(B4="BM-9999"))),
        ("negative quantity", edit(valid, cells(F4=-5))),
        ("text quantity", edit(valid, cells(F4="fünf"))),
        ("too many decimals", edit(valid, cells(F4=1.2345))),
        ("quantity as boolean", edit(valid, cells(F4=True))),
        ("absurd quantity", edit(valid, cells(F4=1e300))),
        ("unknown delivery site", edit(valid, cells(G4="Bahnhof"))),
        ("unknown product in an additional row", edit(valid, cells(B9="XX-1", F9=1))),
        ("far away row", edit(valid, cells(F200000="1", K200000="#1"))),
    ]
    return cases + random_mutations(valid)


def test_the_valid_file_of_the_corpus_imports(world):
    summary = import_demand_workbook(world["db"], world["officer"], world["round"], world["member"], world["valid"])
    assert summary.lines == 5


def test_the_corpus_has_every_kind_of_bad_file(world):
    names = [name for name, _data in corpus(world["valid"])]
    assert len(names) == len(set(names)) >= 90


def _line_count(db, member) -> int:
    return db.scalar(select(func.count()).select_from(DemandLine).join(Submission)
                     .where(Submission.member_id == member.id))


def _import_count(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "submission.import"))


def test_every_broken_or_malicious_file_gets_a_german_message_and_imports_nothing(world):
    db = world["db"]
    lines_before = _line_count(db, world["member"])
    imports_before = _import_count(db)
    for name, data in corpus(world["valid"]):
        with pytest.raises(WorkbookRejected) as refused:
            import_demand_workbook(db, world["officer"], world["round"], world["member"], data)
        problems = [str(p) for p in refused.value.problems]
        assert problems, name
        for text in problems:
            assert GERMAN.search(text), (name, text)
            assert "Traceback" not in text and "Error" not in text and "root:" not in text, (name, text)
        assert "nichts geändert" in refused.value.message
        assert _line_count(db, world["member"]) == lines_before, name
        assert _import_count(db) == imports_before, name


def test_forged_and_stale_dimensions_neither_hide_nor_inflate_rows(world):
    db = world["db"]

    def dimension(ref: bytes):
        return lambda body: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', body)

    for ref in (b"A1:A1", b"A1:XFD1048576"):
        data = rezip(world["valid"], transform={SHEET: dimension(ref)})
        summary = import_demand_workbook(db, world["officer"], world["round"], world["member"], data)
        assert summary.lines == 5, ref
