"""LibreOffice (headless) converts the finance workbook to CSV without loss: every sheet, every
text as written (leading zeros, formula-like text), every amount the exact value of the database.

Skipped only where `soffice` is missing and EINKAUF_REQUIRE_LIBREOFFICE is unset; CI (.ci/run)
installs libreoffice-calc-nogui and sets the variable, so there it must run.
"""
from __future__ import annotations

import csv
import subprocess
from decimal import Decimal

from einkauf.exports.finance_columns import DEFAULT_COLUMNS

from finance_support import HEADERS, MONEY, build_finance_world, expected_rows, export, row_key
from support import soffice

# Field separator ";", text delimiter '"', UTF-8, from line 1, no cell formats, default language,
# quoted fields not as text, detect special numbers, values (not as shown), no formulas, keep
# spaces, every sheet into its own file.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1"


def convert(binary: str, xlsx: bytes, folder) -> dict[str, list[list[str]]]:
    source = folder / "export.xlsx"
    source.write_bytes(xlsx)
    out = folder / "out"
    result = subprocess.run(
        [binary, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to", CSV_FILTER,
         "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    sheets = {}
    for path in sorted(out.glob("export-*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            sheets[path.stem[len("export-"):]] = list(csv.reader(fh, delimiter=";"))
    return sheets


def test_libreoffice_reads_every_sheet_row_text_and_amount_as_written(db, make_round, make_member, make_category,
                                                                       make_product, tmp_path):
    binary = soffice()
    world = build_finance_world(db, make_round, make_member, make_category, make_product)
    data, totals, _ = export(db, world, "xlsx", rows_per_sheet=4)
    sheets = convert(binary, data, tmp_path)
    assert sorted(sheets) == ["Info", "Kostenaufteilung", "Kostenaufteilung 2", "Kostenaufteilung 3", "Summen",
                              "Summen 2"]

    detail = []
    for name in ("Kostenaufteilung", "Kostenaufteilung 2", "Kostenaufteilung 3"):
        header, *rows = sheets[name]
        assert header == HEADERS
        detail += [dict(zip(header, row, strict=False)) for row in rows if any(row)]
    expected = {row_key(r): r for r in expected_rows(db, world["plan"].id)}
    assert len(detail) == len(expected) == totals.rows
    for row in detail:
        want = expected[row_key(row)]
        for column in DEFAULT_COLUMNS:
            got, value = row[column.header], want[column.header]
            if column.header in (*MONEY, "Menge", "USt-Satz"):
                assert Decimal(got) == value, (column.header, got, value)
            elif column.header == "Position":
                assert int(got) == value
            else:
                assert got == value, (column.header, got, value)  # text exactly, "0815" and "=1+1 Lager" too

    summary = [r for r in sheets["Summen"][1:] + sheets["Summen 2"][1:] if r and r[0] not in ("", "Summe")]
    assert sum(Decimal(r[5]) for r in summary) == totals.net
    total = next(r for r in sheets["Summen 2"] if r and r[0] == "Summe")
    assert Decimal(total[5]) == totals.net and Decimal(total[7]) == totals.gross
    info = {r[0]: r[1] for r in sheets["Info"] if len(r) > 1 and r[0]}
    assert Decimal(info["Summe Gesamt netto"]) == totals.net and info["Zeilen (Detail)"] == str(totals.rows)
