"""The worst uploads (issue 11): seconds and memory added by reading them, before and after the caps.

Generates its own files from a real demand template:

- **issue file**: the file of issue 11 — a valid template with a registered
  `xl/sharedStrings.xml` of 3.6 million tiny entries (about 0.9 MB zipped, 46 MB unpacked,
  52:1), under the old total caps (50 MB, 100:1). openpyxl loads every shared string into
  memory before the import sees a row.
- **tiny entries under the byte cap**: the same kind of entries, 1 million of them (13 MB):
  refused by the count of entries, which is counted streaming before openpyxl opens the file.
- **largest accepted**: shared strings just under the new count and byte caps for 25,000 rows
  (301,000 entries, about 25 MB unpacked, under the 5 MB upload limit and the 100:1 ratio):
  the most a file may still make the parser hold.

Each file is read by `einkauf.demand.excel_reader.read_upload` in a fresh child process, once with the
per-part caps switched off (as before issue 11) and once with the default limits; the child
reports wall-clock seconds and the peak RSS added by the read (ru_maxrss after minus the RSS
before). It prints figures; it asserts nothing.

    .venv/bin/python bench/bench_upload.py
"""
from __future__ import annotations

import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

ROUND, AGS = "2027", "05913000"
SST = "xl/sharedStrings.xml"
SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def template() -> bytes:
    from einkauf.demand import excel_writer

    info = excel_writer.TemplateInfo(round_code=ROUND, round_title="Bedarfsabfrage 2027",
                              deadline=datetime(2027, 1, 31, 11, 0, tzinfo=UTC), member_ags=AGS,
                              member_name="Dortmund", generated_at=datetime(2026, 12, 1, tzinfo=UTC))
    catalogue = [excel_writer.CatalogueItem(category="Büromaterial", number=f"BM-{i:04d}", short_text=f"Artikel {i}",
                                     unit="Stück", reference_price=Decimal("1.50")) for i in range(1, 6)]
    return excel_writer.build_template(info, catalogue, [], ["Rathaus"])


def with_shared_strings(data: bytes, chunks) -> bytes:
    """The template with a registered shared-strings part made of the given byte chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml" and SST_TYPE not in body:
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    + SST_TYPE + b'"/></Types>')
            if info.filename == "xl/_rels/workbook.xml.rels" and SST_REL not in body:
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Target="sharedStrings.xml" '
                                    b'Type="' + SST_REL + b'"/></Relationships>')
            if info.filename != SST:
                dst.writestr(info, body)
        with dst.open(SST, "w") as stream:
            stream.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main">')
            for chunk in chunks:
                stream.write(chunk)
            stream.write(b"</sst>")
    return out.getvalue()


def issue_entries(count: int = 3_600_000):
    """`count` empty entries (13 bytes each); a comment of random characters after every
    10,000 keeps the part near 52:1 (a run of identical entries alone would exceed 100:1)."""
    import base64

    rng = random.Random(11)
    batch = b"<si><t/></si>" * 10_000
    for _ in range(count // 10_000):
        noise = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(2_400)))
        yield batch + b"<!--" + noise + b"-->"


WORDS = ("Kopierpapier", "Ordner", "Heftklammer", "Kugelschreiber", "Toner", "schwarz", "blau", "A4", "80 g",
         "Recycling", "Rathaus", "Schulamt", "Kita", "Kostenstelle", "Bemerkung", "Lieferung", "Karton", "Stück")


def accepted_entries(count: int, budget: int):
    """`count` distinct entries of about budget/count bytes, words in random order (realistic compression)."""
    rng = random.Random(11)
    size = budget // count - 20
    batch = []
    for i in range(count):
        text = f"{i:06d} "
        while len(text) < size:
            text += rng.choice(WORDS) + " "
        batch.append(b"<si><t>" + text[:size].encode() + b"</t></si>")
        if len(batch) == 10_000:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


def describe(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(SST)
        body = archive.read(info)
        entries = body.count(b"<si>") + body.count(b"<si/>")
    return (f"{len(data) / 1e6:.2f} MB zipped, {SST} {info.file_size / 1e6:.1f} MB unpacked, "
            f"{entries:,} entries, ratio {info.file_size / max(info.compress_size, 1):.0f}:1")


def measure(path: str, caps: str) -> dict:
    """Run in the child: read the file once, report seconds and RSS added."""
    from einkauf.demand import excel_reader
    from einkauf.demand.upload_checks import DEFAULT_LIMITS, UploadLimits

    with open(path, "rb") as handle:
        data = handle.read()
    if caps == "off":  # only the caps there were before issue 11
        huge = 10**12
        limits = UploadLimits(shared_strings_fixed=huge, shared_strings_fixed_bytes=huge, sheet_bytes_per_row=huge,
                              max_styles_bytes=huge, max_other_xml_bytes=huge, max_other_bytes=huge)
    else:
        limits = DEFAULT_LIMITS
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as statm:
        before = int(statm.read().split()[1]) * page
    started = time.perf_counter()
    result = excel_reader.read_upload(data, round_code=ROUND, member_ags=AGS, limits=limits)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "rss_added_mb": max(0, peak - before) / 1e6,
            "outcome": (result.problems[0].message[:110] if result.problems else f"{len(result.rows)} Zeilen gelesen")}


def run_child(path: str, caps: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", path, caps], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout)


def main() -> None:
    from einkauf.demand.upload_checks import DEFAULT_LIMITS

    base = template()
    files = {
        "issue file": with_shared_strings(base, issue_entries()),
        "tiny entries under the byte cap": with_shared_strings(base, issue_entries(1_000_000)),
        "largest accepted": with_shared_strings(
            base, accepted_entries(DEFAULT_LIMITS.max_shared_strings - 100,
                                   DEFAULT_LIMITS.max_shared_strings_bytes - 2 * 1024 * 1024)),
    }
    print("| file | size | caps | seconds | RSS added | outcome |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            path = os.path.join(folder, name.replace(" ", "_") + ".xlsx")
            with open(path, "wb") as stream:
                stream.write(data)
            for caps in ("off", "default"):
                figures = run_child(path, caps)
                print(f"| {name} | {describe(data)} | {caps} | {figures['seconds']:.2f} s | "
                      f"{figures['rss_added_mb']:.0f} MB | {figures['outcome']} |", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        main()
