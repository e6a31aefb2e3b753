"""Benchmark of the price-sheet import of a bid (issue 13, part 10): a filled price sheet of
10,000 positions (20 lots × 500) read and checked by `read_price_sheet` against an openpyxl
read-only floor of the same file measured in the same run. Nothing is asserted; the ratio is
what to watch (aim: ≤ 2×).

    .venv/bin/python bench/bench_bid_import.py                     # 20 lots × 500 positions
    .venv/bin/python bench/bench_bid_import.py --lots 4 --positions 250 --repeat 2

Data: the tender of bench_documents.py (generated here, no database), its price sheet as
einkauf writes it, every unit price filled in with up to four decimals (openpyxl, not timed).

- **import**: `einkauf.bids.price_sheet_import.read_price_sheet` — the upload checks of the
  demand import (zip directory, part sizes, macros, DOCTYPE), the Meta sheet and fingerprint,
  every row's key, article number, quantity, formulas, hidden rows, prices as Decimal.
- **floor**: openpyxl `load_workbook(read_only=True)` of the same bytes, every row of every lot
  sheet read with `values_only`, the unit price of each row turned into a Decimal — what any
  reader of the file needs at least.
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import make_tender
from openpyxl import load_workbook

from einkauf.bids.price_sheet_import import ExpectedLot, ExpectedSheet, read_price_sheet
from einkauf.exports.price_sheet import FIRST_ROW, build_price_sheet, positions_fingerprint
from einkauf.exports.tender_data import TenderDocument

PRICE_COLUMN, KEY_COLUMN = 9, 12  # I (Einheitspreis netto) and L (Schlüssel)


def filled_sheet(tender: TenderDocument, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    book = load_workbook(io.BytesIO(build_price_sheet(tender, generated_at=datetime(2027, 1, 21, tzinfo=UTC))))
    for ws in book.worksheets:
        if not ws.title.startswith("Los "):
            continue
        for row in range(FIRST_ROW, ws.max_row + 1):
            if ws.cell(row=row, column=KEY_COLUMN).value:
                ws.cell(row=row, column=PRICE_COLUMN).value = Decimal(rng.randint(1, 9_999_999)) / 10_000
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def expected(tender: TenderDocument) -> ExpectedSheet:
    return ExpectedSheet(
        reference=tender.reference,
        fingerprint=positions_fingerprint((lot.position_key(p), p.estimated_quantity)
                                          for lot in tender.lots for p in lot.positions),
        lots=tuple(ExpectedLot(number=lot.number, keys=tuple(lot.position_key(p) for p in lot.positions),
                               product_numbers=tuple(p.product_number for p in lot.positions),
                               estimated_quantities=tuple(p.estimated_quantity for p in lot.positions))
                   for lot in tender.lots))


def floor(data: bytes) -> int:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    count = 0
    for ws in book.worksheets:
        if not ws.title.startswith("Los "):
            continue
        for row in ws.iter_rows(min_row=FIRST_ROW, values_only=True):
            if len(row) >= KEY_COLUMN and row[KEY_COLUMN - 1] and row[PRICE_COLUMN - 1] is not None:
                Decimal(str(row[PRICE_COLUMN - 1]))
                count += 1
    book.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"einkauf bid import benchmark – Python {sys.version.split()[0]}")
    tender = make_tender(args.lots, args.positions)
    data, wanted = filled_sheet(tender), expected(tender)
    print(f"price sheet: {args.lots} lots × {args.positions} positions, {len(data) / 1024 / 1024:.1f} MiB")
    times, floors = [], []
    for _ in range(args.repeat):  # alternate, so that a load on the machine hits both alike
        start = time.perf_counter()
        result = read_price_sheet(data, wanted)
        times.append(time.perf_counter() - start)
        assert not result.problems, result.problems[:3]
        start = time.perf_counter()
        floor(data)
        floors.append(time.perf_counter() - start)
    best, best_floor = min(times), min(floors)
    print(f"  read_price_sheet             best {best:7.2f} s   median {statistics.median(times):7.2f} s")
    print(f"  floor (openpyxl read-only)   best {best_floor:7.2f} s   median {statistics.median(floors):7.2f} s")
    print(f"  ratio (best / best floor)     {best / best_floor:7.2f}")


if __name__ == "__main__":
    main()
