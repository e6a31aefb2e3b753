"""Benchmark of the Preisspiegel workbook (issue 13, item 10): `build_price_matrix` for a tender of
20 lots × 500 positions × 8 bids against a raw floor measured in the same run: openpyxl write-only
writing the same cells as plain values. Nothing is asserted: machines differ; the ratio is what
to watch (the aim is ≤ 2).

    .venv/bin/python bench/bench_price_matrix.py
    .venv/bin/python bench/bench_price_matrix.py --lots 4 --positions 250 --bids 5 --repeat 2

Data: the tender of bench_evaluate.py (seeded; one incomplete, one excluded and one abnormally
low bid per lot), evaluated once before the timers (`evaluate_tender`, timed there).

- **workbook**: `build_price_matrix(evaluation)` to bytes — summary sheet, one sheet per lot
  with styled number cells (formats, outlier fill), user text through the formula guard,
  footer rows, frozen panes, autofilter, conditional formatting, print setup.
- **floor**: a write-only workbook with the same sheets and the same cells — per lot the header
  rows, per position OZ, label, unit, quantity, estimated price and value, and per bid the unit
  price and position total (Decimals), the footer values, and the summary rows — as plain
  values: no styles, no text checks, no conditional formatting, saved to bytes.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_evaluate import make_lots
from openpyxl import Workbook

from einkauf.bids.evaluation import Scoring, TenderEvaluation, evaluate_tender
from einkauf.exports.price_matrix import FIXED_COLUMNS, SUMMARY_HEADERS, build_price_matrix


def floor(evaluation: TenderEvaluation) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Übersicht")
    ws.append(["Preisspiegel"])
    ws.append(["Zuschlagskriterien"])
    ws.append(list(SUMMARY_HEADERS))
    for row in evaluation.summary:
        ws.append([row.number, row.title, row.positions, row.estimated_value, row.bids, row.valid_bids,
                   row.lowest_total, row.first_bidder, row.first_total, row.deviation_from_estimate,
                   "ja" if row.first_place_tied else "nein", row.abnormally_low])
    for lot in evaluation.lots:
        ws = wb.create_sheet(f"Los {lot.lot.number}")
        ws.append([f"Preisspiegel Los {lot.lot.number}"])
        ws.append(["Legende"])
        ws.append([None] * len(FIXED_COLUMNS) + [v for bid in lot.bids for v in (bid.bidder, bid.status)])
        ws.append(list(FIXED_COLUMNS) + ["Einheitspreis", "Positionssumme"] * len(lot.bids))
        for row in lot.rows:
            p = row.position
            values = [p.oz, p.label, p.unit, p.quantity, p.estimated_price, row.estimated_total]
            for cell in row.cells:
                values.append(cell.unit_price)
                values.append(cell.total)
            ws.append(values)
        ws.append([])
        ws.append([None, "Losgesamtsumme", None, None, None, lot.estimated_value,
                   *[v for bid in lot.bids for v in (None, bid.total)]])
        for label, values in (("Rang", [b.rank for b in lot.bids]),
                              ("Abweichung", [b.deviation_from_lowest for b in lot.bids]),
                              ("Schätzwert", [b.deviation_from_estimate for b in lot.bids])):
            ws.append([None, label, None, None, None, None, *[v for x in values for v in (None, x)]])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=20)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--bids", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import openpyxl

    evaluation = evaluate_tender(make_lots(args.lots, args.positions, args.bids), Scoring())
    print(f"Python {sys.version.split()[0]}, openpyxl {openpyxl.__version__}; {args.lots} lots × {args.positions} "
          f"positions × {args.bids} bids")
    full, raw = [], []
    size = floor_size = 0
    for _ in range(args.repeat):  # alternating, so that a load on the machine hits both alike
        started = time.perf_counter()
        size = len(build_price_matrix(evaluation, reference="EK-2027-01", title="Bench"))
        full.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor_size = len(floor(evaluation))
        raw.append(time.perf_counter() - started)
    print(f"  workbook  best {min(full):6.2f} s  median {statistics.median(full):6.2f} s  ({size / 2**20:.1f} MiB)")
    print(f"  floor     best {min(raw):6.2f} s  median {statistics.median(raw):6.2f} s  ({floor_size / 2**20:.1f} MiB)"
          f"   ratio {min(full) / min(raw):.2f}")


if __name__ == "__main__":
    main()
